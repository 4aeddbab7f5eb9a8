"""Every answer's security headers and request id, and one JSON line per request in the request log."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request

logger = logging.getLogger("rectify.requests")

# A client's own request id is kept only if it is a plain token, so it cannot forge log lines or headers.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# Pages (the API docs, an HTML circular) run no script but their own files, and no other site may frame them.
# Inline styles stay allowed: the circular's HTML carries its stylesheet and its bars' widths inline.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The console's pages post their forms to the console itself, and run no script at all.
CONSOLE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATH = "/api/v1/docs"
CONSOLE_PATH = "/console"


class StdoutHandler(logging.StreamHandler):
    """Writes each line to the `sys.stdout` of the moment (gunicorn shows a worker's; tests capture theirs)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def install_request_log(app: Flask) -> None:
    """Give each request an id, stamp the security headers on its answer, and log it as one JSON line."""
    if not logger.handlers:  # without a handler of its own, INFO lines would be dropped under gunicorn
        handler = StdoutHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        secure(response)
        request_id = g.get("request_id") or uuid.uuid4().hex  # a request refused before `start` ran
        response.headers["X-Request-Id"] = request_id
        logger.info(json.dumps(log_line(response, request_id), ensure_ascii=False))
        return response


def secure(response: Response) -> None:
    """nosniff everywhere; API answers are never cached; pages may not be framed or run foreign scripts."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    console = request.path.startswith(CONSOLE_PATH)
    if request.path.startswith("/api/") and not request.path.startswith(f"{DOCS_PATH}/assets/"):
        response.headers["Cache-Control"] = "no-store"
    if console and not request.path.startswith(f"{CONSOLE_PATH}/static/"):
        response.headers["Cache-Control"] = "no-store"  # a user's pages stay out of shared and back-button caches
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONSOLE_POLICY if console else PAGE_POLICY
        response.headers["X-Frame-Options"] = "DENY"


def log_line(response: Response, request_id: str) -> dict[str, Any]:
    """What an auditor joins to the event log: who, which route, the answer, and the position written."""
    actor = g.get("actor")
    started = g.get("started")
    return {
        "time": current_app.extensions["rectify"].clock().isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "user": actor.name if actor is not None else None,
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "position": position_written(response),
    }


def position_written(response: Response) -> int | None:
    """The position of the last event a successful command recorded (None for reads and refusals).

    A console form is answered with a redirect, not the command's answer: its view names the position in `g`.
    """
    if (written := g.get("position_written")) is not None:
        return int(written)
    if request.method != "POST" or response.status_code >= 300 or not response.is_json:
        return None
    body = response.get_json(silent=True)
    position = body.get("position") if isinstance(body, dict) else None
    return position if isinstance(position, int) and not response.headers.get("Idempotent-Replayed") else None
