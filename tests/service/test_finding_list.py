"""`GET /api/v1/findings`: filters, search, pages and scope, read from the read model."""

from __future__ import annotations

from tests.service.helpers import API, assert_error, assigned, command, ok


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
