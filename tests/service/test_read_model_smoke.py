"""A written finding reaches the read model: the list finds it, and the circular of its week counts it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.service.helpers import SHANGHAI


def week_of(moment: datetime) -> str:
    """The ISO week (2026-W48) that holds a moment, in Shanghai."""
    year, week, _ = moment.astimezone(SHANGHAI).isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize(
    "week",
    [
        pytest.param("2026-W48", marks=pytest.mark.time_machine("2026-11-29T23:30:00+08:00"), id="sunday-night"),
        pytest.param("2026-W49", marks=pytest.mark.time_machine("2026-11-30T00:05:00+08:00"), id="monday-not-in-utc"),
        pytest.param(None, id="whatever-the-session-clock-says"),
    ],
)
def test_a_written_finding_is_listed_and_counted_in_its_week_once_the_view_reaches_it(
    client, auth, issue, projector, week
):
    finding = issue(title="账外资金")
    response = client.get(f"/api/v1/findings?q=账外&min_position={finding['position']}", headers=auth["auditor"])
    assert response.status_code == 200, response.get_json()
    assert [item["reference"] for item in response.get_json()["items"]] == [finding["reference"]]
    issued_at = datetime.fromisoformat(finding["issued_at"])
    week = week or week_of(issued_at)
    assert week_of(issued_at) == week
    for label, issued in ((week, 1), (week_of(issued_at - timedelta(days=7)), 0)):
        circular = client.get(
            f"/api/v1/circulars/weekly?min_position={finding['position']}&week={label}", headers=auth["auditor"]
        )
        assert circular.status_code == 200, circular.get_json()
        assert (circular.get_json()["week"], circular.get_json()["totals"]["issued_this_week"]) == (label, issued)
