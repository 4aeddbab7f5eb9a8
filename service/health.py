"""`/healthz` (is the process up) and `/readyz` (can it reach its store, how far behind are the view and the seals)."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Blueprint, current_app, jsonify

from service.errors import store_unavailable_answer

logger = logging.getLogger(__name__)

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Any:
    """Liveness: answers 200 as long as the worker serves requests; never touches the store."""
    return jsonify({"status": "ok"})


@blp.get("/readyz")
def readyz() -> Any:
    """Readiness: 200 with the log's head, the read model's position and its lag; 503 when the store is away."""
    try:
        head = current_app.extensions["rectify"].recorder.max_notification_id() or 0
        read_side = current_app.extensions["read_side"]
        position = read_side.position()
        sealed, last_check = read_side.seals.position(), read_side.seals.last_check()
    except PersistenceError as error:  # the driver's words go to the log, never to the client
        logger.warning("not ready: %s", error)
        return store_unavailable_answer()
    figures = {"head": head, "position": position, "lag": head - position}
    # A broken chain does not stop the service from serving: it is reported here, and in the projector's log.
    seals = {"position": sealed, "lag": head - sealed, "last_check": last_check}
    return jsonify({"status": "ready", "store": "reachable", **figures, "seals": seals})
