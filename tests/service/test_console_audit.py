"""审计 (`/console/audit`): the API's audit query, paged by its cursor, its CSV export, and the check of the seals."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.service.console_helpers import caught_up, signed_in
from tests.service.helpers import API, SHANGHAI, assigned, days_from_today, ok, rectified
from tests.service.tampering import RawLog, sealed

ENTRY = re.compile(r'<tr class="entry ([^"]*)" data-position="(\d+)">')
NEXT = re.compile(r'<a rel="next" href="([^"]+)">')
EXPORT = re.compile(r'<a class="export" href="([^"]+)"')
VERDICT = re.compile(r'<section class="verdict \w+" role="status"\s+data-verdict="(\w+)"(?: data-problem="(\w+)")?')


def audit_page(client: FlaskClient, query: str = "", status: int = 200) -> tuple[list[int], str]:
    """The positions of the entries a page lists, in its order, and the page's text."""
    response = client.get(f"/console/audit{query}")
    assert response.status_code == status, response.status_code
    text = response.get_data(as_text=True)
    return [int(position) for _, position in ENTRY.findall(text)], text


def api_entries(client: FlaskClient, auth, **query) -> dict:
    return ok(client.get(f"{API}/audit", query_string=query, headers=auth["auditor"]))


def verdict_of(text: str) -> tuple[str, str | None]:
    found = VERDICT.search(text)
    assert found, text
    return found.group(1), found.group(2) or None


@pytest.fixture
def history(client, auth, issue, projector) -> list[dict]:
    """Findings with some history, one issued back-dated, one of SH's; every event projected."""
    earlier = f"{days_from_today(-20)}T09:00:00+08:00"
    late = issue(occurred_at=earlier, due_date=days_from_today(40))
    rectified(client, auth, late)
    other = issue(unit="SH", source="audit")
    last = assigned(client, auth, other, by="sh")
    caught_up(client, auth, last["position"])
    return [late, other]


def test_the_page_lists_the_entries_the_api_lists_for_the_same_filters(client, auth, history, application):
    late, other = history
    signed_in(client, auth, "auditor")
    queries = {
        "": {},
        "?type=Assigned": {"type": "Assigned"},
        "?actor=bj": {"actor": "bj"},
        f"?finding={late['reference']}": {"finding": late["reference"]},
        "?unit=SH": {"unit": "SH"},
        "?backdated_over=10": {"backdated_over": 10},
        "?actor=&type=&unit=SH": {"unit": "SH"},  # empty fields of the form are no filter
    }
    for query, filters in queries.items():
        positions, _ = audit_page(client, query)
        expected = [item["position"] for item in api_entries(client, auth, **filters)["items"]]
        assert positions == expected and positions, query
    assert audit_page(client, "?actor=nobody")[0] == []
    _, text = audit_page(client, f"?finding={late['reference']}")
    assert "下发" in text and "报送整改" in text and "补录" in text and "封印一致" in text
    assert f'href="/console/findings/{late["id"]}"' in text and 'data-form="audit"' in text


def test_times_picked_in_the_form_are_read_in_the_services_time_zone(client, auth, history):
    signed_in(client, auth, "auditor")
    since = datetime.now(SHANGHAI) - timedelta(days=10)
    local = since.strftime("%Y-%m-%dT%H:%M:%S")  # as a datetime-local field sends it: no offset
    positions, text = audit_page(client, f"?occurred_since={local}")
    moment = since.replace(microsecond=0).isoformat()
    expected = [item["position"] for item in api_entries(client, auth, occurred_since=moment)["items"]]
    assert positions == expected and 0 < len(positions) < len(api_entries(client, auth, limit=200)["items"])
    assert f'value="{local}"' in text


def test_pages_follow_the_apis_cursor(client, auth, history):
    signed_in(client, auth, "auditor")
    seen, query, api_cursor = [], "?type=Issued&limit=1", None
    while True:
        positions, text = audit_page(client, query)
        api = api_entries(client, auth, type="Issued", limit=1, **({"cursor": api_cursor} if api_cursor else {}))
        assert positions == [item["position"] for item in api["items"]]
        seen += positions
        following = NEXT.search(text)
        assert (following is None) == (api["next_cursor"] is None)
        if following is None:
            break
        query, api_cursor = html.unescape(following.group(1)).removeprefix("/console/audit"), api["next_cursor"]
        assert f"cursor={api_cursor}" in query and "type=Issued" in query
    assert len(seen) == 2 and seen == sorted(seen)
    assert audit_page(client, "?cursor=not-a-cursor", status=422)[1].count('data-field="cursor"') == 1


