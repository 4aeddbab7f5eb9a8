"""问题清单 (`/console/findings`): the finding list with the API's filters, search and cursors, in the user's scope."""

from __future__ import annotations

import re
from uuid import UUID

from flask.testing import FlaskClient

from domain.values import WarningLevel
from tests.service.console_helpers import caught_up, queues, signed_in
from tests.service.helpers import API, assigned, command, days_from_today, ok, rectified

ROW = re.compile(r'<tr class="finding([^"]*)" data-id="([0-9a-f-]+)">')
NEXT = re.compile(r'<a rel="next" href="([^"]+)">')


def listed(client: FlaskClient, query: str = "", status: int = 200) -> tuple[list[str], str]:
    """The ids of the findings a list page shows, in its order, and the page's text."""
    response = client.get(f"/console/findings{query}")
    assert response.status_code == status, response.status_code
    text = response.get_data(as_text=True)
    return [finding_id for _, finding_id in ROW.findall(text)], text


def row_classes(text: str) -> dict[str, str]:
    return {finding_id: classes.strip() for classes, finding_id in ROW.findall(text)}


def test_the_list_shows_issued_findings_newest_first_each_linked_to_its_page(client, auth, issue, projector):
    first, second = issue(title="公务接待超标准"), issue(title="车辆使用不规范", reference="XC-TEST-7")
    caught_up(client, auth, second["position"])
    ids, text = listed(signed_in(client, auth, "inspector"))
    assert ids == [second["id"], first["id"]]
    assert f'href="/console/findings/{first["id"]}"' in text and "XC-TEST-7" in text and "车辆使用不规范" in text
    assert "问题清单" in text and "整改期限" in text and "待分派" in text  # Chinese by default


def test_filters_and_search_select_what_the_api_selects(client, auth, issue, projector):
    plain = issue()
    audit = issue(source="audit", severity="major", batch="2026年专项审计", unit="SH", title="专项资金挪用")
    long_term = issue(term="long", due_date=None, description="制度建设需长期坚持")
    handed = assigned(client, auth, issue())
    caught_up(client, auth, handed["position"])
    signed_in(client, auth, "inspector")
    expectations = {
        "?source=audit": [audit],
        "?severity=major": [audit],
        "?batch=2026年专项审计": [audit],
        "?unit=SH": [audit],
        "?unit=BJ": [handed, long_term, plain],
        "?term=long": [long_term],
        "?status=assigned": [handed],
        "?assignee=王芳": [handed],
        "?assignee=李四": [],
        "?q=挪用": [audit],
        "?q=长期坚持": [long_term],
        "?status=issued&unit=BJ-01&term=fixed": [plain],
        "?q=&unit=&status=": [handed, long_term, audit, plain],  # empty fields of the form are no filter
    }
    for query, expected in expectations.items():
        ids, _ = listed(client, query)
        assert ids == [f["id"] for f in expected], query
        api = ok(client.get(f"{API}/findings{query.replace('q=&unit=&status=', '')}", headers=auth["inspector"]))
        assert ids == [item["id"] for item in api["items"]], query
    _, text = listed(client, "?source=audit&q=挪用")
    assert 'value="挪用"' in text and '<option value="audit" selected>' in text  # the form shows what it filters


def test_each_workbench_link_lists_exactly_what_its_count_said(client, auth, issue, application, projector):
    issue()
    assigned(client, auth, issue())
    sent_back = issue()
    rectified(client, auth, sent_back)
    ok(command(client, sent_back, "review", auth["reviewer"], outcome="rejected", comment="佐证不足"))
    rectified(client, auth, issue())
    late = issue(due_date=days_from_today(-10), occurred_at=f"{days_from_today(-30)}T09:00:00+08:00")
    ok(command(client, late, "escalate", auth["inspector"], note="逾期未整改"))
    soon = issue(due_date=days_from_today(5))
    warned = application.warn(UUID(soon["id"]), WarningLevel.YELLOW)
    caught_up(client, auth, warned.position)
    for user in ("bj", "reviewer", "inspector", "admin"):
        browser = signed_in(client.application.test_client(), auth, user)
        for key, (link, _, count) in queues(browser).items():
            ids, _ = listed(browser, link.removeprefix("/console/findings"))
            assert len(ids) == count, (user, key)
    admin = queues(browser)
    assert {key: count for key, (_, _, count) in admin.items()}["warned"] == 1
    ids, text = listed(browser, "?warned=true")
    assert ids == [soon["id"]] and "warning-yellow" in row_classes(text)[soon["id"]] and "黄色预警" in text
    ids, text = listed(browser, "?overdue=true")
    assert ids == [late["id"]] and "overdue" in row_classes(text)[late["id"]].split()


