"""The weekly progress circular (每周讲评通报) as the contract's JSON, from the read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from projections.facts import UnitFact, micros, moment
from projections.figures import figures, is_overdue, lineage, roll_up, tally
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
    view: ReadModelSQL, week: Week, known_at: datetime, scope: str | None, settings: CircularSettings
) -> dict[str, Any]:
    """The circular of a week, counted from the events recorded up to `known_at`."""
    known = micros(known_at)
    tree = unit_tree(view.unit_facts(known))
    parents = {code: unit["parent"] for code, unit in tree.items()}
    members = {code for code in tree if scope in lineage(code, parents)} if scope else None

    def kept(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows if members is None else [row for row in rows if row["unit"] in members]

    previous = week.previous()
    states = kept(view.states_at(micros(week.cutoff), known))
    before = kept(view.states_at(micros(week.start), known))
    events = kept(view.events_between(micros(previous.start), micros(week.cutoff), known))
    this_week = [e for e in events if e["occurred_at"] >= micros(week.start)]
    last_week = [e for e in events if e["occurred_at"] < micros(week.start)]
    day, previous_day = week.cutoff.date(), week.start.date()
    now_by_unit = roll_up(tally(states, this_week, day, "unit"), parents)
    then_by_unit = roll_up(tally(before, last_week, previous_day, "unit"), parents)
    first = view.first_issued(known)
    return {
        "week": week.label,
        "issue_number": week.weeks_since(Week.containing(moment(first), week.zone)) + 1 if first else 1,
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        "cutoff": week.cutoff.isoformat(),
        "as_known_at": known_at.isoformat(),
        "scope": {"unit": scope, "name": unit_name(tree, scope) if scope else "全系统"},  # unknown then: empty
        "totals": figures(total(tally(states, this_week, day, "unit"))),
        "previous": figures(total(tally(before, last_week, previous_day, "unit"))),
        "units": ranked_units(tree, parents, scope, now_by_unit, then_by_unit),
        "by_source": split(states, this_week, day, "source", ("inspection", "audit")),
        "by_severity": split(states, this_week, day, "severity", ("general", "serious", "major")),
        "overdue": overdue_list(states, day, tree),
        "escalated": escalated_list(states, this_week, tree),
        "ledger": ledger(states, day, tree),
        "settings": asdict(settings) | {"issued_on": week.cutoff.date().isoformat()},
        "seal": None,
    }


def total(groups: Mapping[str, Counter[str]]) -> Counter[str]:
    combined: Counter[str] = Counter()
    for counts in groups.values():
        combined.update(counts)
    return combined


def split(
    states: list[dict[str, Any]], events: list[dict[str, Any]], day: date, key: str, names: tuple[str, ...]
) -> dict[str, Any]:
    groups = tally(states, events, day, key)
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
        if is_overdue(s, day)
    ]
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["reference"]))


def escalated_list(
    states: list[dict[str, Any]], events: list[dict[str, Any]], tree: Mapping[str, Any]
) -> list[dict[str, Any]]:
    escalated = {e["finding_id"] for e in events if e["type"] == "Escalated"}
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
        if s["finding_id"] in escalated
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
            "days_overdue": max((day - date.fromisoformat(s["due_date"])).days, 0) if is_overdue(s, day) else 0,
            "measures": s["measures"],
        }
        for s in states
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["reference"]))


def unit_name(tree: Mapping[str, Any], code: str) -> str:
    return tree[code]["name"] if code in tree else code
