"""`/api/v1/findings`: issue a finding, move it through its life, read it and its history."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import current_app, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import BadRequest

from domain.values import Outcome, Term
from service.application import Rectify
from service.auth import current_actor
from service.blueprint import Blueprint
from service.commands import CommandOptions, CommandResult, Idempotency
from service.findings import schemas
from service.reads import read_side
from service.schemas import NOT_BLANK_WITHOUT_CONTROLS, ErrorSchema, NoArgsSchema, plain

blp = Blueprint("findings", __name__, description="Findings (整改问题) and their life from issue to closing.")

# A version has at most 18 ASCII digits (a 5,000-digit one is beyond what Python turns into an int).
IF_MATCH = re.compile(r'^[ \t]*(?:\*|(?:W/)?"?([0-9]{1,18})"?)[ \t]*$')
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
COMMAND_ERRORS = {
    400: "The body is not JSON, or a header (If-Match, Idempotency-Key) is malformed.",
    401: "No valid bearer token.",
    403: "The role may not do this.",
    404: "No such finding, or one outside a unit token's subtree (answered alike).",
    409: "A rule of the finding's life is broken, or another request changed it first.",
    412: "If-Match names a version the finding has moved on from.",
    415: "The body is not sent as application/json.",
    413: "The body is larger than RECTIFY_MAX_BODY_KB.",
    422: "A field is missing or invalid, or the Idempotency-Key was used for another request.",
    429: "Too many requests on this token, or failed authentications from this address (see Retry-After).",
}


def application() -> Rectify:
    return current_app.extensions["rectify"]


def command_options(occurred_at: Any) -> CommandOptions:
    """If-Match, Idempotency-Key and occurred_at, as the application takes them."""
    expected_version = None
    if "If-Match" in request.headers:
        match = IF_MATCH.match(request.headers["If-Match"])
        if match is None:
            raise BadRequest('If-Match must be a version in quotes, e.g. If-Match: "3".')
        expected_version = int(match.group(1)) if match.group(1) else None  # "*": any version
    idempotency = None
    if "Idempotency-Key" in request.headers:
        key = request.headers["Idempotency-Key"]
        if not IDEMPOTENCY_KEY.match(key):
            raise BadRequest("Idempotency-Key must be 1 to 200 printable ASCII characters.")
        body = json.dumps(request.get_json(silent=True), sort_keys=True, ensure_ascii=False)
        fingerprint = hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()
        idempotency = Idempotency(key=f"{current_actor().name}\x1f{key}", fingerprint=fingerprint)
    return CommandOptions(occurred_at=occurred_at, expected_version=expected_version, idempotency=idempotency)


def answer(result: CommandResult, status: int = 200) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The finding, its version and position, with the version as ETag."""
    headers = {"ETag": f'"{result.version}"'}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    if status == 201:
        headers["Location"] = url_for("findings.Finding", finding_id=result.finding["id"])
    return {**result.finding, "position": result.position}, status, headers


COMMAND_HEADERS = [
    {"in": "header", "name": "If-Match", "required": False,
     "schema": {"type": "string", "pattern": IF_MATCH.pattern, "maxLength": 40},
     "description": 'The version the command expects, e.g. "3"; 412 and nothing recorded if the finding moved on.'},
    {"in": "header", "name": "Idempotency-Key", "required": False,
     "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern, "minLength": 1, "maxLength": 200},
     "description": "A repeat with the same key and body returns the first answer and records nothing."},
]  # fmt: skip


def document_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """The error answers and the optional headers every command shares, in the OpenAPI document."""
    for status, description in COMMAND_ERRORS.items():
        view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
    return blp.doc(parameters=COMMAND_HEADERS)(view)


@blp.route("")
class Findings(MethodView):
    @blp.arguments(schemas.ListArgsSchema, location="query")
    @blp.response(200, schemas.FindingPageSchema)
    @blp.alt_response(503, schema=ErrorSchema, description="The read model did not reach min_position in time.")
    def get(self, args: dict[str, Any]) -> Any:
        """List findings, newest first or by due date, filtered and searched (read model)"""
        side = read_side(args.pop("min_position"))
        unit, cursor, limit = args.pop("unit", None), args.pop("cursor", None), args.pop("limit")
        where = {key: plain(value) for key, value in args.items()}
        return side.findings(current_actor(), unit=unit, cursor=cursor, limit=limit, **where)

    @blp.arguments(schemas.IssueSchema)
    @blp.response(201, schemas.CommandResultSchema)
    @document_errors
    def post(self, fields: dict[str, Any]) -> Any:
        """Issue a finding to a unit (inspector)"""
        options, fields = command(fields)
        result = application().issue_finding(current_actor(), options, **fields)
        return answer(result, 201)  # a replay answers what the first request was answered


