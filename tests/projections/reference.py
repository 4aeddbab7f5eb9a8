"""The weekly circular worked out the slow, obvious way: replay every stored event.

Written from DESIGN.md ("Projections and the weekly circular") and the circular's
decisions in docs/read-models.md alone, sharing nothing with `projections/`, and on
purpose not with `domain/lifecycle.py` either: the served circular builds its SQL
from that table, and an oracle that read it too would repeat a mistake made there
instead of catching it. So the statuses are typed again here, once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
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
    "long_term_open",
    "long_term_closed_this_week",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
)
COLOURS = ("green", "yellow", "red")  # lowest first
WAITING_FOR_THE_FIX = ("issued", "assigned")  # can be overdue, and a warning is in force
OPEN = (*WAITING_FOR_THE_FIX, "rectified")
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

    @classmethod
    def containing(cls, moment: datetime, zone: tzinfo) -> Period:
        day = moment.astimezone(zone).date()
        return cls(day - timedelta(days=day.weekday()), zone)

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
    due_date: date | None  # None: a long-term item without a deadline
    term: str = "fixed"  # or "long" (长期坚持): never overdue, never warned
    escalations: int = 0
    warning: str | None = None  # the highest level recorded for the current deadline
    this_week: Counter[str] = field(default_factory=Counter)

    def counts(self, day: date) -> Counter[str]:
        """What this finding adds to the figures of a week whose cut-off falls on `day`."""
        counts = Counter(self.this_week)
        counts["issued_to_date"] += 1
        counts["closed_to_date"] += self.status == "closed"
        counts["withdrawn_to_date"] += self.status == "withdrawn"
        counts["open"] += self.status in OPEN
        counts["awaiting_review"] += self.status == "rectified"
        counts["overdue"] += self.is_overdue(day)
        counts["long_term_open"] += self.term == "long" and self.status in OPEN
        if self.warning_in_force():
            counts[f"warning {self.warning}"] += 1
        return counts

    def is_overdue(self, day: date) -> bool:
        """A long-term item never is, with a first stage's due date or without one."""
        due = self.due_date
        return self.status in WAITING_FOR_THE_FIX and self.term == "fixed" and due is not None and due < day

    def listed_as_open(self) -> bool:
        """In the open ledger: still open, or a long-term item closed in stages (阶段性销号), which goes on."""
        return self.status in OPEN or (self.term == "long" and self.status == "closed")

    def warning_in_force(self) -> str | None:
        """The warning that stands while the unit's fix is awaited (none once the fix is reported or closed)."""
        return self.warning if self.status in WAITING_FOR_THE_FIX else None

    def warn(self, level: str) -> None:
        if self.warning is None or COLOURS.index(level) > COLOURS.index(self.warning):
            self.warning = level


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
            standing.term = str(getattr(event, "term", "fixed"))  # events stored before terms had none
        assert standing is not None, f"{kind} before Issued"
        if kind == "Reviewed":
            accepted = str(event.outcome) == "accepted"
            standing.status = "closed" if accepted else "assigned"
            figure = "closed_this_week" if accepted else "rejected_this_week"
            if accepted and standing.term == "long" and event.occurred_at >= period.start:
                standing.this_week["long_term_closed_this_week"] += 1  # 阶段性销号
        else:
            standing.status = STATUS_AFTER.get(kind, standing.status)
            figure = WEEK_FIGURE.get(kind)
        if kind == "DeadlineExtended":
            standing.due_date, standing.warning = event.due_date, None  # a new deadline starts the count again
        if kind == "Warned":
            standing.warn(str(event.level))
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
    result["warnings"] = {colour: total[f"warning {colour}"] for colour in COLOURS}
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

    def units(self) -> dict[str, dict[str, Any]]:
        """The unit tree: code → name and parent."""
        codes: dict[Any, str] = {}
        units: dict[str, dict[str, Any]] = {}
        for event in self.events:
            if isinstance(event, Unit.Event) and hasattr(event, "code"):
                codes[event.originator_id] = event.code
            if isinstance(event, Unit.Event) and event.originator_id in codes:
                unit = units.setdefault(codes[event.originator_id], {})
                unit.update({key: getattr(event, key) for key in ("name", "parent") if hasattr(event, key)})
        return units

    def standings(self, period: Period) -> list[Standing]:
        """Every finding issued before the week's cut-off, as it stood then."""
        by_finding: dict[Any, list[Any]] = defaultdict(list)
        for event in self.events:
            if isinstance(event, Finding.Event):
                by_finding[event.originator_id].append(event)
        found = (stand(sorted(events, key=lambda e: e.originator_version), period) for events in by_finding.values())
        return [standing for standing in found if standing is not None]

    def first_issued(self) -> datetime | None:
        return min((e.occurred_at for e in self.events if type(e).__name__ == "Issued"), default=None)


def below(code: str, ancestor: str, parents: Mapping[str, str | None]) -> bool:
    """Whether a unit is the ancestor or lies in its subtree."""
    seen: list[str] = []
    current: str | None = code
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.append(current)
        current = parents.get(current)
    return False


def depth(code: str, parents: Mapping[str, str | None]) -> int:
    """How many units lie above this one."""
    return sum(1 for other in parents if other != code and below(code, other, parents))


