"""What one client may send: body size, failed authentications per address, requests per token."""

from __future__ import annotations

import hashlib
import math
from typing import IO, cast

from flask import Flask, Request, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from limits import parse
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from service.auth import OPEN_PATHS, bearer_token, client_address, seconds_to_reset

OFF = "off"
# Routes whose bodies have a limit of their own (the settings key, in MB) instead of RECTIFY_MAX_BODY_KB.
OWN_BODY_LIMITS = {"evidence.attach": "RECTIFY_EVIDENCE_MAX_MB", "console.evidence": "RECTIFY_EVIDENCE_MAX_MB"}
# What a multipart body carries besides the file itself: its part headers, boundaries and small fields.
MULTIPART_ALLOWANCE = 64 * 1024


def install_request_limits(app: Flask) -> Limiter:
    """Bound bodies (413 before parsing) and rate-limit (429 with Retry-After); before authentication runs."""
    settings = app.config
    app.config["MAX_CONTENT_LENGTH"] = int(settings["RECTIFY_MAX_BODY_KB"]) * 1024
    app.request_class = BoundedRequest
    app.before_request(own_body_limit)
    storage = settings["RECTIFY_RATE_LIMIT_STORAGE"]
    # Memory counters are per worker process: each worker allows its share, so that together they
    # allow the configured rate (connections are spread over the workers by the kernel).
    shares = worker_count(settings["WEB_CONCURRENCY"]) if storage.startswith("memory:") else 1
    # Failed authentications are counted by `service.auth` once a token is refused, so a valid token from the
    # same address (an office behind one NAT) is never held up by someone else's wrong ones.
    auth_limit = settings["RECTIFY_RATE_LIMIT_AUTH"]
    app.extensions["failed_authentication_limit"] = parse(share_of(auth_limit, shares)) if auth_limit != OFF else None
    limits = []
    if (token_limit := settings["RECTIFY_RATE_LIMIT_TOKEN"]) != OFF:
        limits.append(
            ApplicationLimit(
                share_of(token_limit, shares),
                key_function=token_digest,
                scope="token",
                exempt_when=lambda: is_open() or not token_digest(),
                on_breach=retry_after,
            )
        )
    limiter = Limiter(
        key_func=client_address,
        app=app,
        application_limits=limits,  # type: ignore[arg-type]
        storage_uri=storage,
        strategy="moving-window",
    )
    app.extensions["rate_limiter"] = limiter
    return limiter


class StreamedBodyLimit(LimitedStream):
    """A body without Content-Length (chunked) that refuses to end early at the limit.

    Werkzeug's own stops reading at the limit and hands on what it read, so a cut JSON body would be parsed.
    """

    def readall(self) -> bytes:
        body = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return body


class BoundedRequest(Request):
    """A request whose body, with or without Content-Length, is a 413 past MAX_CONTENT_LENGTH."""

    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if self.content_length is None and "wsgi.input_terminated" in self.environ and limit is not None:
            return cast(IO[bytes], StreamedBodyLimit(self.environ["wsgi.input"], limit, is_max=True))
        return get_input_stream(self.environ, max_content_length=limit)

    def _get_file_stream(
        self, total_content_length: int | None, content_type: str | None, filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:  # fmt: skip
        """A file part's temporary file, kept to be closed with the request (werkzeug leaves it open on a 413)."""
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.__dict__.setdefault("_part_files", []).append(stream)
        return stream

    def close(self) -> None:
        for stream in self.__dict__.pop("_part_files", []):
            stream.close()
        super().close()


def own_body_limit() -> None:
    """A route with a limit of its own (a file of evidence) bounds its body by that, before the body is read."""
    key = OWN_BODY_LIMITS.get(request.endpoint or "")
    if key is not None:
        request.max_content_length = megabytes(current_app.config[key]) + MULTIPART_ALLOWANCE


def megabytes(setting: object) -> int:
    """A size setting in MB (decimals allowed), in bytes."""
    return int(float(str(setting)) * 1024 * 1024)


def body_too_large_message() -> str:
    """What a 413 says: the limit of this route's bodies."""
    key = OWN_BODY_LIMITS.get(request.endpoint or "")
    if key is not None:
        return f"the file is larger than {current_app.config[key]} MB ({key})"
    return f"the request body is larger than {current_app.config['MAX_CONTENT_LENGTH'] // 1024} KB"


def worker_count(setting: str) -> int:
    """The worker processes of this host: WEB_CONCURRENCY (which `rectify serve` sets to its `--workers`), else one."""
    return max(1, int(setting)) if setting.strip().isdigit() else 1


def share_of(limit: str, shares: int) -> str:
    """`20/minute` split between `shares` processes, each allowed at least one."""
    item = parse(limit)
    amount = max(1, math.ceil(item.amount / shares))
    return f"{amount} per {item.multiples} {item.GRANULARITY.name}"


def token_digest() -> str:
    """A digest of the bearer token, so counters never hold a usable token ("" without one)."""
    token = bearer_token()
    return hashlib.sha256(token.encode()).hexdigest()[:32] if token else ""


def is_open() -> bool:
    """Requests that need no token and are not counted: outside the API, its document and docs page."""
    return not request.path.startswith("/api/v1/") or request.path.startswith(OPEN_PATHS)


def retry_after(limit: RequestLimit) -> Response:
    """Carries the seconds until the breached window lets a request through, for the 429 answer."""
    return Response(status=429, headers={"Retry-After": str(seconds_to_reset(limit.limit, limit.reset_at))})
