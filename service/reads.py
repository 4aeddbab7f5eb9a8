"""What every read-model query of the HTTP API starts from: the read side, caught up with `min_position`."""

from __future__ import annotations

from flask import current_app
from flask_smorest import abort

from projections.read_side import ReadSide


def read_side(min_position: int | None = None) -> ReadSide:
    """The read side, once the view has processed `min_position` (503 if it does not in time).

    A position beyond the log's head was never written: waiting cannot reach it, so it is refused at once.
    """
    side: ReadSide = current_app.extensions["read_side"]
    if min_position is not None and min_position > side.position():
        head = current_app.extensions["rectify"].recorder.max_notification_id() or 0
        if min_position > head:
            problem = f"position {min_position} is beyond the last recorded event ({head})"
            abort(422, message=f"invalid fields: min_position; {problem}", messages={"min_position": [problem]})
    return side.caught_up(min_position)
