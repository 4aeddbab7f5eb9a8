"""The weekly circular worked out the slow, obvious way: replay every stored event.

Written from DESIGN.md ("Projections and the weekly circular") alone, sharing
nothing with `projections/`, so that comparing the two catches the served
circular's mistakes rather than repeating them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from domain.finding import Finding
from domain.unit import Unit

COUNTS = (
    "issued_this_week",
    "issued_to_date",
    "closed_this_week",
    "closed_to_date",
    "withdrawn_to_date",
    "open",
    "awaiting_review",
    "overdue",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
)
STATUS_AFTER = {"Assigned": "assigned", "Rectified": "rectified", "Reopened": "assigned", "Withdrawn": "withdrawn"}
WEEK_FIGURE = {
    "Issued": "issued_this_week",
    "Reopened": "reopened_this_week",
    "Escalated": "escalated_this_week",
    "DeadlineExtended": "extended_this_week",
    "Warned": "warned_this_week",
}


@dataclass(frozen=True)
class Period:
    """An ISO week in a time zone: from Monday 00:00 up to the next Monday 00:00."""

    monday: date
    zone: tzinfo

    @classmethod
    def of(cls, label: str, zone: tzinfo) -> Period:
        """The week `2026-W47`."""
        year, number = label.split("-W")
        return cls(date.fromisocalendar(int(year), int(number), 1), zone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(), self.zone)

    @property
    def cutoff(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(), self.zone)

    def before(self) -> Period:
        return Period(self.monday - timedelta(days=7), self.zone)


@dataclass
class Standing:
    """One finding as it stood at a week's cut-off, and what happened to it during that week."""

    reference: str
    unit: str
    source: str
    severity: str
    status: str
    due_date: date
    escalations: int = 0
    this_week: Counter[str] = field(default_factory=Counter)

    def counts(self, day: date) -> Counter[str]:
        """What this finding adds to the figures of a week whose cut-off falls on `day`."""
        counts = Counter(self.this_week)
        counts["issued_to_date"] += 1
        counts["closed_to_date"] += self.status == "closed"
        counts["withdrawn_to_date"] += self.status == "withdrawn"
        counts["open"] += self.status in ("issued", "assigned", "rectified")
        counts["awaiting_review"] += self.status == "rectified"
        counts["overdue"] += self.is_overdue(day)
        return counts

    def is_overdue(self, day: date) -> bool:
        return self.status in ("issued", "assigned") and self.due_date < day


def stand(events: Iterable[Any], period: Period) -> Standing | None:
    """Fold one finding's events (in version order) that happened before the week's cut-off."""
    standing: Standing | None = None
    for event in events:
        if event.occurred_at >= period.cutoff:
            continue
        kind = type(event).__name__
        if kind == "Issued":
            source, severity = str(event.source), str(event.severity)
            standing = Standing(event.reference, event.unit, source, severity, "issued", event.due_date)
        assert standing is not None, f"{kind} before Issued"
        if kind == "Reviewed":
            accepted = str(event.outcome) == "accepted"
            standing.status = "closed" if accepted else "assigned"
            figure = "closed_this_week" if accepted else "rejected_this_week"
        else:
            standing.status = STATUS_AFTER.get(kind, standing.status)
            figure = WEEK_FIGURE.get(kind)
        if kind == "DeadlineExtended":
            standing.due_date = event.due_date
        standing.escalations += kind == "Escalated"
        if figure and event.occurred_at >= period.start:
            standing.this_week[figure] += 1
    return standing


def figures(standings: Iterable[Standing], day: date) -> dict[str, Any]:
    """The contract's FIGURES of a group of findings."""
    total: Counter[str] = Counter()
    for standing in standings:
        total.update(standing.counts(day))
    result: dict[str, Any] = {name: total[name] for name in COUNTS}
    counted = total["issued_to_date"] - total["withdrawn_to_date"]
    result["rectification_rate"] = total["closed_to_date"] / counted if counted > 0 else None
    return result


class History:
    """Every stored event of findings and units, as recorded."""

    def __init__(self, events: list[Any]):
        self.events = events

    @classmethod
    def from_store(cls, application: Any) -> History:
        """Every event in the store, in position order."""
        notifications = application.recorder.select_notifications(start=1, limit=10**6)
        return cls([application.mapper.to_domain_event(n) for n in notifications])

    def known_at(self, moment: datetime) -> History:
        """The events recorded up to a moment."""
        return History([event for event in self.events if event.timestamp <= moment])

    def parents(self) -> dict[str, str | None]:
        """The unit tree: code → parent code."""
        codes: dict[Any, str] = {}
        parents: dict[str, str | None] = {}
        for event in self.events:
            if isinstance(event, Unit.Event) and hasattr(event, "parent"):
                code = codes.setdefault(event.originator_id, getattr(event, "code", None))
                parents[code] = event.parent
        return parents

    def standings(self, period: Period) -> list[Standing]:
        """Every finding issued before the week's cut-off, as it stood then."""
        by_finding: dict[Any, list[Any]] = defaultdict(list)
        for event in self.events:
            if isinstance(event, Finding.Event):
                by_finding[event.originator_id].append(event)
        found = (stand(sorted(events, key=lambda e: e.originator_version), period) for events in by_finding.values())
        return [standing for standing in found if standing is not None]


def below(code: str, ancestor: str, parents: dict[str, str | None]) -> bool:
    """Whether a unit is the ancestor or lies in its subtree."""
    seen: list[str] = []
    current: str | None = code
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.append(current)
        current = parents.get(current)
    return False


def circular(history: History, label: str, scope: str | None, zone: tzinfo) -> dict[str, Any]:
    """The circular of a week from a history already cut to what was known at its moment."""
    period = Period.of(label, zone)
    parents = history.parents()
    members = [code for code in parents if scope is None or below(code, scope, parents)]
    now = [s for s in history.standings(period) if s.unit in members]
    then = [s for s in history.standings(period.before()) if s.unit in members]
    day, day_before = period.cutoff.date(), period.start.date()
    return {
        "start": period.monday.isoformat(),
        "end": (period.monday + timedelta(days=6)).isoformat(),
        "cutoff": period.cutoff,
        "totals": figures(now, day),
        "previous": figures(then, day_before),
        "by_source": {name: figures([s for s in now if s.source == name], day) for name in ("inspection", "audit")},
        "by_severity": {
            name: figures([s for s in now if s.severity == name], day) for name in ("general", "serious", "major")
        },
        "units": {
            code: {
                "figures": figures([s for s in now if below(s.unit, code, parents)], day),
                "previous": figures([s for s in then if below(s.unit, code, parents)], day_before),
            }
            for code in members
        },
        "overdue": sorted(
            (s.reference, s.unit, s.due_date.isoformat(), (day - s.due_date).days, s.escalations)
            for s in now
            if s.is_overdue(day)
        ),
        "escalated": sorted(s.reference for s in now if s.this_week["escalated_this_week"]),
        "ledger": sorted(
            (s.reference, s.unit, s.status, s.due_date.isoformat(), (day - s.due_date).days if s.is_overdue(day) else 0)
            for s in now
        ),
    }
