"""Ledgers uploaded for a preview (a dry run), kept until they are imported: the 导入 button sends no file again.

They are kept in a small table beside the import jobs', made and read the same way, so whichever worker
(or host) takes the 导入 finds the bytes the preview read. Once imported, only the import's job id is kept.
A preview not imported within PREVIEW_KEPT loses its bytes when a later preview is kept: it must be uploaded again.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from flask import Flask

from domain.values import Source
from service.imports.jobs import ImportJobs
from service.imports.planning import ImportRequest
from service.imports.views import application

SQLITE_TABLE = "console_ledgers"
POSTGRES_TABLE = "rectify_console_ledgers"
PREVIEW_KEPT = timedelta(days=7)  # a ledger is up to the upload limit: a preview left unimported is not kept for good


@dataclass(frozen=True)
class KeptLedger:
    """A previewed ledger: the request to import it as previewed, or the job that imported it."""

    preview: str
    request: ImportRequest | None
    imported_as: str | None


class KeptLedgers(ImportJobs):
    """Previewed ledgers by the id of their preview's job, as JSON (the bytes in base64)."""

    @property
    def table(self) -> str:
        assert self.datastore is not None
        return f'"{self.datastore.schema}".{POSTGRES_TABLE}' if self.postgres else SQLITE_TABLE

    def keep(self, preview: str, request: ImportRequest, now: datetime) -> None:
        """Keep the file and the choices a preview read, to import them as they were previewed; forget the
        ledgers of the previews kept longer than PREVIEW_KEPT and never imported."""
        self.save({"id": preview, "data": base64.b64encode(request.data).decode("ascii"),
                   "file_name": request.file_name, "source": request.source.value if request.source else None,
                   "batch": request.batch, "sheet": request.sheet, "kept_at": utc(now)})  # fmt: skip
        self.forget_before(utc(now - PREVIEW_KEPT))

    def forget_before(self, moment: str) -> None:
        """Delete the previews kept before this moment (or by a build that did not say when) and not imported."""
        if self.datastore is None:
            for preview, state in list(self.memory.items()):
                if forgotten(json.loads(state), moment):
                    del self.memory[preview]
            return
        if self.postgres:
            imported, kept = "(state::json ->> 'imported_as')", "(state::json ->> 'kept_at') COLLATE \"C\""
        else:
            imported, kept = "json_extract(state, '$.imported_as')", "json_extract(state, '$.kept_at')"
        with self.cursor() as cursor:  # one width and zone for every kept_at: the strings sort as the moments do
            cursor.execute(
                f"DELETE FROM {self.table} WHERE {imported} IS NULL AND ({kept} IS NULL OR {kept} < {self.mark})",
                (moment,),
            )

    def imported(self, preview: str, job: str) -> None:
        """The preview's ledger was imported by this job: its bytes are no longer kept."""
        self.save({"id": preview, "imported_as": job})

    def kept(self, preview: UUID) -> KeptLedger | None:
        """The ledger a preview read (None: the preview kept none)."""
        state = self.get(preview)
        if state is None:
            return None
        if "data" not in state:
            return KeptLedger(str(preview), None, state.get("imported_as"))
        return KeptLedger(str(preview), import_request(state), None)


def utc(moment: datetime) -> str:
    """A moment as kept_at records it: in UTC, to the microsecond always, so that its string sorts as it does."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def forgotten(state: dict[str, Any], moment: str) -> bool:
    """Whether a kept preview is one `forget_before(moment)` deletes."""
    return "imported_as" not in state and state.get("kept_at", "") < moment


def import_request(state: dict[str, Any]) -> ImportRequest:
    source = Source(state["source"]) if state["source"] else None
    data = base64.b64decode(state["data"])
    return ImportRequest(data, state["file_name"], source, state["batch"], state["sheet"], dry_run=False)


def kept_ledgers(app: Flask) -> KeptLedgers:
    """The table of this app's store (one per app: the table is made on first use)."""
    if "console_ledgers" not in app.extensions:
        app.extensions["console_ledgers"] = KeptLedgers(application(app).recorder)
    return app.extensions["console_ledgers"]