def test_a_unit_user_never_sees_another_subtrees_finding(client, auth, issue, projector):
    ours, theirs = issue(unit="BJ-01"), issue(unit="SH")
    caught_up(client, auth, theirs["position"])
    signed_in(client, auth, "sh")
    assert listed(client)[0] == [theirs["id"]]
    assert listed(client, "?q=公务接待")[0] == [theirs["id"]]
    ids, text = listed(client, "?unit=BJ-01", status=400)  # as the API: a unit outside is as unknown as none
    assert ids == [] and ours["id"] not in text and ours["reference"] not in text
    bj = signed_in(client.application.test_client(), auth, "bj")
    assert listed(bj)[0] == [ours["id"]] and listed(bj, "?unit=BJ-01")[0] == [ours["id"]]


def test_pages_follow_the_api_cursors_with_the_same_filters(client, auth, issue, projector):
    made = [issue(title=f"问题{n}") for n in range(5)] + [issue(unit="SH")]
    caught_up(client, auth, made[-1]["position"])
    signed_in(client, auth, "inspector")
    seen, query = [], "?unit=BJ&limit=2"
    while True:
        ids, text = listed(client, query)
        assert 0 < len(ids) <= 2
        seen += ids
        following = NEXT.search(text)
        if following is None:
            break
        query = following.group(1).replace("&amp;", "&").removeprefix("/console/findings")
        assert "unit=BJ" in query and "cursor=" in query
    assert seen == [f["id"] for f in reversed(made[:5])]
    assert 'href="/console/findings?unit=BJ&amp;limit=2">第一页' in text


def test_the_list_speaks_english_with_the_sessions_language(client, auth, issue, projector):
    finding = issue()
    caught_up(client, auth, finding["position"])
    signed_in(client, auth, "bj")
    ids, text = listed(client, "?lang=en")
    assert ids == [finding["id"]]
    assert "Findings" in text and "Due date" in text and "Issued" in text and "Serious" in text
    assert "问题清单" not in text
    assert "Due date" in listed(client, "?status=issued")[1]  # kept in the session
    assert "整改期限" in listed(client, "?lang=zh")[1]


def test_an_invalid_filter_value_is_a_clear_message_not_an_error(client, auth, issue, projector):
    signed_in(client, auth, "inspector")
    for query, field in (
        ("?status=lost", "status"),
        ("?overdue=perhaps", "overdue"),
        ("?warned=maybe", "warned"),
        ("?unit=NOWHERE", "unit"),
        ("?cursor=not-a-cursor!", "cursor"),
        ("?cursor=AAAA", "cursor"),
        ("?limit=0", "limit"),
        ("?colour=red", "colour"),
    ):
        ids, text = listed(client, query, status=400)
        assert ids == [] and "筛选条件无效" in text and f'data-field="{field}"' in text, query
    _, text = listed(client, "?status=lost&lang=en", status=400)
    assert "A filter is not valid" in text and "Status" in text


def test_the_api_lists_by_the_workbench_filters_too(client, auth, issue, projector):
    sent_back = issue()
    rectified(client, auth, sent_back)
    rejected = ok(command(client, sent_back, "review", auth["reviewer"], outcome="rejected", comment="佐证不足"))
    other = issue()
    caught_up(client, auth, max(rejected["position"], other["position"]))
    for query, expected in (("rejected=true", [sent_back]), ("rejected=false", [other]), ("escalated=true", [])):
        page = ok(client.get(f"{API}/findings?{query}", headers=auth["inspector"]))
        assert [item["id"] for item in page["items"]] == [f["id"] for f in expected], query
    assert client.get(f"{API}/findings?warned=sometimes", headers=auth["inspector"]).status_code == 422


