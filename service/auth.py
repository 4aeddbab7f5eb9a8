"""Bearer tokens: every API request acts as the user its token names."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from domain.errors import NotAuthenticated
from domain.values import Actor

OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


def install_authentication(app: Flask) -> None:
    """Authenticate every API request before its body is even read."""

    @app.before_request
    def authenticate() -> None:
        if request.url_rule is None or not request.path.startswith("/api/v1/") or request.path.startswith(OPEN_PATHS):
            return  # unknown routes answer 404 whoever asks
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("send Authorization: Bearer <token> (made by `rectify users add`)")
        g.actor = current_app.extensions["rectify"].authenticate(token.strip())


def current_actor() -> Actor:
    """The actor of the request being served."""
    return g.actor
