"""The weekly progress circular (每周讲评通报) as the contract's JSON, from the read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from projections.circular_queries import CircularQueries
from projections.facts import UnitFact, micros, moment
from projections.figures import figures, lineage, rolled_up, tally
from projections.view import ReadModelSQL
from projections.weeks import Week


@dataclass(frozen=True)
class CircularSettings:
    """What an office sets once: its name, the closing paragraph, and the red and black list thresholds."""

    honor_rate: float = 0.9
    shame_rate: float = 0.6
    issuing_office: str = "整改工作领导小组办公室"
    closing: str = "各单位要对照问题清单逐项销号，对逾期未改问题明确责任人和完成时限，确保按期整改到位。"


def unit_tree(facts: Iterable[UnitFact]) -> dict[str, dict[str, Any]]:
    """Units as the facts leave them: code → name and parent."""
    tree: dict[str, dict[str, Any]] = {}
    for fact in facts:
        tree[fact.code] = {"name": fact.name, "parent": fact.parent}
    return tree


def weekly_circular(
    view: ReadModelSQL,
    week: Week,
    known_at: datetime,
    scope: str | None,
    settings: CircularSettings,
    *,
    with_ledger: bool = False,
) -> dict[str, Any]:
    """The circular of a week, counted from the events recorded up to `known_at`."""
    known = micros(known_at)
    tree = unit_tree(view.unit_facts(known))
    parents = {code: unit["parent"] for code, unit in tree.items()}
    members = frozenset(code for code in tree if scope in lineage(code, parents)) if scope else None
    rows = fetch(CircularQueries(view, known, members), week, with_ledger)
    events_now, events_then = by_week(rows["events"])
    kind_events_now, kind_events_then = by_week(rows["events by kind"])
    up_the_tree = rolled_up(parents)  # each unit's figures count every unit below it
    by_source = tally(rows["states by kind"], kind_events_now, "source")
    first, day = rows["first"], week.cutoff.date()
    circular = {
        "week": week.label,
        "issue_number": week.weeks_since(Week.containing(moment(first), week.zone)) + 1 if first else 1,
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        "cutoff": week.cutoff.isoformat(),
        "as_known_at": known_at.isoformat(),
        "scope": {"unit": scope, "name": unit_name(tree, scope) if scope else "全系统"},  # unknown then: empty
        "totals": figures(total(by_source)),  # every finding has one source
        "previous": figures(total(tally(rows["before by kind"], kind_events_then, "source"))),
        "units": ranked_units(
            tree,
            parents,
            scope,
            tally(rows["states"], events_now, "unit", up_the_tree),
            tally(rows["before"], events_then, "unit", up_the_tree),
        ),
        "by_source": named_figures(by_source, ("inspection", "audit")),
        "by_severity": named_figures(
            tally(rows["states by kind"], kind_events_now, "severity"), ("general", "serious", "major")
        ),
        "overdue": overdue_list(rows["overdue"], day, tree),
        "escalated": escalated_list(rows["escalated"], tree),
        "settings": asdict(settings) | {"issued_on": day.isoformat()},
        "seal": None,
    }
    if with_ledger:  # one row a finding: thousands of rows, so only when asked
        circular["ledger"] = ledger(rows["ledger"], day, tree)
    return circular


def fetch(queries: CircularQueries, week: Week, with_ledger: bool) -> dict[str, Any]:
    """Run the circular's queries (side by side they were no faster: turning rows into dicts holds the GIL).

    States and events are counted twice, by unit and by source and severity: two
    narrow groupings are as quick to count in the store as one wide one, and give a
    tenth of the rows to turn into dicts and to tally.
    """
    cutoff, start, previous = micros(week.cutoff), micros(week.start), micros(week.previous().start)
    day, previous_day = week.cutoff.date().isoformat(), week.start.date().isoformat()
    unit, kind = ("unit",), ("source", "severity")
    calls: dict[str, Callable[[], Any]] = {
        "states": lambda: queries.state_groups(cutoff, day, unit),
        "states by kind": lambda: queries.state_groups(cutoff, day, kind),
        "before": lambda: queries.state_groups(start, previous_day, unit),
        "before by kind": lambda: queries.state_groups(start, previous_day, kind),
        "events": lambda: queries.event_groups(previous, start, cutoff, unit),
        "events by kind": lambda: queries.event_groups(previous, start, cutoff, kind),
        "overdue": lambda: queries.overdue_rows(cutoff, day),
        "escalated": lambda: queries.escalated_rows(start, cutoff, day),
        "first": queries.first_issued,
    }
    if with_ledger:
        calls["ledger"] = lambda: queries.state_rows(cutoff, day)
    return {name: call() for name, call in calls.items()}


def by_week(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Event groups of the week, and of the week before."""
    return [e for e in events if e["this_week"]], [e for e in events if not e["this_week"]]


def total(groups: Mapping[str, Counter[str]]) -> Counter[str]:
    combined: Counter[str] = Counter()
    for counts in groups.values():
        combined.update(counts)
    return combined


def named_figures(groups: Mapping[str, Counter[str]], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: figures(groups.get(name, Counter())) for name in names}


def ranking_level(tree: Mapping[str, Any], parents: Mapping[str, str | None], scope: str | None) -> set[str]:
    """The units ranked against each other: those right below the scope (below the one root when unscoped)."""
    roots = [code for code, parent in parents.items() if parent is None or parent not in tree]
    top = scope if scope else roots[0] if len(roots) == 1 else None
    return {code for code, parent in parents.items() if parent == top} if top else set(roots)


def ranked_units(
    tree: Mapping[str, Any],
    parents: Mapping[str, str | None],
    scope: str | None,
    now: Mapping[str, Counter[str]],
    then: Mapping[str, Counter[str]],
) -> list[dict[str, Any]]:
    """Every unit below the scope with its rolled-up figures; the ranking level ranked by rate."""
    level = ranking_level(tree, parents, scope)
    listed = [code for code in tree if code != scope and (scope is None or scope in lineage(code, parents))]
    rows = [
        {
            "unit": code,
            "name": tree[code]["name"],
            "parent": parents[code],
            "depth": len(lineage(code, parents)) - 1,
            "rank": None,
            "figures": figures(now.get(code, Counter())),
            "previous": figures(then.get(code, Counter())),
        }
        for code in listed
    ]
    rated = sorted(
        (r for r in rows if r["unit"] in level and r["figures"]["rectification_rate"] is not None),
        key=lambda r: -r["figures"]["rectification_rate"],
    )
    for row in rated:  # equal rates share a rank (1, 2, 2, 4)
        row["rank"] = 1 + sum(
            1 for other in rated if other["figures"]["rectification_rate"] > row["figures"]["rectification_rate"]
        )
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["depth"], r["unit"]))


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


def ledger(states: list[dict[str, Any]], day: date, tree: Mapping[str, Any]) -> list[dict[str, Any]]:
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
            "status": s["status"],
            "days_overdue": max((day - date.fromisoformat(s["due_date"])).days, 0) if s["overdue"] else 0,
            "measures": s["measures"],
        }
        for s in states
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["reference"]))


def unit_name(tree: Mapping[str, Any], code: str) -> str:
    return tree[code]["name"] if code in tree else code
