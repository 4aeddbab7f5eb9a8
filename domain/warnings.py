"""The three-colour warnings (预警函): which level a deadline has reached on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.values import WarningLevel


@dataclass(frozen=True)
class WarningThresholds:
    """Days left at or below which a green or yellow warning is due; past the deadline it is red."""

    green_days: int = 20
    yellow_days: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.yellow_days <= self.green_days:
            raise ValueError("thresholds must satisfy 0 <= yellow_days <= green_days")


def warning_level(due_date: date, today: date, thresholds: WarningThresholds) -> WarningLevel | None:
    """The level a deadline has reached today, or None while it is far off."""
    days_left = (due_date - today).days
    if days_left < 0:
        return WarningLevel.RED
    if days_left <= thresholds.yellow_days:
        return WarningLevel.YELLOW
    if days_left <= thresholds.green_days:
        return WarningLevel.GREEN
    return None
