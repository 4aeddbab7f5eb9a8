"""The read-model queries the issue sets a target for, each case ready to be timed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from domain.values import Actor, Role
from projections.read_side import ReadSide
from projections.view import ReadModelSQL
from projections.weeks import Week

AUDITOR = Actor("bench.auditor", Role.AUDITOR)
SCOPE = "B01"  # a branch: about 1/20 of the units and findings
TEXT = "采购"  # in a quarter of the titles: a page fills quickly
ABSENT = "无此问题"  # in no finding: the whole table is searched


@dataclass(frozen=True)
class Case:
    name: str
    query: Callable[[], Any]
    size: Callable[[Any], int] = len


def weeks_of(history_now: datetime, weeks: int) -> dict[str, Week]:
    """A week in the middle of the history and the last finished week (the one Monday's circular covers)."""
    zone = history_now.tzinfo or UTC
    return {
        "mid": Week.containing(history_now - timedelta(weeks=weeks / 2), zone),
        "last": Week.containing(history_now - timedelta(days=7), zone),
    }


def read_side_of(view: ReadModelSQL, zone: ZoneInfo) -> ReadSide:
    """The read side the service queries through, on the real clock (the history was recorded up to now)."""
    return ReadSide(view, zone=zone, clock=lambda: datetime.now(UTC))


def circular_cases(view: ReadModelSQL, weeks: dict[str, Week], zone: ZoneInfo) -> list[Case]:
    """The circular of each week, for the whole system and for one branch, known as of now."""
    read_side = read_side_of(view, zone)
    cases = []
    for label, week in weeks.items():
        for scope in (None, SCOPE):

            def query(week: Week = week, scope: str | None = scope) -> dict[str, Any]:
                return read_side.circular(AUDITOR, week=week.label, unit=scope)

            cases.append(Case(f"circular {label} week {week.label} {scope or 'all'}", query, _units_listed))
    return cases


def listing_cases(view: ReadModelSQL, zone: ZoneInfo) -> list[Case]:
    """The finding list's query as the endpoint runs it: the unit's subtree worked out, then one page."""
    read_side = read_side_of(view, zone)

    def query(unit: str | None, q: str | None) -> Callable[[], list[dict[str, Any]]]:
        def page() -> list[dict[str, Any]]:
            return read_side.findings(AUDITOR, unit=unit, cursor=None, limit=50, q=q).items

        return page

    return [
        Case(f"list q={TEXT}", query(None, TEXT)),
        Case(f"list unit={SCOPE}", query(SCOPE, None)),
        Case(f"list q={TEXT} unit={SCOPE}", query(SCOPE, TEXT)),
        Case(f"list q={ABSENT} (no match)", query(None, ABSENT)),
    ]


def http_cases(client: Any, token: str, weeks: dict[str, Week]) -> list[Case]:
    """The same through Flask's test client: arguments, auth, the query and the JSON answer."""
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str, **args: str) -> Callable[[], bytes]:
        def call() -> bytes:
            response = client.get(f"{path}?{urlencode(args)}", headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
            return response.get_data()

        return call

    circular = "/api/v1/circulars/weekly"
    return [
        Case(f"GET circular mid {weeks['mid'].label} all", get(circular, week=weeks["mid"].label)),
        Case(f"GET circular last {weeks['last'].label} all", get(circular, week=weeks["last"].label)),
        Case(f"GET circular last {weeks['last'].label} {SCOPE}", get(circular, week=weeks["last"].label, unit=SCOPE)),
        Case(f"GET findings q={TEXT} unit={SCOPE}", get("/api/v1/findings", q=TEXT, unit=SCOPE)),
    ]


def _units_listed(circular: dict[str, Any]) -> int:
    """The circular as served in JSON (no ledger): its size is the units it lists."""
    return len(circular["units"])
