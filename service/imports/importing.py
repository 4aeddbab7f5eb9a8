"""One import, from the file's bytes to the result: read, plan every row, record what is new."""

from __future__ import annotations

from domain.values import Actor, Role
from service.application import Rectify
from service.imports.planning import ImportRequest, plan_import
from service.imports.recording import ImportResult, Progress, record_plan

IMPORTER_ROLES = (Role.INSPECTOR, Role.ADMIN)  # who issues findings may import them


def import_ledger(
    application: Rectify,
    request: ImportRequest,
    importer: Actor,
    *,
    categories: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Import a ledger as `importer`; a dry run reads and checks every row and records nothing."""
    listed = tuple(c.strip() for c in categories.split(",") if c.strip())
    moment = application.clock()
    plan = plan_import(request, application.list_units(), moment, application.timezone, listed)
    if progress is not None:
        progress(len(plan.refused), len(plan.planned) + len(plan.refused))
    return record_plan(application, plan, importer, dry_run=request.dry_run, progress=progress)
