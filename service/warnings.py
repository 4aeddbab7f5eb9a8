"""Sending the due warnings (预警函): each level once per deadline, recorded as events."""

from __future__ import annotations

from uuid import UUID

from domain.errors import InvalidTransition, WarningAlreadyRecorded
from domain.warnings import WarningThresholds
from projections.read_side import DueWarning, ReadSide
from service.application import Rectify


def send_due_warnings(application: Rectify, read_side: ReadSide, thresholds: WarningThresholds) -> list[DueWarning]:
    """Record every warning that is due today and not yet recorded for the finding's deadline."""
    sent = []
    for due in read_side.due_warnings(thresholds):
        try:
            application.warn(UUID(due.finding_id), due.level)
        except (WarningAlreadyRecorded, InvalidTransition):
            continue  # the view lagged: the finding moved on, or another run warned it first
        sent.append(due)
    return sent