def test_export_is_the_apis_csv_for_the_same_query(client, auth, history):
    signed_in(client, auth, "auditor")
    _, text = audit_page(client, "?type=Assigned&limit=1")
    link = html.unescape(EXPORT.search(text).group(1))
    assert "cursor" not in link and "limit" not in link  # every entry of the query, not one page
    exported = client.get(link)
    api = client.get(f"{API}/audit", query_string={"type": "Assigned", "format": "csv"}, headers=auth["auditor"])
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="audit.csv"'
    assert exported.data == api.data and exported.data.decode("utf-8-sig").count("\n") == 3  # a header, two rows


def test_invalid_filters_are_named_on_the_page(client, auth, history):
    signed_in(client, auth, "auditor")
    for query, field in (
        ("?since=yesterday", "since"),
        ("?type=Deleted", "type"),
        ("?unit=NOWHERE", "unit"),
        ("?occurred_since=2026-02-30T10:00", "occurred_since"),  # a day the calendar lacks, as a picker's text
        ("?until=2026-13-01T00:00:00", "until"),
    ):
        _, text = audit_page(client, query, status=422)
        assert f'data-field="{field}"' in text and "查询条件无效" in text, query
    assert client.get("/console/audit/export?backdated_over=-1").status_code == 422
    assert client.get("/console/audit/export?since=2026-02-30T10:00").status_code == 422


def test_verify_is_intact_then_broken_where_a_record_was_changed(client, auth, history, application, store_url):
    head = sealed(application, store_url)
    signed_in(client, auth, "auditor")
    api = ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))
    response = client.get("/console/audit/verify")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and verdict_of(text) == ("intact", None)
    assert f"{head}:{api['head']['seal']}" in text and "记录链完好" in text and 'data-form="verify"' in text
    printed = client.get("/console/audit/verify", query_string=api["head"]).get_data(as_text=True)
    assert verdict_of(printed) == ("intact", None) and "与通报上的数据校验码一致" in printed

    late = history[0]["reference"]
    changed = api_entries(client, auth, finding=late, type="Assigned")["items"][0]["position"]
    RawLog(store_url).edit(changed, "王芳".encode(), "张三".encode())
    broken = client.get("/console/audit/verify").get_data(as_text=True)
    assert verdict_of(broken) == ("broken", "edited")
    assert f'data-position="{changed}"' in broken and f"记录链在位置 {changed} 断开" in broken
    against = client.get("/console/audit/verify", query_string=api["head"]).get_data(as_text=True)
    assert verdict_of(against)[0] == "broken"
    classes = dict((int(p), c) for c, p in ENTRY.findall(audit_page(client)[1]))
    assert "integrity-edited" in classes[changed]


def test_a_printed_seal_that_is_not_the_chains_is_refuted(client, auth, history, application, store_url):
    head = sealed(application, store_url)
    signed_in(client, auth, "auditor")
    seal = ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))["head"]["seal"]
    text = client.get("/console/audit/verify", query_string={"position": head - 1, "seal": seal}).get_data(as_text=True)
    assert verdict_of(text) == ("broken", "checkpoint") and "不一致" in text
    malformed = client.get("/console/audit/verify", query_string={"position": head})
    assert malformed.status_code == 422 and 'data-field="seal"' in malformed.get_data(as_text=True)
    assert "data-verdict" not in malformed.get_data(as_text=True)


def test_a_unit_user_gets_the_403_page_and_an_inspector_may_audit(client, auth, history, app):
    signed_in(client, auth, "bj")
    for path in ("/console/audit", "/console/audit/export", "/console/audit/verify"):
        response = client.get(path)
        assert response.status_code == 403 and 'data-error="403"' in response.get_data(as_text=True), path
    inspector = app.test_client()
    signed_in(inspector, auth, "inspector")
    assert audit_page(inspector)[0]


def test_the_page_is_in_english_when_asked(client, auth, history, application, store_url):
    sealed(application, store_url)
    signed_in(client, auth, "auditor")
    _, text = audit_page(client, "?lang=en&type=Rectified")
    assert "Query the record" in text and "Verify the record" in text and "Rectified" in text and "Sealed" in text
    assert "查询记录" not in text and "封印一致" not in text and "报送整改" not in text
    verdict = client.get("/console/audit/verify").get_data(as_text=True)
    assert "The record is intact" in verdict and "records checked" in verdict and "记录链" not in verdict
