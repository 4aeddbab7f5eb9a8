"""The circular's figures: counting states at the cut-off and events in the week. Pure functions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any

from domain import lifecycle
from domain.values import Outcome, Status, Term, WarningLevel

STATE_FIGURES = (
    "issued_to_date",
    "closed_to_date",
    "withdrawn_to_date",
    "open",
    "awaiting_review",
    "overdue",
    "long_term_open",
)
WEEK_FIGURES = (
    "issued_this_week",
    "closed_this_week",
    "long_term_closed_this_week",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
)
# Figures that add up across groups: a group's are the sums of its parts' (the rate is not one of them).
ADDITIVE_FIGURES = (*STATE_FIGURES, *WEEK_FIGURES)
WARNING_LEVELS = tuple(level.value for level in WarningLevel)  # green, yellow, red
EVENT_FIGURE = {
    "Issued": "issued_this_week",
    "Reopened": "reopened_this_week",
    "Escalated": "escalated_this_week",
    "DeadlineExtended": "extended_this_week",
    "Warned": "warned_this_week",
}
# Where a finding in a status that is not open stands in the figures (an open one counts in `open`).
SETTLED_FIGURE: dict[str, str] = {Status.CLOSED: "closed_to_date", Status.WITHDRAWN: "withdrawn_to_date"}


def is_overdue(state: Mapping[str, Any], day: date) -> bool:
    """Overdue at a moment: still waiting for the unit's fix, held to a deadline and due before that moment's date."""
    due = state["due_date"]
    term = state.get("term", Term.FIXED)
    return lifecycle.is_overdue(state["status"], date.fromisoformat(due) if due else None, term, day)


def warning_figure(level: str) -> str:
    """The counter of findings in progress under a warning of this colour."""
    return f"warning_{level}"


@cache
def counted_in(status: str, overdue: bool, warning: str | None, term: str = Term.FIXED) -> tuple[str, ...]:
    """The figures a finding standing in this state at the cut-off counts in (a few states, thousands of rows).

    A long-term item counts as any other finding, and open ones on their own line as well (`long_term_open`).
    """
    if status not in lifecycle.OPEN:
        return ("issued_to_date", SETTLED_FIGURE[status])  # a str finds its StrEnum key
    names = ["issued_to_date", "open"]
    names += ["long_term_open"] if term == Term.LONG else []
    names += ["awaiting_review"] if status in lifecycle.AWAITING_REVIEW else []
    names += ["overdue"] if overdue else []
    if warning and status in lifecycle.IN_PROGRESS:  # a warning is in force while the fix is awaited
        names.append(warning_figure(warning))
    return tuple(names)


def state_counts(group: Mapping[str, Any]) -> Counter[str]:
    """What findings standing in one status at the cut-off add to the figures (`n` of them, `overdue` or not)."""
    counts: Counter[str] = Counter()
    add_state(counts, group)
    return counts


def add_state(counts: Counter[str], group: Mapping[str, Any]) -> None:
    """Add `n` findings of one status (overdue or not, under a warning or not) to the counters, in place."""
    n = group.get("n", 1)
    for name in counted_in(group["status"], bool(group["overdue"]), group.get("warning"), group.get("term", "fixed")):
        counts[name] += n


def event_figures(event: Mapping[str, Any]) -> tuple[str, ...]:
    """Which this-week figures an event counts in: an accepted review of a long-term item is also 阶段性销号."""
    if event["type"] == "Reviewed":
        if event["outcome"] != Outcome.ACCEPTED:
            return ("rejected_this_week",)
        return (
            ("closed_this_week", "long_term_closed_this_week")
            if event.get("term") == Term.LONG
            else ("closed_this_week",)
        )
    figure = EVENT_FIGURE.get(event["type"])
    return (figure,) if figure else ()


def tally(
    states: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]], key: str
) -> dict[str, Counter[str]]:
    """Counters of the figures grouped by a key of the rows (unit, source or severity).

    Rows whose key is None are left out: rows counted by unit apart from those counted by source
    and severity have only the one or the others (those counted by all three together have each).
    """
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for state in states:
        if state[key] is not None:
            add_state(groups[state[key]], state)
    for event in events:
        if event[key] is not None:
            for figure in event_figures(event):
                groups[event[key]][figure] += event.get("n", 1)
    return groups


def rolled_up(own: Mapping[str, Counter[str]], parents: Mapping[str, str | None]) -> dict[str, Counter[str]]:
    """Each unit's counters with those of every unit below it added (a unit's own are `own[unit]`)."""
    rolled: dict[str, Counter[str]] = defaultdict(Counter)
    for code, counts in own.items():
        for name in lineage(code, parents):
            rolled[name].update(counts)
    return rolled


def rate(closed: int, issued: int, withdrawn: int) -> float | None:
    """The rectification rate, exact: closed ÷ (issued − withdrawn), None when nothing counts.

    Renderers round it for display, all through one function; rounding here as well
    would round twice (21/46 shown as 45.7% rather than 45.6%).
    """
    counted = issued - withdrawn
    return closed / counted if counted > 0 else None


def figures(counts: Counter[str]) -> dict[str, Any]:
    """The contract's FIGURES from a counter, with the rectification rate and the warnings in force."""
    result: dict[str, Any] = dict.fromkeys(FIGURE_ORDER)  # in the contract's order
    result.update((name, counts.get(name, 0)) for name in ADDITIVE_FIGURES)
    result["rectification_rate"] = rate(result["closed_to_date"], result["issued_to_date"], result["withdrawn_to_date"])
    result["warnings"] = {level: counts.get(warning_figure(level), 0) for level in WARNING_LEVELS}
    return result


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
    "long_term_open",
    "long_term_closed_this_week",
    "rejected_this_week",
    "reopened_this_week",
    "escalated_this_week",
    "extended_this_week",
    "warned_this_week",
    "warnings",
)


def lineage(code: str, parents: Mapping[str, str | None]) -> list[str]:
    """The unit and its ancestors, nearest first (a cycle or an unknown parent ends the walk)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain
