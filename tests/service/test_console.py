"""The web console (`/console`): sign-in into a session cookie, CSRF on its forms, the 工作台's counts."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from uuid import UUID

from domain.values import WarningLevel
from service import create_app
from tests.service.console_helpers import caught_up, csrf_token, queues, sign_in, signed_in, token_of
from tests.service.helpers import API, assigned, command, days_from_today, ok, rectified, today

CONSOLE = Path(__file__).resolve().parents[2] / "service" / "console"


def test_a_user_signs_in_with_name_and_token_and_sees_the_workbench(client, auth):
    signed_in(client, auth, "bj")
    page = client.get("/console/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "工作台" in text and "bj" in text and "待分派" in text


def test_a_wrong_token_or_another_users_name_is_refused_and_signs_nobody_in(client, auth):
    wrong_token = sign_in(client, "bj", token_of(auth, "bj")[:-4] + "xxxx")
    assert wrong_token.status_code == 401 and "用户名或令牌不正确" in wrong_token.get_data(as_text=True)
    wrong_name = sign_in(client, "sh", token_of(auth, "bj"))
    assert wrong_name.status_code == 401
    assert client.get("/console/").status_code == 302


def test_failed_sign_ins_count_against_the_failed_authentication_limit(auth, application, store_url):
    config = {"RECTIFY_DATABASE_URL": store_url, "TESTING": True, "WEB_CONCURRENCY": "1"}
    client = create_app(config | {"RECTIFY_RATE_LIMIT_AUTH": "3/minute"}, application=application).test_client()
    for _ in range(3):
        assert sign_in(client, "bj", "rfy_wrong").status_code == 401
    refused = sign_in(client, "sh", token_of(auth, "bj"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.get(f"{API}/units", headers={"Authorization": "Bearer rfy_wrong"}).status_code == 429  # one count
    # As in the API, the right token from the same address (an office behind one NAT) is not held up.
    assert sign_in(client, "bj", token_of(auth, "bj")).status_code == 302


def test_a_form_posted_without_its_csrf_token_changes_nothing(client, auth):
    refused = client.post("/console/login", data={"name": "bj", "token": token_of(auth, "bj")})
    assert refused.status_code == 400
    assert client.get("/console/").status_code == 302  # not signed in
    signed_in(client, auth, "bj")
    assert client.post("/console/logout").status_code == 400
    assert client.post("/console/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/console/").status_code == 200  # still signed in


def test_signing_out_ends_the_session(client, auth):
    signed_in(client, auth, "reviewer")
    token = csrf_token(client, "/console/")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_revoked_user_is_sent_back_to_sign_in_on_the_next_request(client, auth, application):
    signed_in(client, auth, "sh")
    assert client.get("/console/").status_code == 200
    application.revoke_user("sh")
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert sign_in(client, "sh", token_of(auth, "sh")).status_code == 401


def test_the_workbench_counts_what_waits_for_a_unit_user_and_a_reviewer(client, auth, issue, projector):
    issue()  # to assign
    assigned(client, auth, issue())  # to rectify
    sent_back = issue()
    rectified(client, auth, sent_back)
    ok(command(client, sent_back, "review", auth["reviewer"], outcome="rejected", comment="佐证不足"))  # rejected back
    rectified(client, auth, issue())  # to review
    late = issue(unit="SH", due_date=days_from_today(-10), occurred_at=f"{days_from_today(-30)}T09:00:00+08:00")
    caught_up(client, auth, late["position"])

    unit = queues(signed_in(client, auth, "bj"))
    assert {key: count for key, (_, _, count) in unit.items()} == {
        "to_assign": 1, "to_rectify": 2, "rejected_back": 1, "overdue": 0, "warned": 0
    }  # fmt: skip
    assert unit["rejected_back"][0] == "/console/findings?status=assigned&rejected=true"
    assert unit["to_assign"][1] == "待分派"

    reviewer = queues(signed_in(client.application.test_client(), auth, "reviewer"))
    assert {key: count for key, (_, _, count) in reviewer.items()} == {"to_review": 1, "overdue": 1, "warned": 0}
    assert reviewer["overdue"][0] == "/console/findings?overdue=true"


def test_the_inspector_sees_escalated_overdue_and_warned_findings(client, auth, issue, application, projector):
    late = issue(due_date=days_from_today(-3), occurred_at=f"{days_from_today(-20)}T09:00:00+08:00")
    ok(command(client, late, "escalate", auth["inspector"], note="逾期未整改"))
    soon = issue(due_date=days_from_today(5))
    warned = application.warn(UUID(soon["id"]), WarningLevel.YELLOW)
    caught_up(client, auth, warned.position)
    counts = {key: count for key, (_, _, count) in queues(signed_in(client, auth, "inspector")).items()}
    assert counts == {"escalated": 1, "overdue": 1, "warned": 1}
    extended = ok(command(client, soon, "extend", auth["inspector"], due_date=days_from_today(60), reason="延期"))
    caught_up(client, auth, extended["position"])
    assert queues(client)["warned"][2] == 0  # a new deadline starts its warnings afresh


def test_the_console_speaks_english_when_asked_and_remembers_it(client, auth):
    signed_in(client, auth, "bj")
    english = queues(client, "?lang=en")
    assert english["to_assign"][1] == "To assign" and english["rejected_back"][1] == "Rejected back"
    assert queues(client)["to_rectify"][1] == "To rectify"  # kept in the session
    assert queues(client, "?lang=zh")["to_rectify"][1] == "待整改"
    assert "Sign in" in client.application.test_client().get("/console/login?lang=en").get_data(as_text=True)


def test_the_workbench_dates_its_counts_as_the_office_writes_a_date(client, auth):
    signed_in(client, auth, "bj")
    day = today()
    assert f"统计截至 {day.year}年{day.month}月{day.day}日" in client.get("/console/").get_data(as_text=True)
    assert f"As of {day.day} " in client.get("/console/?lang=en").get_data(as_text=True)


def test_the_session_cookie_is_http_only_strict_and_expiring(client, auth):
    response = sign_in(client, "bj", token_of(auth, "bj"))
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("rectify_console="))
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/console" in flags
    assert any(flag.startswith("expires=") for flag in flags)
    assert "secure" not in flags  # RECTIFY_SECURE_COOKIES is off by default


def test_the_session_cookie_is_secure_when_configured(auth, application, store_url):
    config = {"RECTIFY_DATABASE_URL": store_url, "TESTING": True, "RECTIFY_SECURE_COOKIES": "1"}
    client = create_app(config, application=application).test_client()
    response = client.get("/console/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("rectify_console="))
    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_console_pages_forbid_framing_foreign_scripts_and_caching(client, auth):
    for response in (client.get("/console/login"), signed_in(client, auth, "bj").get("/console/")):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        assert "script-src" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    with client.get("/console/static/console.css") as stylesheet:
        assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_api_takes_commands_without_csrf_tokens_or_cookies(client, auth, issue):
    signed_in(client, auth, "bj")  # a console session in the same client changes nothing for the API
    finding = issue()
    response = command(client, finding, "assign", auth["bj"], assignee="王芳")
    assert response.status_code == 200 and not response.headers.getlist("Set-Cookie")
    no_token = client.post(f"{API}/findings/{finding['id']}/rectify", json={"measures": "x", "evidence": []})
    assert no_token.status_code == 401  # the session cookie is no credential for the API


def test_a_refused_form_gets_a_page_in_the_users_language_not_json(client, auth):
    signed_in(client, auth, "bj")
    refused = client.post("/console/logout?lang=en")
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "security token; nothing was changed" in refused.get_data(as_text=True)
    assert 'data-menu="findings"' in refused.get_data(as_text=True)  # still signed in, and the page says so
    assert client.get("/console/?lang=zh").status_code == 200  # still signed in
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)


def test_too_many_sign_ins_get_a_page_that_says_when_to_try_again(auth, application, store_url):
    config = {"RECTIFY_DATABASE_URL": store_url, "TESTING": True, "RECTIFY_RATE_LIMIT_AUTH": "1/minute"}
    client = create_app(config, application=application).test_client()
    assert sign_in(client, "bj", "rfy_wrong").status_code == 401
    refused = sign_in(client, "bj", "rfy_wrong")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    wait = refused.headers["Retry-After"]
    assert "尝试次数过多" in refused.get_data(as_text=True) and f"{wait}</p>" in refused.get_data(as_text=True)


def test_the_language_link_keeps_the_pages_query(client, auth):
    signed_in(client, auth, "bj")
    text = client.get("/console/findings?status=issued&q=%E9%97%AE%E9%A2%98").get_data(as_text=True)
    link = re.search(r'<a class="lang" href="([^"]+)">English</a>', text).group(1).replace("&amp;", "&")
    assert link == "/console/findings?status=issued&q=%E9%97%AE%E9%A2%98&lang=en"
    assert "Status" in client.get(link).get_data(as_text=True)


def test_the_menu_shows_each_role_the_pages_it_works_on(client, auth):
    menus = {}
    for name in ("inspector", "bj", "auditor", "reviewer"):
        text = signed_in(client.application.test_client(), auth, name).get("/console/").get_data(as_text=True)
        menus[name] = re.findall(r'data-menu="(\w+)"', text)
    assert menus["inspector"] == ["workbench", "findings", "issue", "imports", "circulars"]
    assert menus["bj"] == menus["reviewer"] == ["workbench", "findings", "circulars"]
    assert menus["auditor"] == ["workbench", "findings", "circulars", "audit"]


def test_no_word_of_any_page_is_named_like_a_method_its_templates_would_reach_instead():
    # A template's `t.clear` finds the dictionary's own `clear` before the word: such a key can never show.
    modules = [importlib.import_module(f"service.console.{path.stem}") for path in CONSOLE.glob("*.py")]
    vocabularies = [module.WORDS for module in modules if isinstance(getattr(module, "WORDS", None), dict)]
    assert len(vocabularies) >= 5
    shadowed = sorted({key for words in vocabularies for key in words} & set(dir(dict)))
    assert shadowed == []
