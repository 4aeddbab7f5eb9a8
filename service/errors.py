"""The one place where errors become HTTP answers: `{"code", "message", "errors"}`."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import MapperDeserialisationError, OperationalError, PersistenceError
from flask import Flask, jsonify
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, TooManyRequests

from domain import errors
from projections.listing import InvalidCursor
from projections.view import ViewLagging
from projections.weeks import InvalidWeek
from service.auth import TooManyFailedAuthentications
from service.request_limits import body_too_large_message
from service.stores.evidence import EvidenceUnreadable
from service.stores.outage import PAUSE, StoreUnreachable

logger = logging.getLogger(__name__)

# Domain errors not listed here are broken rules: 409.
STATUS: dict[type[errors.RectifyError], int] = {
    errors.NotAuthenticated: 401,
    errors.RoleNotPermitted: 403,
    errors.NotFound: 404,
    errors.VersionMismatch: 412,
    errors.IdempotencyKeyReused: 422,
    errors.UnknownUnit: 422,
    errors.DueDateBeforeIssue: 422,
    errors.DueDateRequired: 422,
    errors.OccurredInFuture: 422,
    errors.EvidenceNotAttached: 422,
    errors.EvidenceTooLarge: 413,
    errors.EvidenceTypeNotAllowed: 415,
    errors.LedgerTypeNotSupported: 415,
}

HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_fields",
    429: "too_many_requests",
    503: "unavailable",
}


def error_body(code: str, message: str, field_errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error shape of the contract."""
    return {"code": code, "message": message, "errors": field_errors or {}}


LOCATIONS = ("json", "query", "headers", "form", "files", "view_args", "cookies")


def merged_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests field errors by location (json, query, …): clients want the fields themselves."""
    if not set(messages) <= set(LOCATIONS):
        return messages
    merged: dict[str, Any] = {}
    for location in LOCATIONS:
        value = messages.get(location)
        merged.update(value if isinstance(value, dict) else {"_body": value} if value else {})
    return merged


def status_of(error: errors.RectifyError) -> int:
    """The HTTP status for a domain error (the most specific class listed wins)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 409


def retry_after(error: TooManyRequests) -> int:
    """Seconds until a rate-limited client may try again, as its limit's window says."""
    if isinstance(error, TooManyFailedAuthentications):
        return error.seconds
    if isinstance(error, RateLimitExceeded) and error.response is not None:
        return int(error.response.headers["Retry-After"])
    return 60


def store_unavailable_answer() -> Any:
    """503 while the store is busy or away, with when to try again (a store that refused is left alone that long)."""
    response = jsonify(error_body("store_unavailable", "the event store is busy or unreachable; try again shortly"))
    response.status_code = 503
    response.headers["Retry-After"] = str(max(1, round(PAUSE)))
    return response


def register_error_handlers(app: Flask) -> None:
    """Map domain, library and HTTP errors onto JSON answers."""

    @app.errorhandler(errors.RectifyError)
    def domain_error(error: errors.RectifyError) -> Any:
        field_errors = {error.field: [str(error)]} if error.field else {}
        response = jsonify(error_body(error.code, str(error), field_errors))
        response.status_code = status_of(error)
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="rectify"'
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages", {})
        field_errors = merged_locations(messages) if isinstance(messages, dict) else messages
        if not isinstance(field_errors, dict):
            field_errors = {"_body": field_errors if isinstance(field_errors, list) else [str(field_errors)]}
        message = data.get("message") or error.description or error.name
        if status == 422 and field_errors:
            message = "invalid fields: " + ", ".join(sorted(map(str, field_errors)))
        elif status == 400 and "_body" in field_errors:
            message = "malformed request: " + "; ".join(map(str, field_errors["_body"]))
        elif status == 413:
            message = body_too_large_message()
        response = jsonify(
            error_body(HTTP_CODES.get(status, error.name.lower().replace(" ", "_")), message, field_errors)
        )
        response.status_code = status
        for name, value in error.get_headers() if status == 405 else []:
            if name.lower() == "allow":
                response.headers[name] = value
        return response

    @app.errorhandler(TooManyRequests)
    def rate_limited(error: TooManyRequests) -> Any:
        response = jsonify(error_body("too_many_requests", f"too many requests ({error.description}); try again later"))
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after(error))
        return response

    @app.errorhandler(InvalidCursor)
    @app.errorhandler(InvalidWeek)
    def invalid_query_value(error: InvalidCursor | InvalidWeek) -> Any:
        field = "cursor" if isinstance(error, InvalidCursor) else "week"
        response = jsonify(error_body("invalid_fields", str(error), {field: [str(error)]}))
        response.status_code = 422
        return response

    @app.errorhandler(ViewLagging)
    def view_lagging(error: ViewLagging) -> Any:
        response = jsonify(error_body("read_model_lagging", f"{error}; try again shortly"))
        response.status_code = 503
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(StoreUnreachable)
    def store_unavailable(error: OperationalError | StoreUnreachable) -> Any:
        logger.warning("store unavailable: %s", error)  # the driver's words go to the log, never to the client
        return store_unavailable_answer()

    @app.errorhandler(PersistenceError)
    def store_error(error: PersistenceError) -> Any:
        logger.exception("store error")
        response = jsonify(error_body("store_error", "the event store failed to answer"))
        response.status_code = 503
        return response

    @app.errorhandler(MapperDeserialisationError)
    def event_unreadable(error: MapperDeserialisationError) -> Any:
        # Not the client's doing and not passing: a key other than the event's (RECTIFY_CIPHER_KEY), or a damaged row.
        logger.error("stored event unreadable: %s", error)
        message = "a stored event cannot be decrypted or decoded with this server's RECTIFY_CIPHER_KEY"
        response = jsonify(error_body("event_unreadable", message))
        response.status_code = 503
        return response

    @app.errorhandler(EvidenceUnreadable)
    def evidence_unreadable(error: EvidenceUnreadable) -> Any:
        # As an unreadable event: the file was stored encrypted with a key this server does not have, or damaged.
        logger.error("stored file unreadable: %s", error)
        message = (
            f"the stored file {error.sha256} cannot be decrypted with this server's RECTIFY_CIPHER_KEY "
            "(stored with another key, or changed since)"
            if error.key_set
            else f"the stored file {error.sha256} is encrypted: set RECTIFY_CIPHER_KEY to the key it was stored with"
        )
        response = jsonify(error_body("evidence_unreadable", message))
        response.status_code = 503
        return response
