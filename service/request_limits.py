"""What one client may send: body size, failed authentications per address, requests per token."""

from __future__ import annotations

import hashlib
import math
from typing import IO, cast

from flask import Flask, Request, Response, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from limits import parse
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from service.auth import OPEN_PATHS, bearer_token, client_address, seconds_to_reset

OFF = "off"


def install_request_limits(app: Flask) -> Limiter:
    """Bound bodies (413 before parsing) and rate-limit (429 with Retry-After); before authentication runs."""
    settings = app.config
    app.config["MAX_CONTENT_LENGTH"] = int(settings["RECTIFY_MAX_BODY_KB"]) * 1024
    app.request_class = BoundedRequest
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
