"""The weekly progress circular (每周讲评通报) as the contract's JSON, from the read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from projections.circular_queries import LEDGER_SCOPES, CircularQueries
from projections.circular_units import roll, unit_entries, unit_name, unit_tree
from projections.facts import micros, moment
from projections.figures import figures, lineage, tally
from projections.view import ReadModelSQL
from projections.weeks import Week

# The ledger each format carries unless asked otherwise: the DOCX attaches what is still open.
DEFAULT_LEDGER: dict[str, str | None] = {"json": None, "html": None, "csv": "all", "xlsx": "all", "docx": "open"}
__all__ = ["DEFAULT_LEDGER", "LEDGER_SCOPES", "CircularSettings", "weekly_circular"]


@dataclass(frozen=True)
class CircularSettings:
    """What an office sets once: names, the front matter, the closing paragraph, the red and black list thresholds."""

    honor_rate: float = 0.9
    shame_rate: float = 0.6
    issuing_office: str = "整改工作领导小组办公室"
    closing: str = "各单位要对照问题清单逐项销号，对逾期未改问题明确责任人和完成时限，确保按期整改到位。"
    document_prefix: str = "整改办"  # 发文字号: 整改办〔2026〕12号
    recipients: str = "各单位"  # 主送机关
    masthead: str = ""  # 发文机关标志; empty: the issuing office followed by 文件
    issuing_office_en: str = "Rectification Leading Group Office"
    closing_en: str = (
        "All units shall work through the list of findings and close them item by item, name the person"
        " responsible and the completion date for every overdue finding not yet rectified, and ensure that"
        " rectification is completed in full and on time."
    )
    document_prefix_en: str = "Rectification Office"
    recipients_en: str = "All units"
    masthead_en: str = ""  # empty: the issuing office's English name

    def __post_init__(self) -> None:
        if not self.masthead:  # derived from the office as configured, not from the default office
            object.__setattr__(self, "masthead", f"{self.issuing_office}文件")
        if not self.masthead_en:
            object.__setattr__(self, "masthead_en", self.issuing_office_en)


def weekly_circular(
    view: ReadModelSQL,
    week: Week,
    known_at: datetime,
    scope: str | None,
    settings: CircularSettings,
    *,
    ledger: str | None = None,
) -> dict[str, Any]:
    """The circular of a week, counted from the events recorded up to `known_at`.

    `ledger` adds the ledger (整改台账): the findings `open` at the cut-off, or `all`.
    """
    if ledger is not None and ledger not in LEDGER_SCOPES:
        raise ValueError(f"ledger must be one of {sorted(LEDGER_SCOPES)} or None, not {ledger!r}")
    known = micros(known_at)
    tree = unit_tree(view.unit_facts(known))
    parents = {code: unit["parent"] for code, unit in tree.items()}
    members = frozenset(code for code in tree if scope in lineage(code, parents)) if scope else None
    rows = fetch(CircularQueries(view, known, members), week, ledger)
    day = week.cutoff.date()
    units = unit_entries(tree, parents, scope, rows)
    circular = {
        **front_matter(week, known_at, scope, tree, settings, rows["first"]),
        **group_figures(rows),
        "units": units,
        "honour_roll": roll(units, lambda rate: rate >= settings.honor_rate),
        "watch_list": roll(units, lambda rate: rate < settings.shame_rate),
        "overdue": overdue_list(rows["overdue"], day, tree),
        "escalated": escalated_list(rows["escalated"], tree),
        "settings": asdict(settings) | {"issued_on": issued_on(week, known_at).isoformat()},
        "seal": None,
    }
    if ledger:  # one row a finding: thousands of rows, so only when asked
        circular["ledger_scope"] = ledger
        circular["ledger"] = ledger_list(rows["ledger"], day, tree)
    return circular


def front_matter(
    week: Week,
    known_at: datetime,
    scope: str | None,
    tree: Mapping[str, Any],
    settings: CircularSettings,
    first_issued: int | None,
) -> dict[str, Any]:
    """Which circular this is: its week, issue and document number, cut-off, the moment known at, and scope."""
    # Numbered from the week of the first finding; a week before it (nothing issued yet) is the first issue too.
    issue_number = max(week.weeks_since(Week.containing(moment(first_issued), week.zone)) + 1, 1) if first_issued else 1
    return {
        "week": week.label,
        "issue_number": issue_number,
        "document_number": document_number(settings, issued_on(week, known_at), issue_number, scope),
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        # The day the figures stand at: the week's last, or the day known at when the week had not ended by then.
        "as_of": min(week.sunday, known_day(week, known_at)).isoformat(),
        "cutoff": week.cutoff.isoformat(),
        "as_known_at": known_at.isoformat(),
        # The whole system has no name of its own: each renderer says so in its language.
        "scope": {"unit": scope, "name": unit_name(tree, scope) if scope else None},  # unknown then: empty
    }


def fetch(queries: CircularQueries, week: Week, ledger: str | None) -> dict[str, Any]:
    """Run the circular's queries (side by side they were no faster: turning rows into dicts holds the GIL).

    The states at the week's start and at its cut-off are counted in one pass over
    the facts standing at either, and the events of the week and of the week before
    in one pass over that fortnight's facts, each grouped by unit, source and
    severity together: `tally` adds the rows up by any of the three. (Counting each
    moment by unit and by source and severity apart read every finding's latest
    facts four times.)
    """
    cutoff, start, previous = micros(week.cutoff), micros(week.start), micros(week.previous().start)
    day, previous_day = week.cutoff.date().isoformat(), week.start.date().isoformat()
    counting: dict[str, Callable[[], Any]] = {
        "states": lambda: queries.week_state_groups(start, cutoff, previous_day, day),
        "events": lambda: queries.event_groups(previous, start, cutoff, ("unit", "source", "severity")),
    }
    counted: dict[str, Callable[[], Any]] = {
        "states": lambda: (
            queries.counted_state_groups(start, previous_day),
            queries.counted_state_groups(cutoff, day),
        ),
        "events": lambda: queries.counted_event_groups(previous, start, cutoff),
    }
    listing: dict[str, Callable[[], Any]] = {
        "overdue": lambda: queries.overdue_rows(cutoff, day),
        "escalated": lambda: queries.escalated_rows(start, cutoff, day),
        "first": queries.first_issued,
    }
    if ledger:
        listing["ledger"] = lambda: queries.ledger_rows(cutoff, day, ledger)
    zone = str(week.zone)
    # The kept counts hold only if nothing was recorded after the moment known at, checked again after
    # they are read: the projector may have added such an event in between (the view only ever grows).
    rows = {name: call() for name, call in counted.items()} if queries.counts_hold(zone) else {}
    if not rows or not queries.counts_hold(zone):
        rows = {name: call() for name, call in counting.items()}
    rows |= {name: call() for name, call in listing.items()}
    rows["before"], rows["states"] = rows.pop("states")
    rows["events now"], rows["events then"] = by_week(rows.pop("events"))
    return rows


def by_week(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Event groups of the week, and of the week before."""
    return [e for e in events if e["this_week"]], [e for e in events if not e["this_week"]]


