"""`/api/v1/imports`: upload a ledger to import in the background, then follow the job."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any
from uuid import UUID

from flask import Flask, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from domain.errors import LedgerTypeNotSupported, RoleNotPermitted
from domain.values import Actor, Role
from service.application import Rectify
from service.auth import current_actor
from service.blueprint import MULTIPART, MultipartBlueprint
from service.imports.importing import IMPORTER_ROLES, import_ledger
from service.imports.jobs import ImportJobs, interrupted
from service.imports.planning import ImportRequest
from service.imports.reading import OLE_MAGIC, LedgerUnreadable
from service.imports.schemas import ImportFormSchema, ImportJobSchema
from service.schemas import ErrorSchema

blp = MultipartBlueprint(
    "imports", __name__, description="Ledger import (台账导入): findings from the spreadsheets offices keep."
)
log = logging.getLogger("rectify.imports")
READER_ROLES = (*IMPORTER_ROLES, Role.AUDITOR)
MAX_FILE_MB = 20  # a ledger of 20,000 rows is about 2 MB as XLSX
UPDATE_EVERY = 1.0  # seconds between progress records


@blp.before_request
def before_an_upload() -> None:
    """Before the form is read: a role that may not import hears so, and a ledger has its own size limit."""
    if request.method == "POST":
        require(IMPORTER_ROLES, "import ledgers")
        request.max_content_length = MAX_FILE_MB * 1024 * 1024  # more than RECTIFY_MAX_BODY_KB allows other bodies


@blp.route("")
class Imports(MethodView):
    @blp.arguments(ImportFormSchema, location=MULTIPART)
    @blp.response(202, ImportJobSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Only inspectors and admins import ledgers.")
    @blp.alt_response(413, schema=ErrorSchema, description="The file is larger than 20 MB.")
    @blp.alt_response(415, schema=ErrorSchema, description="An old .xls workbook: save it as .xlsx or CSV.")
    @blp.alt_response(422, schema=ErrorSchema, description="No file, or an empty one.")
    def post(self, form: dict[str, Any]) -> Any:
        """Start importing a ledger (XLSX or CSV); GET the Location for progress and the result"""
        actor = current_actor()
        upload: FileStorage = form["file"]
        data = ledger_bytes(upload)
        job_request = ImportRequest(data, upload.filename or "", form.get("source"), form["batch"], form["sheet"],
                                    form["dry_run"])  # fmt: skip
        job = start(current_app._get_current_object(), job_request, actor)  # type: ignore[attr-defined]
        return job, 202, {"Location": url_for("imports.ImportJob", job_id=job["id"])}


@blp.route("/<uuid:job_id>")
class ImportJob(MethodView):
    @blp.response(200, ImportJobSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Unit and reviewer tokens do not read imports.")
    @blp.alt_response(404, schema=ErrorSchema, description="No such import job.")
    def get(self, job_id: UUID) -> Any:
        """An import job: rows done of the total while it runs, the result once it is finished"""
        require(READER_ROLES, "read imports")
        job = read_job(current_app, job_id)
        if job is None:
            raise NotFound(f"no import job with id {job_id}")
        return job


def ledger_bytes(upload: FileStorage) -> bytes:
    """The uploaded ledger's bytes: an old .xls workbook (415) and an empty file (422) are refused at once."""
    data = upload.read()
    if data.startswith(OLE_MAGIC):
        raise LedgerTypeNotSupported("an old .xls workbook: save it as .xlsx or CSV")
    if not data:
        abort(422, messages={MULTIPART: {"file": ["The file is empty."]}})
    return data


def read_job(app: Flask, job_id: UUID) -> dict[str, Any] | None:
    """An import job as its readers see it (None: no such job)."""
    job = jobs(app).get(job_id)
    return None if job is None else as_read(app, job)


def as_read(app: Flask, job: dict[str, Any]) -> dict[str, Any]:
    """A job as its readers see it: one that stopped moving reads as interrupted."""
    if interrupted(job, application(app).clock()):
        job["status"] = "interrupted"
        job["error"] = "the worker running it stopped; import the file again (recorded rows are not repeated)"
    return job


def require(roles: tuple[Role, ...], action: str) -> Actor:
    actor = current_actor()
    if not actor.may(*roles):
        raise RoleNotPermitted(f"role {actor.role} may not {action}")
    return actor


def application(app: Flask) -> Rectify:
    return app.extensions["rectify"]


def jobs(app: Flask) -> ImportJobs:
    """The job table of this app's store (one per app: the table is made on first use)."""
    if "import_jobs" not in app.extensions:
        app.extensions["import_jobs"] = ImportJobs(application(app).recorder)
    return app.extensions["import_jobs"]


def start(app: Flask, job_request: ImportRequest, actor: Actor) -> dict[str, Any]:
    """Record the job as running and run it in a thread of this worker."""
    now = application(app).clock().isoformat()
    job = {"id": str(uuid.uuid4()), "status": "running", "dry_run": job_request.dry_run,
           "file_name": job_request.file_name, "user": actor.name, "submitted_at": now, "updated_at": now,
           "progress": {"done": 0, "total": None}, "result": None, "error": None}  # fmt: skip
    jobs(app).save(job)
    threading.Thread(target=run, args=(app, job, job_request, actor), name=f"import-{job['id']}", daemon=True).start()
    return job


def run(app: Flask, job: dict[str, Any], job_request: ImportRequest, actor: Actor) -> None:
    """The job's thread: import, recording progress now and then, and the result or the failure at the end."""
    rectify, table = application(app), jobs(app)
    last = time.monotonic()

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= UPDATE_EVERY or done == total:
            last = time.monotonic()
            save(job | {"progress": {"done": done, "total": total}})

    def save(state: dict[str, Any]) -> None:
        job.update(state, updated_at=rectify.clock().isoformat())
        table.save(job)

    try:
        result = import_ledger(
            rectify, job_request, actor, categories=app.config["RECTIFY_CATEGORIES"], progress=progress
        )
        save({"status": "finished", "result": result.as_dict()})
        return
    except LedgerUnreadable as error:  # the file, not the service: the job says why
        failure = str(error)
    except Exception as error:  # noqa: BLE001 - a thread has no caller: the job's record is where a failure goes
        log.exception("import job %s failed", job["id"])
        failure = str(error) or type(error).__name__
    try:
        save({"status": "failed", "error": failure})
    except Exception:  # noqa: BLE001 - the store itself is gone; the job will read as interrupted
        log.exception("import job %s: could not record the failure", job["id"])
