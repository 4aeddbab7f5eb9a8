"""What every read-model query of the HTTP API starts from: the read side, caught up with `min_position`."""

from __future__ import annotations

from flask import current_app

from projections.read_side import ReadSide


def read_side(min_position: int | None = None) -> ReadSide:
    """The read side, once the view has processed `min_position` (503 if it does not in time)."""
    side: ReadSide = current_app.extensions["read_side"]
    return side.caught_up(min_position)
