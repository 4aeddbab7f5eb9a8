"""Bearer tokens: every API request acts as the user its token names."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from limits import RateLimitItem
from werkzeug.exceptions import TooManyRequests

from domain.errors import NotAuthenticated
from domain.values import Actor

OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


class TooManyFailedAuthentications(TooManyRequests):
    """The client's address has failed to authenticate too often lately: a 429 instead of a 401."""

    def __init__(self, description: str, seconds: int) -> None:
        super().__init__(description=description)
        self.seconds = seconds  # until the address may try again (werkzeug's own `retry_after` is a header value)


def install_authentication(app: Flask) -> None:
    """Authenticate every API request before its body is even read."""

    @app.before_request
    def authenticate() -> None:
        if request.url_rule is None or not request.path.startswith("/api/v1/") or request.path.startswith(OPEN_PATHS):
            return  # unknown routes answer 404 whoever asks
        try:
            if not (token := bearer_token()):
                raise NotAuthenticated("send Authorization: Bearer <token> (made by `rectify users add`)")
            g.actor = current_app.extensions["rectify"].authenticate(token)
        except NotAuthenticated:
            count_failed_authentication()
            raise


def count_failed_authentication() -> None:
    """Count a refused token against the client's address; past the limit the answer is a 429, not a 401."""
    limit = current_app.extensions.get("failed_authentication_limit")
    if limit is None:
        return
    strategy = current_app.extensions["rate_limiter"].limiter
    identifiers = (client_address(), "failed-authentication")
    if not strategy.hit(limit, *identifiers):
        reset_at = strategy.get_window_stats(limit, *identifiers).reset_time
        raise TooManyFailedAuthentications(f"failed authentications: {limit}", seconds_to_reset(limit, reset_at))


def seconds_to_reset(limit: RateLimitItem, reset_at: float) -> int:
    """Whole seconds, at least one, until a limit's window lets a request through (what Retry-After says).

    `reset_at` is the rate-limit library's window end, kept in epoch seconds of the system clock, so it is
    compared with that clock: the application's clock dates records, it does not run the counters.
    """
    return min(limit.get_expiry(), max(1, math.ceil(reset_at - time.time())))


def bearer_token() -> str:
    """The request's bearer token ("" without one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def client_address() -> str:
    """The peer's address (behind a proxy, the proxy's: it must then do its own limiting)."""
    return request.remote_addr or "unknown"


def current_actor() -> Actor:
    """The actor of the request being served."""
    return g.actor
