"""Long-term items (长期坚持) over HTTP on every store: issued without a deadline or with a first stage's, never
overdue or warned, closed in stages (阶段性销号), counted on their own line in every format of the circular."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest

from domain.values import Role
from domain.warnings import WarningThresholds
from projections.weeks import Week
from service import create_app
from service.config import build_application, load_settings
from service.read_store import open_read_side
from service.warnings import send_due_warnings
from tests.service.conftest import SETUP
from tests.service.helpers import API, assert_error, command, ok
from tests.service.tampering import RawLog
from tests.service.test_clock import Clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning in Shanghai, far from any real date the suite runs on: only the application's clock says it.
START = datetime(2031, 3, 12, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def office(store_url: str, clock: Clock, projector):
    """An application on a hand-set clock, two units, a user of each role, and its HTTP client."""
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}), clock=clock)
    application.register_unit(SETUP, code="HQ", name="集团公司")
    application.register_unit(SETUP, code="BJ", name="北京分公司", parent="HQ")
    roles = {"inspector": (Role.INSPECTOR, None), "bj": (Role.UNIT, "BJ"), "reviewer": (Role.REVIEWER, None),
             "auditor": (Role.AUDITOR, None)}  # fmt: skip
    tokens = {name: application.add_user(name, role, unit) for name, (role, unit) in roles.items()}
    client = create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True}, application=application).test_client()
    yield application, client, {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    application.close()


def body(**overrides):
    """A finding for BJ; add `term` and `due_date` as the test needs."""
    return {"source": "inspection", "batch": "2031年第一轮巡察", "title": "制度执行不到位", "severity": "general",
            "unit": "BJ"} | overrides  # fmt: skip


def issue(client, auth, **overrides):
    return ok(client.post(f"{API}/findings", json=body(**overrides), headers=auth["inspector"]), 201)


def days_later(clock: Clock, days: int) -> str:
    return (clock().date() + timedelta(days=days)).isoformat()


def test_a_long_term_item_is_issued_without_a_due_date(office):
    application, client, auth = office
    finding = issue(client, auth, term="long")
    assert (finding["term"], finding["due_date"], finding["overdue"], finding["status"]) == (
        "long",
        None,
        False,
        "issued",
    )
    read = ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))
    assert (read["term"], read["due_date"]) == ("long", None)


def test_a_finding_is_fixed_term_by_default(office, clock):
    application, client, auth = office
    assert issue(client, auth, due_date=days_later(clock, 30))["term"] == "fixed"


def test_only_a_long_term_item_may_go_without_a_due_date(office):
    application, client, auth = office
    for fields in ({}, {"term": "fixed"}, {"term": "fixed", "due_date": None}):
        response = client.post(f"{API}/findings", json=body(**fields), headers=auth["inspector"])
        assert_error(response, 422, field="due_date")
    assert_error(
        client.post(f"{API}/findings", json=body(term="forever"), headers=auth["inspector"]), 422, field="term"
    )


def test_a_long_term_item_past_its_first_stage_is_never_overdue(office, clock):
    application, client, auth = office
    staged = issue(client, auth, term="long", due_date=days_later(clock, 3))
    undated = issue(client, auth, term="long")
    fixed = issue(client, auth, due_date=days_later(clock, 3))
    clock.moment += timedelta(days=40)
    overdue = {f["id"]: ok(client.get(f"{API}/findings/{f['id']}", headers=auth["auditor"]))["overdue"]
               for f in (staged, undated, fixed)}  # fmt: skip
    assert overdue == {staged["id"]: False, undated["id"]: False, fixed["id"]: True}
    listed = ok(client.get(f"{API}/findings?overdue=true&min_position={fixed['position']}", headers=auth["auditor"]))
    assert [item["reference"] for item in listed["items"]] == [fixed["reference"]]
    not_overdue = ok(client.get(f"{API}/findings?overdue=false", headers=auth["auditor"]))
    assert {item["reference"] for item in not_overdue["items"]} == {staged["reference"], undated["reference"]}


def test_the_finding_list_filters_by_term(office, clock):
    application, client, auth = office
    long_term = issue(client, auth, term="long")
    fixed = issue(client, auth, due_date=days_later(clock, 30))
    position = fixed["position"]
    for term, expected in (("long", long_term), ("fixed", fixed)):
        page = ok(client.get(f"{API}/findings?term={term}&min_position={position}", headers=auth["auditor"]))
        assert [(item["reference"], item["term"]) for item in page["items"]] == [(expected["reference"], term)]
    assert_error(client.get(f"{API}/findings?term=short", headers=auth["auditor"]), 422, field="term")


def test_a_long_term_items_first_stage_can_be_extended_but_no_deadline_cannot(office, clock):
    application, client, auth = office
    staged = issue(client, auth, term="long", due_date=days_later(clock, 10))
    extended = ok(command(client, staged, "extend", auth["inspector"], due_date=days_later(clock, 60), reason="分阶段"))
    assert (extended["due_date"], extended["extensions"], extended["term"]) == (days_later(clock, 60), 1, "long")
    undated = issue(client, auth, term="long")
    refused = command(client, undated, "extend", auth["inspector"], due_date=days_later(clock, 60), reason="分阶段")
    assert_error(refused, 409, "invalid_transition")


def test_the_warning_schedule_never_warns_a_long_term_item(office, clock, store_url):
    application, client, auth = office
    issue(client, auth, term="long", due_date=days_later(clock, 5))
    issue(client, auth, term="long")
    fixed = issue(client, auth, due_date=days_later(clock, 5))
    read_side = open_read_side(load_settings({"RECTIFY_DATABASE_URL": store_url}), application)
    read_side.caught_up(fixed["position"])
    for days in (0, 30):  # yellow before the first stage's date, red after it
        clock.moment = START + timedelta(days=days)
        sent = send_due_warnings(application, read_side, WarningThresholds())
        assert [warning.reference for warning in sent] == [fixed["reference"]]


def accepted(client, auth, finding):
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳"))
    ok(command(client, finding, "rectify", auth["bj"], measures="建立长效机制，首期整改完成"))
    return ok(command(client, finding, "review", auth["reviewer"], outcome="accepted", comment="阶段性销号"))


def test_accepting_a_long_term_item_closes_it_in_stages(office):
    application, client, auth = office
    closed = accepted(client, auth, issue(client, auth, term="long"))
    assert (closed["status"], closed["term"], closed["overdue"]) == ("closed", "long", False)


def weekly(client, auth, position, **query):
    week = Week.containing(START, SHANGHAI).label
    query = {"week": week, "min_position": position, "as_known_at": (START + timedelta(days=6)).isoformat()} | query
    return client.get(f"{API}/circulars/weekly", query_string=query, headers=auth["auditor"])


def long_term_week(office, clock):
    """A week with an overdue finding, an open long-term item past its first stage, and one closed in stages."""
    application, client, auth = office
    issue(client, auth, reference="XC-2031-0001", due_date=days_later(clock, 1))
    issue(client, auth, reference="XC-2031-0002", term="long", due_date=days_later(clock, 1))
    staged = issue(client, auth, reference="XC-2031-0003", term="long")
    clock.moment += timedelta(days=1)
    last = accepted(client, auth, staged)
    clock.moment = START + timedelta(days=6)  # Tuesday of the next week: the week has ended
    return client, auth, last["position"]


def test_the_circular_counts_long_term_items_on_their_own_line_never_overdue(office, clock):
    client, auth, position = long_term_week(office, clock)
    circular = ok(weekly(client, auth, position, ledger="open"))
    totals = circular["totals"]
    assert (totals["long_term_open"], totals["long_term_closed_this_week"]) == (1, 1)
    assert (totals["open"], totals["overdue"], totals["closed_this_week"], totals["issued_to_date"]) == (2, 1, 1, 3)
    assert totals["rectification_rate"] == pytest.approx(1 / 3)  # closed in stages counts as closed
    assert [item["reference"] for item in circular["overdue"]] == ["XC-2031-0001"]
    bj = next(unit for unit in circular["units"] if unit["unit"] == "BJ")["figures"]
    assert (bj["long_term_open"], bj["long_term_closed_this_week"], bj["overdue"]) == (1, 1, 1)
    ledger = {row["reference"]: (row["term"], row["status"], row["days_overdue"]) for row in circular["ledger"]}
    assert ledger == {"XC-2031-0001": ("fixed", "issued", 4), "XC-2031-0002": ("long", "issued", 0),
                      "XC-2031-0003": ("long", "closed", 0)}  # fmt: skip


def test_the_ledgers_say_long_term_and_closed_in_stages_in_csv_and_xlsx(office, clock):
    client, auth, position = long_term_week(office, clock)
    text = weekly(client, auth, position, format="csv").get_data().decode("utf-8-sig")
    rows = {row["问题编号"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["XC-2031-0002"]["整改时限"], rows["XC-2031-0002"]["整改状态"]) == (
        "长期坚持（首期 2031-03-13）",
        "已下发",
    )
    assert (rows["XC-2031-0003"]["整改时限"], rows["XC-2031-0003"]["整改状态"]) == ("长期坚持", "阶段性销号")
    book = openpyxl.load_workbook(io.BytesIO(weekly(client, auth, position, format="xlsx", lang="en").get_data()))
    values = [[cell for cell in row] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    staged = next(row for row in values if "XC-2031-0003" in row)
    assert "Long-term" in staged and "Closed for this stage" in staged
    summary = list(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert "Long term" in summary[0] and "Closed for a stage this week" in summary[0]


def test_the_page_and_the_document_say_how_many_long_term_items_there_are(office, clock):
    client, auth, position = long_term_week(office, clock)
    page = weekly(client, auth, position, format="html").get_data(as_text=True)
    assert "在改问题中有长期坚持问题1个，按阶段持续推进，不计入逾期；本周阶段性销号1个。" in page
    document = docx.Document(io.BytesIO(weekly(client, auth, position, format="docx", lang="en").get_data()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "1 of the open findings is a long-term item, pursued in stages and never overdue" in text
    assert "北京分公司: 1 open, 1 closed for a stage this week." in text


def test_a_circular_without_long_term_items_says_nothing_of_them(office, clock):
    application, client, auth = office
    finding = issue(client, auth, due_date=days_later(clock, 30))
    clock.moment = START + timedelta(days=6)
    document = docx.Document(io.BytesIO(weekly(client, auth, finding["position"], format="docx").get_data()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "在改问题中有长期坚持问题" not in text and "阶段性销号" not in text and "（三）长期坚持" not in text
    assert ok(weekly(client, auth, finding["position"]))["totals"]["long_term_open"] == 0


def test_an_issued_event_stored_before_terms_replays_as_fixed(office, clock, store_url):
    application, client, auth = office
    finding = issue(client, auth, due_date=days_later(clock, 3))
    raw = RawLog(store_url)
    state = json.loads(bytes(raw.row(finding["position"])[3]))
    del state["term"]  # as an Issued event was stored before findings had terms
    with raw.cursor() as cursor:
        update = raw.mark(f"UPDATE {raw.table} SET state = ? WHERE {raw.position} = ?")
        cursor.execute(update, (json.dumps(state).encode(), finding["position"]))
    clock.moment += timedelta(days=10)
    read = ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))
    assert (read["term"], read["overdue"]) == ("fixed", True)
    moved = ok(command(client, finding, "assign", auth["bj"], assignee="王芳"))
    assert (moved["term"], moved["version"]) == ("fixed", 2)


def test_the_openapi_document_describes_terms(office):
    application, client, auth = office
    document = ok(client.get(f"{API}/openapi.json"))
    issue_schema = next(s for s in document["components"]["schemas"].values() if "batch" in s.get("required", []))
    assert issue_schema["properties"]["term"]["enum"] == ["fixed", "long"]
    assert "due_date" not in issue_schema["required"]
    assert {"properties": {"term": {"enum": ["long"]}}, "required": ["term"]} in issue_schema["anyOf"]
    listing = document["paths"]["/api/v1/findings"]["get"]["parameters"]
    assert next(p for p in listing if p["name"] == "term")["schema"]["enum"] == ["fixed", "long"]
