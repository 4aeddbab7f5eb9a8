"""The read model stores whatever text the event log holds: events recorded before the input rules refused
control characters (NUL above all, which PostgreSQL's text cannot hold) never stop the projector."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.values import Actor, Outcome, Role, Severity, Source
from projections.facts import UNSTORABLE, storable, storable_name
from service import create_app
from service.application import CommandOptions
from tests.projections.conftest import catch_up

INSPECTOR = Actor("inspector", Role.INSPECTOR)
UNIT = Actor("unit", Role.UNIT, "HQ")
REVIEWER = Actor("reviewer", Role.REVIEWER)
NUL = "\x00"


def issue(rectify, title: str, **fields: Any) -> str:
    """Issue a finding straight through the application, as events were recorded before HTTP refused such text."""
    values = dict(source=Source.INSPECTION, batch="第三轮巡察", description="", category="", severity=Severity.SERIOUS)
    values |= dict(unit="HQ", due_date=date(2030, 1, 1)) | fields
    return str(rectify.issue_finding(INSPECTOR, CommandOptions(), title=title, **values).finding["id"])


def reference(rectify, finding: str) -> str:
    return rectify.get_finding(UUID(finding), INSPECTOR)["reference"]


def record_text_no_store_can_hold(rectify) -> str:
    """A unit, and a finding taken from issue to rectified, whose texts hold NUL and other control characters."""
    rectify.register_unit(INSPECTOR, code="HQ", name=f"集团{NUL}公司")
    finding = issue(rectify, f"公务{NUL}接待\x01超标", batch=f"第{NUL}轮", description=f"一{NUL}二\x1f三\r\n四")
    rectify.assign(UUID(finding), UNIT, CommandOptions(), assignee=f"张{NUL}三", note=f"备{NUL}注")
    rectify.rectify(UUID(finding), UNIT, CommandOptions(), measures=f"退回{NUL}费用\x0b", evidence=[f"凭{NUL}证"])
    rectify.review(UUID(finding), REVIEWER, CommandOptions(), outcome=Outcome.REJECTED, comment=f"不{NUL}足")
    return finding


def test_events_with_nul_and_control_characters_are_projected_and_the_projector_goes_on(settings, rectify):
    finding = record_text_no_store_can_hold(rectify)
    later = issue(rectify, "之后的问题")  # recorded after them: the projector must get past them to show it
    headers = {"Authorization": f"Bearer {rectify.add_user('auditor', Role.AUDITOR, None)}"}
    catch_up(settings)
    catch_up(settings)  # and a restart finds nothing left to do
    client = create_app(settings | {"TESTING": True}, application=rectify).test_client()
    position = rectify.recorder.max_notification_id()

    page = client.get("/api/v1/findings", query_string={"min_position": position}, headers=headers).get_json()
    rows = {item["id"]: item for item in page["items"]}
    assert set(rows) >= {finding, later}
    assert rows[finding]["title"] == "公务\ufffd接待\ufffd超标"
    assert rows[finding]["batch"] == "第\ufffd轮"
    assert rows[finding]["assignee"] == "张\ufffd三"
    assert rows[finding]["status"] == "assigned"  # the rejected fix went back to the unit

    week = "{}-W{:02d}".format(*datetime.now(rectify.timezone).isocalendar()[:2])
    query = {"week": week, "ledger": "all", "min_position": position}
    circular = client.get("/api/v1/circulars/weekly", query_string=query, headers=headers).get_json()
    ledger = {entry["reference"]: entry for entry in circular["ledger"]}
    assert ledger[reference(rectify, finding)]["title"] == "公务\ufffd接待\ufffd超标"
    assert ledger[reference(rectify, finding)]["measures"] == "退回\ufffd费用\ufffd"
    assert {unit["name"] for unit in circular["units"]} == {"集团\ufffd公司"}
    for format in ("html", "csv", "xlsx", "docx"):  # every format carries what the view holds
        response = client.get("/api/v1/circulars/weekly", query_string=query | {"format": format}, headers=headers)
        assert response.status_code == 200, (format, response.get_data()[:300])


def test_the_log_itself_keeps_the_text_as_it_was_recorded(settings, rectify):
    finding = record_text_no_store_can_hold(rectify)
    assert rectify.get_finding(UUID(finding), INSPECTOR)["title"] == f"公务{NUL}接待\x01超标"


@given(st.text())
def test_storable_text_holds_no_character_a_store_refuses_and_changes_nothing_else(text):
    kept = storable(text)
    assert UNSTORABLE.search(kept) is None
    assert len(kept) == len(text)
    for character, character_kept in zip(text, kept, strict=True):
        assert character_kept == ("\ufffd" if UNSTORABLE.match(character) else character)
    assert storable_name(text) == kept
