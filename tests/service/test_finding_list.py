"""`GET /api/v1/findings`: filters, search, pages and scope, read from the read model."""

from __future__ import annotations

import threading

from service.config import load_settings
from service.projector import run_projector
from tests.service.helpers import API, assert_error, assigned, command, days_from_today, ok


def listed(client, headers, position, **query):
    query["min_position"] = position
    response = client.get(f"{API}/findings", query_string=query, headers=headers)
    return ok(response)


def test_list_filters_by_status_source_severity_and_the_units_subtree(client, auth, issue, projector):
    bj01 = issue(unit="BJ-01", severity="major")
    sh = issue(unit="SH", source="audit")
    last = assigned(client, auth, bj01)
    position = last["position"]
    references = lambda page: [item["reference"] for item in page["items"]]  # noqa: E731
    assert references(listed(client, auth["auditor"], position, unit="BJ")) == [bj01["reference"]]
    assert references(listed(client, auth["auditor"], position, unit="HQ")) == [sh["reference"], bj01["reference"]]
    assert references(listed(client, auth["auditor"], position, status="assigned")) == [bj01["reference"]]
    assert references(listed(client, auth["auditor"], position, source="audit")) == [sh["reference"]]
    assert references(listed(client, auth["auditor"], position, severity="major", assignee="张三")) == []
    assert listed(client, auth["auditor"], position)["items"][0]["position"] == sh["position"]


def test_search_finds_chinese_text_in_titles_and_descriptions(client, auth, issue, projector):
    issue(title="公务用车管理不规范", description="存在公车私用现象")
    other = issue(title="食堂采购未招标", description="金额100%超标")
    position = other["position"]
    assert [i["title"] for i in listed(client, auth["auditor"], position, q="公车私用")["items"]] == [
        "公务用车管理不规范"
    ]
    assert [i["title"] for i in listed(client, auth["auditor"], position, q="100%")["items"]] == ["食堂采购未招标"]
    assert listed(client, auth["auditor"], position, q="_")["items"] == []


def test_search_ignores_the_case_of_latin_letters(client, auth, issue, projector):
    system = issue(title="OA系统权限未回收", description="Admin账号共用")
    other = issue(title="食堂采购未招标", description="金额超标")
    position = other["position"]
    for q in ("oa系统", "ADMIN账号", system["reference"].lower()):
        assert [i["reference"] for i in listed(client, auth["auditor"], position, q=q)["items"]] == [
            system["reference"]
        ], q


def test_search_within_a_subtree_folds_the_case_of_latin_letters_and_matches_chinese_as_written(
    client, auth, issue, projector
):
    system = issue(unit="BJ-01", title="OA系统权限未回收", description="Admin账号共用")
    canteen = issue(unit="BJ", title="食堂采购未招标", description="金额超标")
    position = issue(unit="SH", title="OA采购未招标", description="admin")["position"]  # outside BJ's subtree
    for q, expected in (
        ("oa", system),
        ("OA", system),
        ("aD", system),
        ("ADMIN账", system),
        ("采购", canteen),
        ("采购未", canteen),
    ):
        found = listed(client, auth["auditor"], position, unit="BJ", q=q)["items"]
        assert [i["reference"] for i in found] == [expected["reference"]], q


def test_search_finds_a_text_within_one_field_never_across_two(client, auth, issue, projector):
    ends = issue(title="账目不清", description="审批缺失")
    position = issue(title="其他问题", description="其他说明")["position"]
    assert [i["reference"] for i in listed(client, auth["auditor"], position, q="不清")["items"]] == [ends["reference"]]
    assert [i["reference"] for i in listed(client, auth["auditor"], position, q="账目不清")["items"]] == [
        ends["reference"]
    ]
    assert listed(client, auth["auditor"], position, q="不清审批")["items"] == []  # the end of one, the start of next
    assert listed(client, auth["auditor"], position, q="清审")["items"] == []


def test_search_finds_the_same_after_the_read_model_is_rebuilt(client, auth, issue, projector, store_url):
    found = issue(title="食堂采购未招标", description="金额100%超标")
    issue(title="公务用车管理不规范", description="存在公车私用现象")
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_WARN_EVERY": "0"})
    projector.stop()

    run_projector(settings, threading.Event(), lambda _: None, rebuild=True, until_caught_up=True)

    for q in ("采购未招标", "100%超", "采购", found["reference"]):
        assert [i["reference"] for i in listed(client, auth["auditor"], found["position"], q=q)["items"]] == [
            found["reference"]
        ], q


def test_overdue_lists_open_findings_past_their_due_date(client, auth, issue, projector):
    late = issue(due_date="2026-01-31", title="逾期问题", occurred_at="2026-01-05T09:00:00+08:00")
    on_time = issue(title="未到期问题")
    position = on_time["position"]
    assert [i["reference"] for i in listed(client, auth["auditor"], position, overdue="true")["items"]] == [
        late["reference"]
    ]
    assert [i["reference"] for i in listed(client, auth["auditor"], position, overdue="false")["items"]] == [
        on_time["reference"]
    ]