@blp.route("/<uuid:finding_id>")
class Finding(MethodView):
    @blp.arguments(schemas.FindingArgsSchema, location="query")
    @blp.response(200, schemas.FindingSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such finding, not yet at as_of, or not at version.")
    @blp.alt_response(422, schema=ErrorSchema, description="An unknown argument, as_of in the future, or both given.")
    def get(self, args: dict[str, Any], finding_id: UUID) -> Any:
        """A finding as it stands now, or as the log knew it (as_of, version)"""
        if args["as_of"] is None and args["version"] is None:
            finding = application().get_finding(finding_id, current_actor())
        else:
            finding = application().finding_as_of(finding_id, current_actor(), **args)
        return finding, 200, {"ETag": f'"{finding["version"]}"'}


@blp.route("/<uuid:finding_id>/history")
class History(MethodView):
    @blp.arguments(NoArgsSchema, location="query")
    @blp.response(200, schemas.HistorySchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such finding.")
    @blp.alt_response(422, schema=ErrorSchema, description="A query argument this answer does not take.")
    def get(self, _args: dict[str, Any], finding_id: UUID) -> Any:
        """Every event of a finding, oldest first, as recorded in the store"""
        return application().history(finding_id, current_actor(), read_side().seal_marks)


def command(fields: dict[str, Any]) -> tuple[CommandOptions, dict[str, Any]]:
    """A command body's own fields, and what it carries besides them (occurred_at and the headers)."""
    return command_options(fields.pop("occurred_at")), fields


@blp.route("/<uuid:finding_id>/assign", methods=["POST"])
@blp.arguments(schemas.AssignSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def assign(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Assign or reassign the finding to a person (unit, inspector)"""
    options, fields = command(fields)
    return answer(application().assign(finding_id, current_actor(), options, **fields))


@blp.route("/<uuid:finding_id>/rectify", methods=["POST"])
@blp.arguments(schemas.RectifySchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def rectify(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Report the fix: measures and evidence (unit)"""
    options, fields = command(fields)
    return answer(application().rectify(finding_id, current_actor(), options, **fields))


@blp.amend_document
def due_date_unless_long_term(components: dict[str, Any]) -> None:
    """IssueSchema's rule across fields, in the document: a due date (not null), unless term is long (长期坚持)."""
    components["Issue"]["anyOf"] = [
        {"properties": {"due_date": {"type": "string", "format": "date"}}, "required": ["due_date"]},
        {"properties": {"term": {"enum": [Term.LONG.value]}}, "required": ["term"]},
    ]


@blp.amend_document
def rejection_says_why(components: dict[str, Any]) -> None:
    """ReviewSchema's rule across fields, in the document: an acceptance, or a comment that is not blank."""
    not_blank = {"type": "string", "minLength": 1, "pattern": NOT_BLANK_WITHOUT_CONTROLS}
    components["Review"]["anyOf"] = [
        {"properties": {"outcome": {"enum": [Outcome.ACCEPTED.value]}}},
        {"properties": {"comment": not_blank}, "required": ["comment"]},
    ]


@blp.route("/<uuid:finding_id>/review", methods=["POST"])
@blp.arguments(schemas.ReviewSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def review(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Accept the fix and close the finding, or send it back (reviewer)"""
    options, fields = command(fields)
    return answer(application().review(finding_id, current_actor(), options, **fields))


@blp.route("/<uuid:finding_id>/extend", methods=["POST"])
@blp.arguments(schemas.ExtendSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def extend(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Grant a later deadline (inspector)"""
    options, fields = command(fields)
    return answer(application().extend(finding_id, current_actor(), options, **fields))


@blp.route("/<uuid:finding_id>/escalate", methods=["POST"])
@blp.arguments(schemas.EscalateSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def escalate(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Send a supervision notice, 督办 (inspector)"""
    options, fields = command(fields)
    return answer(application().escalate(finding_id, current_actor(), options, **fields))


@blp.route("/<uuid:finding_id>/reopen", methods=["POST"])
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def reopen(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Reopen a closed finding whose problem came back, 回头看 (inspector)"""
    options, fields = command(fields)
    return answer(application().reopen(finding_id, current_actor(), options, **fields))


@blp.route("/<uuid:finding_id>/withdraw", methods=["POST"])
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.CommandResultSchema)
@document_errors
def withdraw(fields: dict[str, Any], finding_id: UUID) -> Any:
    """Withdraw a finding issued in error (inspector)"""
    options, fields = command(fields)
    return answer(application().withdraw(finding_id, current_actor(), options, **fields))