DUE_HEADER = re.compile(r'<th( aria-sort="(\w+)")?><a class="sort[^"]*" href="([^"]+)"')


def test_the_due_date_heading_sorts_by_deadline_long_term_items_last_and_the_pages_keep_the_order(
    client, auth, issue, projector
):
    later, long_term = issue(due_date=days_from_today(30)), issue(term="long", due_date=None)
    soon, elsewhere = issue(due_date=days_from_today(3)), issue(unit="SH", due_date=days_from_today(1))
    late = issue(due_date=days_from_today(-5), occurred_at=f"{days_from_today(-20)}T09:00:00+08:00")
    caught_up(client, auth, late["position"])
    signed_in(client, auth, "inspector")
    _, text = listed(client, "?unit=BJ&limit=2")
    assert DUE_HEADER.search(text).group(2) is None  # newest first: the heading offers the order by due date
    seen, query = [], DUE_HEADER.search(text).group(3).replace("&amp;", "&").removeprefix("/console/findings")
    assert "sort=due_date" in query and "unit=BJ" in query and "cursor" not in query
    while query:
        ids, text = listed(client, query)
        seen += ids
        assert DUE_HEADER.search(text).group(2) == "ascending" and '<option value="due_date" selected>' in text
        following = NEXT.search(text)
        query = following.group(1).replace("&amp;", "&").removeprefix("/console/findings") if following else None
        assert query is None or ("sort=due_date" in query and "unit=BJ" in query and "cursor=" in query)
    assert seen == [late["id"], soon["id"], later["id"], long_term["id"]] and elsewhere["id"] not in seen
    reverse = DUE_HEADER.search(text).group(3).replace("&amp;", "&").removeprefix("/console/findings")
    assert "sort=-due_date" in reverse and "cursor" not in reverse  # a second click: the latest deadline first
    ids, text = listed(client, reverse)
    assert ids == [later["id"], soon["id"]] and DUE_HEADER.search(text).group(2) == "descending"
    assert "整改期限最远在前" in text and "（由远及近）" in text
    assert '<a href="/console/findings">清除</a>' in text  # the form's words are words, not a dict's methods


def test_the_sort_select_of_the_form_orders_the_list_as_the_api_does(client, auth, issue, projector):
    made = [issue(due_date=days_from_today(n)) for n in (9, 2, 5)] + [issue(term="long", due_date=None)]
    caught_up(client, auth, made[-1]["position"])
    signed_in(client, auth, "bj")
    for sort in ("newest", "due_date", "-due_date"):
        ids, text = listed(client, f"?sort={sort}&q=&lang=en")
        api = ok(client.get(f"{API}/findings?sort={sort}", headers=auth["bj"]))
        assert ids == [item["id"] for item in api["items"]] and len(ids) == 4, sort
        assert f'<option value="{sort}" selected>' in text and "Soonest deadline first" in text
    assert listed(client, "?sort=due_date")[0][:3] == [made[1]["id"], made[2]["id"], made[0]["id"]]
    ids, text = listed(client, "?sort=soonest", status=400)
    assert ids == [] and 'data-field="sort"' in text and "Order: Must be one of" in text  # still in English


def test_a_cursor_of_one_order_is_refused_under_another_on_the_page_too(client, auth, issue, projector):
    last = [issue(due_date=days_from_today(n)) for n in range(3)][-1]
    caught_up(client, auth, last["position"])
    signed_in(client, auth, "inspector")
    _, text = listed(client, "?sort=due_date&limit=1")
    cursor = re.search(r"cursor=([A-Za-z0-9_-]+)", NEXT.search(text).group(1)).group(1)
    ids, text = listed(client, f"?limit=1&cursor={cursor}", status=400)
    assert ids == [] and 'data-field="cursor"' in text and "sorted by due_date, not by newest" in text
