"""The HTTP service: `create_app()` builds everything, once per process."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_smorest import Api

from service.api_docs import install_api_docs
from service.application import Rectify
from service.auth import install_authentication
from service.config import build_application, load_settings
from service.console import install_console
from service.errors import register_error_handlers
from service.read_store import open_read_side
from service.request_limits import install_request_limits
from service.request_log import install_request_log
from service.schemas import ErrorSchema

API_SETTINGS = {
    "API_TITLE": "Rectify",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Rectification tracking of inspection (巡察) and audit (审计) findings."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    },
    "JSON_SORT_KEYS": False,
}


class RectifyApi(Api):
    """flask-smorest's Api, documenting errors in the contract's shape, and the views once the document is read.

    Documenting a blueprint's views (each schema resolved, each operation's document copied) took two thirds
    of making an app, which every worker, command and test does, and most never serve the document. The
    blueprints' documenting is kept until `spec` is first read outside of registering one (the document's
    view reads it), then done in the order they were registered.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        self._spec: Any = None
        self.undocumented: list[Callable[[], None]] = []
        self.registering = False
        self.documenting = threading.Lock()
        super().__init__(app, **kwargs)

    @property
    def spec(self) -> Any:
        """The OpenAPI document, every blueprint registered so far documented in it.

        A blueprint's documenting leaves the list only once done: a reader that finds the list empty may
        serialise the document at once, while one that finds it not yet empty waits for the lock.
        """
        if self.undocumented and not self.registering:
            with self.documenting:
                while self.undocumented:
                    self.undocumented[0]()
                    del self.undocumented[0]
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def defer_documenting(self, document: Callable[[], None]) -> None:
        """Keep a blueprint's documenting until the document is read (`Blueprint.register_views_in_doc`)."""
        self.undocumented.append(document)

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        self.registering = True  # flask-smorest reads `spec` to pass it on and to tag the blueprint
        try:
            super().register_blueprint(blp, parameters=parameters, **options)
        finally:
            self.registering = False


def create_app(config: dict[str, Any] | None = None, application: Rectify | None = None) -> Flask:
    """The Flask app, with the application built for this process (after gunicorn forks)."""
    app = Flask(__name__)
    app.config.update(copy.deepcopy(API_SETTINGS))  # the document's options are written into: each app its own
    app.config.update(load_settings(config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    rectify = app.extensions["rectify"] = application or build_application(app.config)
    app.extensions["read_side"] = open_read_side(app.config, rectify)
    install_request_log(app)  # first: every answer, even a refusal, carries its id and headers
    install_request_limits(app)  # before authentication: a token over its limit is not even looked up
    install_authentication(app)

    from service.audit.views import blp as audit
    from service.circulars.views import blp as circulars
    from service.evidence.views import blp as evidence
    from service.findings.views import blp as findings
    from service.health import blp as health
    from service.imports.views import blp as imports
    from service.integrity.views import blp as integrity
    from service.units.views import blp as units

    api = RectifyApi(app)
    register_error_handlers(app)  # after the Api, whose own HTTP error handler these replace
    api.register_blueprint(findings, url_prefix="/api/v1/findings")
    api.register_blueprint(evidence, url_prefix="/api/v1/findings")
    api.register_blueprint(units, url_prefix="/api/v1/units")
    api.register_blueprint(circulars, url_prefix="/api/v1/circulars")
    api.register_blueprint(integrity, url_prefix="/api/v1/audit")
    api.register_blueprint(audit, url_prefix="/api/v1/audit")
    api.register_blueprint(imports, url_prefix="/api/v1/imports")
    app.register_blueprint(health)
    install_api_docs(app)  # Swagger UI from installed files (flask-smorest's loads it from a CDN)
    install_console(app)  # /console: sign-in into a session cookie, CSRF on its forms only
    return app