def test_pages_follow_the_cursor_without_gaps_or_repeats(client, auth, issue, projector):
    issued = [issue(title=f"问题{n}") for n in range(5)]
    position, seen, cursor = issued[-1]["position"], [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = listed(client, auth["auditor"], position, **query)
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [finding["reference"] for finding in reversed(issued)]


def every_page(client, headers, position, **query) -> list[str]:
    """The references of every page of a list, following each page's cursor with the same query."""
    seen, cursor = [], None
    while True:
        page = listed(client, headers, position, **query | ({"cursor": cursor} if cursor else {}))
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_sort_by_due_date_lists_the_soonest_deadline_first_and_long_term_items_last(client, auth, issue, projector):
    later = issue(due_date=days_from_today(30))
    long_term = issue(term="long", due_date=None)
    soon = issue(due_date=days_from_today(3))
    staged = issue(term="long", due_date=days_from_today(10))  # a long-term item's first stage is a deadline
    late = issue(due_date=days_from_today(-5), occurred_at=f"{days_from_today(-20)}T09:00:00+08:00")
    same_day = issue(due_date=days_from_today(3))
    position = same_day["position"]
    order = [late, soon, same_day, staged, later, long_term]  # the same day in the order they were issued
    by_due = every_page(client, auth["auditor"], position, sort="due_date", limit=2)
    assert by_due == [f["reference"] for f in order]
    latest_first = every_page(client, auth["auditor"], position, sort="-due_date", limit=4)
    assert latest_first == [f["reference"] for f in [later, staged, same_day, soon, late, long_term]]
    newest = [f["reference"] for f in reversed([later, long_term, soon, staged, late, same_day])]
    assert every_page(client, auth["auditor"], position, limit=5) == newest  # the default is unchanged
    assert every_page(client, auth["auditor"], position, sort="newest", limit=5) == newest
    assert every_page(client, auth["bj"], position, sort="due_date", overdue="false") == by_due[1:]


def test_a_cursor_is_refused_under_another_sort_rather_than_mixing_pages(client, auth, issue, projector):
    position = [issue(due_date=days_from_today(n)) for n in range(3)][-1]["position"]
    newest = listed(client, auth["auditor"], position, limit=1)["next_cursor"]
    by_due = listed(client, auth["auditor"], position, limit=1, sort="due_date")["next_cursor"]
    for cursor, sort, made_for in ((newest, "due_date", "newest"), (by_due, "newest", "due_date"),
                                   (by_due, "-due_date", "due_date"), (newest, "-due_date", "newest")):  # fmt: skip
        response = client.get(f"{API}/findings", query_string={"cursor": cursor, "sort": sort}, headers=auth["auditor"])
        body = assert_error(response, 422, "invalid_fields", field="cursor")
        assert f"sorted by {made_for}, not by {sort}" in body["message"], body
    assert len(listed(client, auth["auditor"], position, limit=1, sort="due_date", cursor=by_due)["items"]) == 1
    assert_error(client.get(f"{API}/findings?sort=due", headers=auth["auditor"]), 422, field="sort")


def test_the_openapi_document_names_the_sorts_of_the_list(client):
    parameters = client.get(f"{API}/openapi.json").get_json()["paths"][f"{API}/findings"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert sort["schema"]["enum"] == ["newest", "due_date", "-due_date"] and sort["schema"]["default"] == "newest"
    assert "long-term" in sort["description"]


def test_a_unit_token_lists_only_its_subtree_and_is_refused_other_units(client, auth, issue, projector):
    mine = issue(unit="BJ-01")
    theirs = issue(unit="SH")
    assert [i["reference"] for i in listed(client, auth["bj"], theirs["position"])["items"]] == [mine["reference"]]
    response = client.get(f"{API}/findings", query_string={"unit": "SH"}, headers=auth["bj"])
    assert_error(response, 422, "unknown_unit", field="unit")


def test_bad_list_arguments_are_422_naming_the_argument(client, auth, projector):
    assert_error(client.get(f"{API}/findings?status=lost", headers=auth["auditor"]), 422, field="status")
    assert_error(client.get(f"{API}/findings?limit=0", headers=auth["auditor"]), 422, field="limit")
    assert_error(client.get(f"{API}/findings?cursor=nonsense", headers=auth["auditor"]), 422, field="cursor")
    assert_error(client.get(f"{API}/findings?colour=red", headers=auth["auditor"]), 422, field="colour")
    assert_error(client.get(f"{API}/findings?unit=NOWHERE", headers=auth["auditor"]), 422, field="unit")


def test_a_read_waits_for_min_position_and_answers_503_when_the_view_lags(app, client, auth, issue):
    finding = issue()  # no projector runs in this test: the view stays behind
    app.config["RECTIFY_READ_WAIT"] = "0.05"
    response = client.get(f"{API}/findings?min_position={finding['position']}", headers=auth["auditor"])
    assert_error(response, 503, "read_model_lagging")
    assert response.headers["Retry-After"] == "1"


def test_a_rejected_command_changes_nothing_in_the_list(client, auth, issue, projector):
    finding = issue()
    response = command(client, finding, "rectify", auth["bj"], measures="未分派即整改")
    assert response.status_code == 409
    item = listed(client, auth["auditor"], finding["position"])["items"][0]
    assert (item["status"], item["version"]) == ("issued", 1)
