"""The web console (`/console`): server-rendered pages for the people who do the work, on the same application."""

from __future__ import annotations

import importlib
import secrets
from datetime import timedelta

import jinja2
from flask import Flask
from flask_wtf.csrf import CSRFProtect

# The pages beside those of `views` (sign-in, 工作台, 问题清单), each a module of this package.
PAGES = ("finding_page", "issuing", "importing", "circular_page", "audit_page")


class CompiledTemplates(jinja2.BytecodeCache):
    """The pages' templates compiled once per process, however many apps it makes (each has its own environment).

    Jinja checks each template's source against the checksum kept with its code, so an edited template is
    compiled again.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def install_console(app: Flask) -> None:
    """Session cookies, CSRF protection of the console's forms, and the console's pages."""
    settings = app.config
    app.secret_key = settings["RECTIFY_SECRET_KEY"].strip() or secrets.token_urlsafe(32)  # see docs/decisions.md
    app.config.update(
        SESSION_COOKIE_NAME="rectify_console",
        SESSION_COOKIE_PATH="/console",  # never sent to the API, which reads bearer tokens only
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings["RECTIFY_SECURE_COOKIES"].strip().lower() in ("1", "true", "yes"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(settings["RECTIFY_SESSION_HOURS"])),
        # Only the console's forms are checked (its blueprint calls `protect`): the API takes no cookies.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # a form's token lasts as long as the session it belongs to
    )
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}  # before the first page
    app.extensions["csrf_protect"] = CSRFProtect(app)

    from service.console.views import blp

    for name in PAGES:  # each adds its routes to the console's blueprint
        importlib.import_module(f"service.console.{name}")
    app.register_blueprint(blp)
