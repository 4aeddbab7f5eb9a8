"""台账导入: upload a ledger, preview what a dry run would create and refuse, then import, with progress.

The console runs the API's import jobs (`service.imports.views.start`) on the API's form schema; a preview's
ledger is kept (`ledgers`) so that its 导入 imports the same bytes without a second upload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import current_app, g, redirect, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import NotFound, UnprocessableEntity

from domain.errors import LedgerTypeNotSupported, RoleNotPermitted
from domain.values import Role, Source, finding_id
from service.console.finding_list import listed
from service.console.import_words import WORDS
from service.console.ledgers import PREVIEW_KEPT, KeptLedger, kept_ledgers
from service.console.signing_in import session_actor
from service.console.views import blp, page
from service.console.words import language
from service.imports.importing import IMPORTER_ROLES
from service.imports.planning import ImportRequest
from service.imports.schemas import ImportFormSchema
from service.imports.views import MAX_FILE_MB, READER_ROLES, application, as_read, jobs, ledger_bytes, read_job, start
from service.reads import read_side
from service.schemas import plain

RECENT_JOBS = 20
LEDGER_LIMIT = MAX_FILE_MB * 1024 * 1024  # the API's limit of a ledger's upload
FORM_FIELDS = ("dry_run", "source", "batch", "sheet")  # the API's form fields beside `file`


@blp.before_app_request
def ledger_upload_limit() -> Any:
    """A ledger's upload is bounded by the API's ledger limit, set before the CSRF check reads the form;
    one that says it is larger gets the upload page again with the limit, not a page about the request."""
    if request.endpoint != "console.import_upload":
        return None
    request.max_content_length = LEDGER_LIMIT
    if (request.content_length or 0) <= LEDGER_LIMIT:
        return None
    g.lang = language()
    if session_actor() is None or not g.actor.may(*IMPORTER_ROLES):
        return None  # the usual answers: sign in again, or the 403 page
    return imports_page(413, {}, {"file": ["import.too_large"]})


@blp.route("/imports", methods=["GET"])
def imports() -> Any:
    """The upload form (importers) and the recent import jobs (importers and auditors, as the API allows)."""
    require(READER_ROLES)
    return imports_page(200, {"dry_run": "true"}, {})


@blp.route("/imports", methods=["POST"])
def import_upload() -> Any:
    """Start an import job, a dry run unless unticked, with the API's form schema and checks of the file."""
    require(IMPORTER_ROLES)
    typed = {name: value for name, value in request.form.items() if name in FORM_FIELDS}
    form: dict[str, Any] = {name: value for name, value in typed.items() if value.strip() != ""}
    if "file" in request.files:
        form["file"] = request.files["file"]
    try:
        fields = ImportFormSchema().load(form)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"file": error.messages}
        return imports_page(422, typed, {str(field): listed(text) for field, text in messages.items()})
    upload = fields["file"]
    try:
        data = ledger_bytes(upload)
    except LedgerTypeNotSupported:
        return imports_page(415, typed, {"file": ["import.old_xls"]})
    except UnprocessableEntity:
        return imports_page(422, typed, {"file": ["import.empty"]})
    job_request = import_request(data, upload.filename or "", fields)
    job = start(current_app._get_current_object(), job_request, g.actor)  # type: ignore[attr-defined]
    if job_request.dry_run:
        kept_ledgers(current_app).keep(job["id"], job_request, application(current_app).clock())
    return redirect(url_for("console.import_job", job_id=job["id"]), 303)


@blp.route("/imports/<uuid:job_id>", methods=["GET"])
def import_job(job_id: UUID) -> Any:
    """A job's page: its progress while it runs (the page reloads itself), then what it did or would do."""
    require(READER_ROLES)
    return job_page(200, job_id)


@blp.route("/imports/<uuid:job_id>/import", methods=["POST"])
def import_previewed(job_id: UUID) -> Any:
    """Import the ledger a finished preview read, as it was previewed; a second click finds the same job."""
    require(IMPORTER_ROLES)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    preview, kept = read_job(app, job_id), kept_ledgers(app).kept(job_id)
    if preview is None:
        raise NotFound()
    if kept is not None and kept.imported_as is not None:
        return redirect(url_for("console.import_job", job_id=kept.imported_as), 303)
    if preview["status"] != "finished" or kept is None or kept.request is None:
        return job_page(409, job_id, refused="import.expired" if expired(preview, kept) else "import.not_importable")
    job = start(app, kept.request, g.actor)
    kept_ledgers(app).imported(str(job_id), job["id"])
    return redirect(url_for("console.import_job", job_id=job["id"]), 303)


def require(roles: tuple[Role, ...]) -> None:
    """Refuse a role the API's import refuses (the 403 page)."""
    if not g.actor.may(*roles):
        raise RoleNotPermitted(f"role {g.actor.role} may not do this")


def import_request(data: bytes, file_name: str, fields: dict[str, Any]) -> ImportRequest:
    """The job's request from the form's fields, as the API makes it."""
    return ImportRequest(data, file_name, fields.get("source"), fields["batch"], fields["sheet"], fields["dry_run"])


def imports_page(status: int, typed: dict[str, str], problems: dict[str, list[str]]) -> Any:
    """The upload form with what was chosen and what is wrong with it, and the recent jobs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    recent = [as_read(app, job) for job in jobs(app).recent(RECENT_JOBS)]
    return page(
        "console/imports.html",
        status,
        more=WORDS,
        typed=typed,
        problems=problems,
        may_import=g.actor.may(*IMPORTER_ROLES),
        sources=[plain(source) for source in Source],
        recent=recent,
        moment=office_moment,
        limit_mb=MAX_FILE_MB,
    )


def job_page(status: int, job_id: UUID, refused: str | None = None) -> Any:
    """A job as its readers see it, with the 导入 of a finished preview whose ledger is still kept."""
    job = read_job(current_app, job_id)
    if job is None:
        raise NotFound()
    kept = kept_ledgers(current_app).kept(job_id) if job["dry_run"] else None
    # From the read model in one query: the page reloads itself every two seconds while the job runs.
    units = {unit["code"]: unit["name"] for unit in read_side().units()}
    return page(
        "console/import_job.html",
        status,
        more=WORDS,
        job=job,
        result=job["result"],
        kept=kept,
        expired=expired(job, kept),
        kept_days=PREVIEW_KEPT.days,
        refused=refused,
        may_import=g.actor.may(*IMPORTER_ROLES),
        units=units,
        finding_of=lambda reference: str(finding_id(reference)),
        moment=office_moment,
    )


def expired(job: dict[str, Any], kept: KeptLedger | None) -> bool:
    """Whether a finished preview's ledger is no longer kept because it was not imported within PREVIEW_KEPT."""
    if not job["dry_run"] or job["status"] != "finished" or kept is not None:
        return False
    return application(current_app).clock() - datetime.fromisoformat(job["submitted_at"]) > PREVIEW_KEPT


def office_moment(iso: str) -> str:
    """A recorded moment as the office reads it: its date and minute in the service's time zone."""
    zone = current_app.extensions["rectify"].timezone
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M")
