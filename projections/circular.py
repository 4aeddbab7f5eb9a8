"""The weekly progress circular (每周讲评通报) as the contract's JSON, from the read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from projections.circular_queries import LEDGER_SCOPES, CircularQueries
from projections.facts import UnitFact, micros, moment
from projections.figures import figures, lineage, rolled_up, tally
from projections.view import ReadModelSQL
from projections.weeks import Week

LEVEL_ORDER = {"peer": 0, "own": 1, "below": 2}  # how `units` lists them: peers (ranked), 本级, deeper units


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
    ledger: str | None = None,
    with_ledger: bool = False,
) -> dict[str, Any]:
    """The circular of a week, counted from the events recorded up to `known_at`.

    `ledger` adds the ledger (整改台账): the findings `open` at the cut-off, or `all`;
    `with_ledger=True` is the older spelling of `ledger="all"`.
    """
    ledger = ledger or ("all" if with_ledger else None)
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
        "settings": asdict(settings) | {"issued_on": day.isoformat()},
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
    issue_number = week.weeks_since(Week.containing(moment(first_issued), week.zone)) + 1 if first_issued else 1
    return {
        "week": week.label,
        "issue_number": issue_number,
        "document_number": document_number(settings, week.cutoff.date(), issue_number, scope),
        "start": week.monday.isoformat(),
        "end": week.sunday.isoformat(),
        "cutoff": week.cutoff.isoformat(),
        "as_known_at": known_at.isoformat(),
        # The whole system has no name of its own: each renderer says so in its language.
        "scope": {"unit": scope, "name": unit_name(tree, scope) if scope else None},  # unknown then: empty
    }


def fetch(queries: CircularQueries, week: Week, ledger: str | None) -> dict[str, Any]:
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
    if ledger:
        calls["ledger"] = lambda: queries.ledger_rows(cutoff, day, ledger)
    rows = {name: call() for name, call in calls.items()}
    rows["events now"], rows["events then"] = by_week(rows.pop("events"))
    rows["events by kind now"], rows["events by kind then"] = by_week(rows.pop("events by kind"))
    return rows


def by_week(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Event groups of the week, and of the week before."""
    return [e for e in events if e["this_week"]], [e for e in events if not e["this_week"]]


def group_figures(rows: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of the whole scope, of the week before, and split by source and by severity."""
    by_source = tally(rows["states by kind"], rows["events by kind now"], "source")
    by_severity = tally(rows["states by kind"], rows["events by kind now"], "severity")
    return {
        "totals": figures(total(by_source)),  # every finding has one source
        "previous": figures(total(tally(rows["before by kind"], rows["events by kind then"], "source"))),
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


def scope_root(parents: Mapping[str, str | None], scope: str | None) -> str | None:
    """The unit a circular is about: the scope, or the one root of the tree (None when there are several)."""
    if scope:
        return scope
    roots = [code for code, parent in parents.items() if parent is None or parent not in parents]
    return roots[0] if len(roots) == 1 else None


def peers_of(parents: Mapping[str, str | None], root: str | None) -> set[str]:
    """The units ranked against each other: those right below the root (the roots themselves when it is None)."""
    if root is None:
        return {code for code, parent in parents.items() if parent is None or parent not in parents}
    return {code for code, parent in parents.items() if parent == root and code != root}


def unit_entries(
    tree: Mapping[str, Any], parents: Mapping[str, str | None], scope: str | None, rows: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every unit below the root with its subtree's figures, peers ranked; and the root's own findings (本级)."""
    root = scope_root(parents, scope)
    peers = peers_of(parents, root)
    own_now = tally(rows["states"], rows["events now"], "unit")  # each unit's own findings
    own_then = tally(rows["before"], rows["events then"], "unit")
    now, then = rolled_up(own_now, parents), rolled_up(own_then, parents)  # each unit counts every unit below it
    listed = [code for code in tree if root is None or (code != root and root in lineage(code, parents))]
    entries = [
        unit_entry(tree, parents, code, "peer" if code in peers else "below", now.get(code), then.get(code))
        for code in listed
    ]
    if root is not None and (own_now[root]["issued_to_date"] or own_then[root]["issued_to_date"]):  # 本级
        entries.append(unit_entry(tree, parents, root, "own", own_now.get(root), own_then.get(root)))
    rank_peers(entries)
    return sorted(entries, key=listing_order)


def listing_order(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """Peers by rank (the unranked after them), then 本级, then deeper units by depth; by code within."""
    return (LEVEL_ORDER[entry["level"]], entry["rank"] is None, entry["rank"] or 0, entry["depth"], entry["unit"])


def unit_entry(
    tree: Mapping[str, Any],
    parents: Mapping[str, str | None],
    code: str,
    level: str,
    now: Counter[str] | None,
    then: Counter[str] | None,
) -> dict[str, Any]:
    return {
        "unit": code,
        "name": unit_name(tree, code),
        "level": level,
        "parent": parents.get(code),
        "depth": len(lineage(code, parents)) - 1,
        "rank": None,
        "figures": figures(now or Counter()),
        "previous": figures(then or Counter()),
    }


def rank_peers(entries: list[dict[str, Any]]) -> None:
    """Rank the peers that have a rate, highest first; equal rates share a rank (1, 2, 2, 4)."""
    rated = [e for e in entries if e["level"] == "peer" and e["figures"]["rectification_rate"] is not None]
    rates = sorted((e["figures"]["rectification_rate"] for e in rated), reverse=True)
    for entry in rated:
        entry["rank"] = rates.index(entry["figures"]["rectification_rate"]) + 1


def roll(units: list[dict[str, Any]], on_it: Callable[[float], bool]) -> list[str]:
    """The ranked peers (in rank order) whose rate puts them on a list: 红榜 or 黑榜."""
    return [u["unit"] for u in units if u["rank"] is not None and on_it(u["figures"]["rectification_rate"])]


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
            "status": s["status"],
            "days_overdue": max((day - date.fromisoformat(s["due_date"])).days, 0) if s["overdue"] else 0,
            "measures": s["measures"],
            "warning": s["warning"],  # the highest level recorded for the current deadline, while in progress
        }
        for s in states
    ]
    return sorted(rows, key=lambda r: (r["unit"], r["reference"]))


def unit_name(tree: Mapping[str, Any], code: str) -> str:
    return tree[code]["name"] if code in tree else code
