"""`/healthz`: is the service up and can it reach its store."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from service.errors import error_body

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Any:
    """Answer 200 with the last position when the store answers, 503 when it does not."""
    try:
        position = current_app.extensions["rectify"].recorder.max_notification_id() or 0
    except Exception as error:  # noqa: BLE001 - any store failure means unhealthy, never a 500
        response = jsonify(error_body("store_unavailable", f"the event store does not answer: {error}"))
        response.status_code = 503
        return response
    return jsonify({"status": "ok", "position": position})
