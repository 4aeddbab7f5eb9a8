"""`/api/v1/findings/{id}/evidence`: attach a file of evidence (佐证材料) to a finding, and download it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from uuid import UUID

from flask import Response, current_app, request, url_for
from werkzeug.exceptions import BadRequest

from domain.values import Actor
from service.application import Rectify
from service.auth import current_actor
from service.blueprint import MULTIPART, MultipartBlueprint
from service.commands import CommandOptions
from service.evidence import schemas
from service.evidence.types import MEDIA_TYPES, EvidencePolicy
from service.findings.views import IF_MATCH
from service.schemas import ErrorSchema

blp = MultipartBlueprint("evidence", __name__, description="Files of evidence (佐证材料) attached to findings.")

UPLOAD_ERRORS = {
    400: "The body is not multipart/form-data, or If-Match is malformed.",
    401: "No valid bearer token.",
    403: "The role may not attach evidence (only a unit's users do).",
    404: "No such finding, or one outside a unit token's subtree (answered alike).",
    409: "The finding is not assigned or rectified, or another request changed it first.",
    412: "If-Match names a version the finding has moved on from.",
    413: "The file is larger than RECTIFY_EVIDENCE_MAX_MB.",
    415: "The file's content is not one of the allowed types (RECTIFY_EVIDENCE_TYPES), whatever its name.",
    422: "The file is missing, or a field is invalid.",
    429: "Too many requests on this token, or failed authentications from this address (see Retry-After).",
}
BINARY = {"schema": {"type": "string", "format": "binary"}}


def document_upload_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """The error answers of attaching, in the OpenAPI document."""
    for status, description in UPLOAD_ERRORS.items():
        view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
    return view


def application() -> Rectify:
    return current_app.extensions["rectify"]


def expected_version(header: str | None) -> int | None:
    """The version If-Match names (None: any)."""
    if header is None:
        return None
    match = IF_MATCH.match(header)
    if match is None:
        raise BadRequest('If-Match must be a version in quotes, e.g. If-Match: "3".')
    return int(match.group(1)) if match.group(1) else None


@blp.route("/<uuid:finding_id>/evidence", methods=["POST"])
@blp.arguments(schemas.EvidenceFormSchema, location=MULTIPART)
@blp.response(201, schemas.EvidenceResultSchema)
@blp.alt_response(200, schema=schemas.EvidenceResultSchema, description="The finding holds this file already.")
@document_upload_errors
def attach(form: dict[str, Any], finding_id: UUID) -> Any:
    """Attach a file of evidence to the finding (unit); the same file again records nothing"""
    options = CommandOptions(form.get("occurred_at"), expected_version(request.headers.get("If-Match")))
    upload = form["file"]
    policy = EvidencePolicy.from_settings(current_app.config)
    attachment = application().attach_evidence(
        finding_id, current_actor(), options, upload=upload.stream, filename=upload.filename, policy=policy
    )
    result, file = attachment.result, attachment.file
    location = url_for("evidence.download", finding_id=finding_id, sha256=file["sha256"])
    headers = {"ETag": f'"{result.version}"', "Location": location}
    if not attachment.recorded:
        headers["Idempotent-Replayed"] = "true"  # nothing recorded: the request log names no position written
    return {**result.finding, "position": result.position, "file": file}, 201 if attachment.recorded else 200, headers


@blp.route("/<uuid:finding_id>/evidence/<sha256>")
@blp.doc(
    responses={"200": {"description": "The file's bytes.", "content": dict.fromkeys(MEDIA_TYPES.values(), BINARY)}}
)
@blp.alt_response(404, schema=ErrorSchema, description="No such file attached, or a finding the token may not read.")
@blp.alt_response(
    503,
    schema=ErrorSchema,
    description="evidence_unreadable: the file is stored encrypted, and this RECTIFY_CIPHER_KEY cannot read it.",
)
def download(finding_id: UUID, sha256: str) -> Response:
    """Download a file attached to the finding, with its media type, as an attachment"""
    return offered_file(finding_id, current_actor(), sha256)


def offered_file(finding_id: UUID, actor: Actor, sha256: str) -> Response:
    """A file attached to a finding, as an attachment, to anyone who may read the finding (the API's, the console's)."""
    file = application().evidence_download(finding_id, actor, sha256)
    response = Response(file.chunks, mimetype=file.media_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(file.size)
    response.headers["Content-Disposition"] = attachment_disposition(file.filename)
    response.headers["ETag"] = f'"{sha256}"'
    return response


def attachment_disposition(filename: str) -> str:
    """`attachment` with the name in ASCII for old clients and in full as RFC 5987's `filename*` (UTF-8)."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = "".join(char for char in simple if char.isprintable() and char not in '"\\')
    if not simple.rsplit(".", 1)[0].strip():
        simple = "evidence" + ("." + filename.rsplit(".", 1)[1] if "." in filename else "")
        simple = simple.encode("ascii", "ignore").decode("ascii")
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quote(filename, safe='')}"
