"""Sending the due warnings (预警函): each level once per deadline, recorded as events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.errors import InvalidTransition, WarningAlreadyRecorded
from domain.warnings import WarningThresholds, warning_level
from projections.view import ReadModelSQL
from service.application import Rectify


@dataclass(frozen=True)
class SentWarning:
    reference: str
    unit: str
    level: str
    due_date: str


def thresholds_from(settings: dict[str, Any]) -> WarningThresholds:
    return WarningThresholds(int(settings["RECTIFY_WARN_GREEN_DAYS"]), int(settings["RECTIFY_WARN_YELLOW_DAYS"]))


def send_due_warnings(
    application: Rectify, view: ReadModelSQL, today: date, thresholds: WarningThresholds
) -> list[SentWarning]:
    """Record every warning that is due today and not yet recorded for the finding's deadline."""
    horizon = (today + timedelta(days=thresholds.green_days)).isoformat()
    candidates = view.select(
        "SELECT id, reference, unit, due_date, warnings FROM {findings}"
        " WHERE status IN ('issued', 'assigned') AND due_date <= :horizon ORDER BY issued_position",
        {"horizon": horizon},
    )
    sent = []
    for row in candidates:
        level = warning_level(date.fromisoformat(row["due_date"]), today, thresholds)
        if level is None or level.value in row["warnings"].split(","):
            continue
        try:
            application.warn(UUID(row["id"]), level)
        except (WarningAlreadyRecorded, InvalidTransition):
            continue  # the view lagged: the finding moved on, or another run warned it first
        sent.append(SentWarning(row["reference"], row["unit"], level.value, row["due_date"]))
    return sent
