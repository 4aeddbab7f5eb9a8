"""The circular's figures: counting states at the cut-off and events in the week. Pure functions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any

OVERDUE_STATUSES = ("issued", "assigned")
STATE_FIGURES = ("issued_to_date", "closed_to_date", "withdrawn_to_date", "open", "awaiting_review", "overdue")
WEEK_FIGURES = (
    "issued_this_week",
    "closed_this_week",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
)
EVENT_FIGURE = {
    "Issued": "issued_this_week",
    "Reopened": "reopened_this_week",
    "Escalated": "escalated_this_week",
    "DeadlineExtended": "extended_this_week",
    "Warned": "warned_this_week",
}


def is_overdue(state: Mapping[str, Any], day: date) -> bool:
    """Overdue at a moment: still open (not awaiting review) and due before that moment's date."""
    return state["status"] in OVERDUE_STATUSES and date.fromisoformat(state["due_date"]) < day


def state_counts(group: Mapping[str, Any]) -> Counter[str]:
    """What findings standing in one status at the cut-off add to the figures (`n` of them, `overdue` or not)."""
    counts: Counter[str] = Counter()
    add_state(counts, group)
    return counts


def add_state(counts: Counter[str], group: Mapping[str, Any]) -> None:
    """Add `n` findings of one status (and overdue or not) to the counters, in place: a circular adds thousands."""
    status, n = group["status"], group.get("n", 1)
    counts["issued_to_date"] += n
    if status == "closed":
        counts["closed_to_date"] += n
    elif status == "withdrawn":
        counts["withdrawn_to_date"] += n
    else:
        counts["open"] += n
        counts["awaiting_review"] += n if status == "rectified" else 0
        counts["overdue"] += n if group["overdue"] else 0


def event_figure(event: Mapping[str, Any]) -> str | None:
    """Which this-week figure an event counts in, if any."""
    if event["type"] == "Reviewed":
        return "closed_this_week" if event["outcome"] == "accepted" else "rejected_this_week"
    return EVENT_FIGURE.get(event["type"])


def tally(
    states: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    key: str,
    spread: Callable[[str], Iterable[str]] | None = None,
) -> dict[str, Counter[str]]:
    """Counters of the figures grouped by a key of the rows (unit, source or severity).

    `spread` names the groups a row counts in, given its key (a unit and every unit
    above it, to roll the figures up the tree); without it, the key's own group.
    """
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    into = cache(spread) if spread else lambda value: (value,)
    for state in states:
        for name in into(state[key]):
            add_state(groups[name], state)
    for event in events:
        figure = event_figure(event)
        if figure:
            for name in into(event[key]):
                groups[name][figure] += event.get("n", 1)
    return groups


def rolled_up(parents: Mapping[str, str | None]) -> Callable[[str], list[str]]:
    """A `spread` for `tally`: a unit's rows count for it and for every unit above it."""
    return lambda code: lineage(code, parents)


def figures(counts: Counter[str]) -> dict[str, Any]:
    """The contract's FIGURES from a counter, with the rectification rate."""
    result: dict[str, Any] = {name: counts[name] for name in (*STATE_FIGURES, *WEEK_FIGURES)}
    counted = counts["issued_to_date"] - counts["withdrawn_to_date"]
    result["rectification_rate"] = round(counts["closed_to_date"] / counted, 4) if counted > 0 else None
    return {name: result[name] for name in FIGURE_ORDER}


FIGURE_ORDER = (
    "issued_this_week",
    "issued_to_date",
    "closed_this_week",
    "closed_to_date",
    "withdrawn_to_date",
    "rectification_rate",
    "open",
    "awaiting_review",
    "overdue",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
)


def lineage(code: str, parents: Mapping[str, str | None]) -> list[str]:
    """The unit and its ancestors, nearest first (a cycle or an unknown parent ends the walk)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain
