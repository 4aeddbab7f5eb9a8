"""The circular's units: peers ranked, the root's own findings (本级) on a row of their own, deeper units kept.

Only the units directly below the scope's root are ranked and can be on the 红榜
or the 黑榜; the root itself, and units further down, never are. The peers and
the own row add up to the totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from domain.values import Actor, Outcome, Role
from projections.circular import CircularSettings, weekly_circular
from projections.circular_units import peers_of, scope_root, unit_entries
from projections.figures import ADDITIVE_FIGURES, figures, lineage, tally
from projections.view import wait_for
from projections.weeks import Week
from service.application import Rectify
from service.config import build_application, load_settings
from tests.projections.test_circular_matches_replay import REVIEWER, SETUP, at, issue

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=ZONE)  # a Monday: week 48 has begun, weeks 45 to 47 lie in the past
WEEK = Week.parse("2026-W47", ZONE)
TREE = {"HQ": None, "BJ": "HQ", "BJ-01": "BJ", "BJ-02": "BJ", "SH": "HQ"}


# The pure part: which units are peers, and the rows of a tally.


def test_the_peers_of_the_whole_system_are_the_units_below_its_one_root():
    assert (scope_root(TREE, None), peers_of(TREE, "HQ")) == ("HQ", {"BJ", "SH"})


def test_the_peers_of_a_units_edition_are_the_units_right_below_it():
    assert (scope_root(TREE, "BJ"), peers_of(TREE, "BJ")) == ("BJ", {"BJ-01", "BJ-02"})


def test_with_several_roots_the_roots_are_the_peers():
    forest = TREE | {"XJ": None}
    assert (scope_root(forest, None), peers_of(forest, None)) == (None, {"HQ", "XJ"})


def states(counts: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """State groups as the store counts them: per unit, (closed, still assigned)."""
    groups = []
    for unit, (closed, assigned) in counts.items():
        groups.append({"unit": unit, "status": "closed", "overdue": 0, "warning": None, "n": closed})
        groups.append({"unit": unit, "status": "assigned", "overdue": 0, "warning": None, "n": assigned})
    return groups


def entries(counts: dict[str, tuple[int, int]], scope: str | None = None, tree=TREE) -> dict[str, dict[str, Any]]:
    tree_names = {code: {"name": code, "parent": parent} for code, parent in tree.items()}
    rows = {"states": states(counts), "before": [], "events now": [], "events then": []}
    return {entry["unit"]: entry for entry in unit_entries(tree_names, tree, scope, rows)}


def test_the_root_is_listed_only_with_its_own_findings_and_never_ranked():
    units = entries({"HQ": (0, 3), "BJ": (1, 1), "BJ-01": (2, 0), "SH": (0, 1)})
    assert {code: (unit["level"], unit["rank"]) for code, unit in units.items()} == {
        "BJ": ("peer", 1),  # 3 of 4
        "SH": ("peer", 2),
        "HQ": ("own", None),
        "BJ-01": ("below", None),  # a rate of 1, but not a peer
        "BJ-02": ("below", None),
    }
    assert units["HQ"]["figures"]["issued_to_date"] == 3  # HQ's own, not the 10 below it


def test_a_units_edition_shows_the_findings_the_unit_holds_itself():
    units = entries({"HQ": (0, 3), "BJ": (4, 6), "BJ-01": (2, 0), "BJ-02": (1, 1)}, scope="BJ")
    assert [(code, unit["level"], unit["figures"]["issued_to_date"]) for code, unit in units.items()] == [
        ("BJ-01", "peer", 2),
        ("BJ-02", "peer", 2),
        ("BJ", "own", 10),
    ]


def test_a_root_that_holds_no_findings_has_no_own_row():
    assert "HQ" not in entries({"BJ": (1, 1), "SH": (0, 1)})


@st.composite
def forests(draw: st.DrawFn) -> dict[str, str | None]:
    """Unit trees, some with several roots: each unit's parent is an earlier unit, or none."""
    parents: dict[str, str | None] = {}
    for number in range(draw(st.integers(1, 8))):
        parents[f"U{number}"] = draw(st.sampled_from([None, *parents]))
    return parents


@given(forests(), st.data())
def test_the_peers_and_the_roots_own_findings_add_up_to_the_whole_scope(tree, data):
    counts = data.draw(st.dictionaries(st.sampled_from(sorted(tree)), st.tuples(st.integers(0, 5), st.integers(0, 5))))
    scope = data.draw(st.sampled_from([None, *tree]))
    within = {code: n for code, n in counts.items() if scope is None or scope in lineage(code, tree)}
    units = entries(within, scope, tree).values()
    whole = figures(sum(tally(states(within), [], "unit").values(), Counter()))
    parts = [unit["figures"] for unit in units if unit["level"] in ("peer", "own")]
    assert {name: sum(part[name] for part in parts) for name in ADDITIVE_FIGURES} == {
        name: whole[name] for name in ADDITIVE_FIGURES
    }
    assert all(unit["rank"] is None for unit in units if unit["level"] != "peer")


# Through the read model: the lists of a real week.


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def rectify(clock, store_url: str) -> Iterator[Rectify]:
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    for code, name, parent in (
        ("HQ", "集团公司", None),
        ("BJ", "北京分公司", "HQ"),
        ("BJ-01", "北京分公司财务部", "BJ"),
        ("BJ-02", "北京分公司工程部", "BJ"),
        ("SH", "上海分公司", "HQ"),
        ("GZ", "广州分公司", "HQ"),
    ):
        application.register_unit(SETUP, code=code, name=name, parent=parent)
    yield application
    application.close()


def issued(application: Rectify, unit: str, count: int, closed: int) -> None:
    """`count` findings of a unit issued in week 45, `closed` of them closed in week 46."""
    for number in range(count):
        reference = f"XC-{unit}-{number}"
        id = issue(application, reference, at(WEEK.previous().previous(), 1), WEEK.monday + timedelta(days=30), unit)
        if number < closed:
            staff = Actor(f"staff-{unit}", Role.UNIT, unit)
            application.assign(id, staff, at(WEEK.previous(), 1), assignee="张伟", note="")
            application.rectify(id, staff, at(WEEK.previous(), 2), measures="已整改", evidence=[])
            application.review(id, REVIEWER, at(WEEK.previous(), 3), outcome=Outcome.ACCEPTED, comment="同意")


def served(application: Rectify, view: Any, scope: str | None = None, **settings: float) -> dict[str, Any]:
    wait_for(view, application.recorder.max_notification_id(), 10)
    return weekly_circular(view, WEEK, datetime.now(ZONE), scope, CircularSettings(**settings))


def test_only_peers_are_on_the_honour_roll_and_the_watch_list(rectify, view, projector):
    issued(rectify, "HQ", 2, 0)  # the root: 0%
    issued(rectify, "BJ-01", 4, 4)  # below BJ: 100%
    issued(rectify, "BJ-02", 6, 5)  # BJ: 9 of 10
    issued(rectify, "SH", 4, 2)  # 50%
    issued(rectify, "GZ", 5, 1)  # 20%

    circular = served(rectify, view, honor_rate=0.9, shame_rate=0.6)
    assert (circular["honour_roll"], circular["watch_list"]) == (["BJ"], ["SH", "GZ"])
    assert [(u["unit"], u["level"], u["rank"]) for u in circular["units"]] == [
        ("BJ", "peer", 1),
        ("SH", "peer", 2),
        ("GZ", "peer", 3),
        ("HQ", "own", None),
        ("BJ-01", "below", None),
        ("BJ-02", "below", None),
    ]
    own = next(u for u in circular["units"] if u["level"] == "own")
    assert (own["name"], own["parent"], own["depth"], own["figures"]["issued_to_date"]) == ("集团公司", None, 0, 2)


def test_a_units_edition_ranks_its_departments_and_adds_its_own_findings(rectify, view, projector):
    issued(rectify, "BJ", 3, 1)
    issued(rectify, "BJ-01", 2, 2)
    issued(rectify, "BJ-02", 4, 1)

    circular = served(rectify, view, "BJ", honor_rate=0.9, shame_rate=0.6)
    units = {u["unit"]: u for u in circular["units"]}
    assert {code: (u["level"], u["rank"]) for code, u in units.items()} == {
        "BJ-01": ("peer", 1),
        "BJ-02": ("peer", 2),
        "BJ": ("own", None),
    }
    assert (circular["honour_roll"], circular["watch_list"]) == (["BJ-01"], ["BJ-02"])
    for name in ("issued_to_date", "closed_to_date", "open", "issued_this_week"):
        assert sum(u["figures"][name] for u in units.values()) == circular["totals"][name]
    assert units["BJ"]["figures"]["issued_to_date"] == 3