def circular(
    history: History,
    label: str,
    scope: str | None,
    zone: tzinfo,
    settings: Mapping[str, Any],
    ledger: str | None,
    known_at: datetime,
) -> dict[str, Any]:
    """The circular of a week from a history already cut to what was known at its moment, `known_at`."""
    period = Period.of(label, zone)
    tree = history.units()
    parents = {code: unit["parent"] for code, unit in tree.items()}
    members = [code for code in parents if scope is None or below(code, scope, parents)]
    now = [s for s in history.standings(period) if s.unit in members]
    then = [s for s in history.standings(period.before()) if s.unit in members]
    day, day_before = period.cutoff.date(), period.start.date()
    issued_on = min(day, known_at.astimezone(zone).date())  # a week not ended when known: the day known
    suffix = f"-{scope}" if scope else ""
    first = history.first_issued()
    issue_number = max((period.monday - Period.containing(first, zone).monday).days // 7 + 1, 1) if first else 1
    units = unit_rows(tree, parents, scope, now, then, (day, day_before))
    expected = {
        "week": label,
        "issue_number": issue_number,
        "document_number": f"{settings['document_prefix']}〔{issued_on.year}〕{issue_number}号{suffix}",
        "start": period.monday.isoformat(),
        "end": (period.monday + timedelta(days=6)).isoformat(),
        "as_of": min(period.monday + timedelta(days=6), known_at.astimezone(zone).date()).isoformat(),
        "cutoff": period.cutoff,
        "scope": {"unit": scope, "name": tree[scope]["name"] if scope in tree else scope},
        "totals": figures(now, day),
        "previous": figures(then, day_before),
        "by_source": {name: figures([s for s in now if s.source == name], day) for name in ("inspection", "audit")},
        "by_severity": {
            name: figures([s for s in now if s.severity == name], day) for name in ("general", "serious", "major")
        },
        "units": units,
        **rolls(units, settings),
        "overdue": sorted(
            (s.reference, s.unit, s.due_date.isoformat(), (day - s.due_date).days, s.escalations)
            for s in now
            if s.is_overdue(day)
        ),
        "escalated": sorted(s.reference for s in now if s.this_week["escalated_this_week"]),
        "settings": {**settings, "issued_on": issued_on.isoformat()},
    }
    if ledger:
        expected["ledger_scope"] = ledger
        expected["ledger"] = ledger_rows([s for s in now if ledger == "all" or s.listed_as_open()], day)
    return expected


def unit_rows(
    tree: Mapping[str, Any],
    parents: Mapping[str, str | None],
    scope: str | None,
    now: list[Standing],
    then: list[Standing],
    days: tuple[date, date],
) -> dict[str, dict[str, Any]]:
    """Every unit below the scope's root with its subtree's figures, and the root's own findings (本级)."""
    roots = [code for code, parent in parents.items() if parent not in parents]
    root = scope if scope else roots[0] if len(roots) == 1 else None
    rows = {}
    for code, unit in tree.items():
        if root is not None and (code == root or not below(code, root, parents)):
            continue
        level = "peer" if (unit["parent"] == root if root else code in roots) else "below"
        rows[code] = {
            "name": unit["name"],
            "level": level,
            "parent": unit["parent"],
            "depth": depth(code, parents),
            "figures": figures([s for s in now if below(s.unit, code, parents)], days[0]),
            "previous": figures([s for s in then if below(s.unit, code, parents)], days[1]),
        }
    own_now, own_then = [s for s in now if s.unit == root], [s for s in then if s.unit == root]
    if root is not None and (own_now or own_then):
        name = tree[root]["name"] if root in tree else root
        own = {"figures": figures(own_now, days[0]), "previous": figures(own_then, days[1])}
        rows[root] = {"name": name, "level": "own", "parent": parents.get(root), "depth": depth(root, parents), **own}
    peer_rates = [row["figures"]["rectification_rate"] for row in rows.values() if row["level"] == "peer"]
    for row in rows.values():
        rate = row["figures"]["rectification_rate"]
        rated = row["level"] == "peer" and rate is not None
        row["rank"] = 1 + sum(1 for other in peer_rates if other is not None and other > rate) if rated else None
    return rows


def rolls(units: Mapping[str, Mapping[str, Any]], settings: Mapping[str, Any]) -> dict[str, list[str]]:
    """红榜 and 黑榜: the peers with a rate at or above the honour rate, and below the shame rate, best first."""
    rated = [(row["figures"]["rectification_rate"], code) for code, row in units.items() if row["rank"] is not None]
    best_first = sorted(rated, key=lambda pair: (-pair[0], pair[1]))
    return {
        "honour_roll": [code for rate, code in best_first if rate >= settings["honor_rate"]],
        "watch_list": [code for rate, code in best_first if rate < settings["shame_rate"]],
    }


def ledger_rows(standings: list[Standing], day: date) -> list[tuple[Any, ...]]:
    """One row a finding: reference, unit, status, term, due date, days overdue and the warning in force."""
    return sorted(
        (
            s.reference,
            s.unit,
            s.status,
            s.term,
            s.due_date.isoformat() if s.due_date else None,
            (day - s.due_date).days if s.is_overdue(day) and s.due_date else 0,
            s.warning_in_force(),
        )
        for s in standings
    )