def group_figures(rows: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of the whole scope, of the week before, and split by source and by severity."""
    by_source = tally(rows["states"], rows["events now"], "source")
    by_severity = tally(rows["states"], rows["events now"], "severity")
    return {
        "totals": figures(total(by_source)),  # every finding has one source
        "previous": figures(total(tally(rows["before"], rows["events then"], "source"))),
        "by_source": named_figures(by_source, ("inspection", "audit")),
        "by_severity": named_figures(by_severity, ("general", "serious", "major")),
    }


def total(groups: Mapping[str, Counter[str]]) -> Counter[str]:
    combined: Counter[str] = Counter()
    for counts in groups.values():
        combined.update(counts)
    return combined


def named_figures(groups: Mapping[str, Counter[str]], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: figures(groups.get(name, Counter())) for name in names}


def known_day(week: Week, known_at: datetime) -> date:
    return known_at.astimezone(week.zone).date()


def issued_on(week: Week, known_at: datetime) -> date:
    """The circular's date: the Monday after its week, or the day known at if that came first (a week not ended)."""
    return min(week.cutoff.date(), known_day(week, known_at))


def document_number(settings: CircularSettings, issued_on: date, issue_number: int, scope: str | None) -> str:
    """The 发文字号, 整改办〔2026〕12号; a unit's edition adds its code: 整改办〔2026〕12号-BJ."""
    number = f"{settings.document_prefix}〔{issued_on.year}〕{issue_number}号"
    return f"{number}-{scope}" if scope else number


def overdue_list(states: list[dict[str, Any]], day: date, tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {
            "reference": s["reference"],
            "unit": s["unit"],
            "unit_name": unit_name(tree, s["unit"]),
            "title": s["title"],
            "due_date": s["due_date"],
            "days_overdue": (day - date.fromisoformat(s["due_date"])).days,
            "escalations": s["escalations"],
        }
        for s in states
        if s["overdue"]
    ]
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["reference"]))


def escalated_list(states: list[dict[str, Any]], tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The findings escalated in the week, as they stood at the cut-off."""
    rows = [
        {
            "reference": s["reference"],
            "unit": s["unit"],
            "unit_name": unit_name(tree, s["unit"]),
            "title": s["title"],
            "escalations": s["escalations"],
            "status": s["status"],
        }
        for s in states
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["reference"]))


def ledger_list(states: list[dict[str, Any]], day: date, tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ledger (整改台账): one row a finding, as it stood at the cut-off."""
    rows = [
        {
            "reference": s["reference"],
            "source": s["source"],
            "unit": s["unit"],
            "unit_name": unit_name(tree, s["unit"]),
            "title": s["title"],
            "severity": s["severity"],
            "assignee": s["assignee"],
            "due_date": s["due_date"],
            "term": s["term"],
            "status": s["status"],
            "days_overdue": max((day - date.fromisoformat(s["due_date"])).days, 0) if s["overdue"] else 0,
            "measures": s["measures"],
            "evidence": s["evidence"].split("\n") if s["evidence"] else [],  # file names, as attached by the cut-off
            "warning": s["warning"],  # the highest level recorded for the current deadline, while in progress
        }
        for s in states
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["reference"]))
