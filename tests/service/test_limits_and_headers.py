"""What one client may send (body size, failed authentications, requests per token), and what every answer carries."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from service import create_app
from service.application import Rectify
from tests.service.conftest import finding_body
from tests.service.helpers import API, assert_error, last_position, ok

FIFTY_MB = 50 * 1024 * 1024
WRONG = {"Authorization": "Bearer rfy_wrong"}


def client_with(application: Rectify, store_url: str, **settings: str) -> FlaskClient:
    """A test client of an app with these settings over the fixtures' store (one worker unless they say more)."""
    config = {"RECTIFY_DATABASE_URL": store_url, "TESTING": True, "WEB_CONCURRENCY": "1", **settings}
    return create_app(config, application=application).test_client()


class CountingStream:
    """A request body of `size` bytes that remembers how much of it the server read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= size
        self.read_bytes += size
        return b" " * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def chunked_post(client: FlaskClient, path: str, body: CountingStream, headers: dict[str, str]):
    """POST a body with no Content-Length, as a chunked request reaches the application."""
    environ = EnvironBuilder(path=path, method="POST", headers=headers, content_type="application/json").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": body, "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})
    app = client.application
    return app.response_class.from_app(app, environ, buffered=True)


# Bodies.


def test_a_fifty_megabyte_body_is_413_at_once_and_records_nothing(client, auth, application):
    before = last_position(application)
    body = b'{"title": "' + b"x" * FIFTY_MB + b'"}'
    started = time.perf_counter()
    response = client.post(f"{API}/findings", data=body, content_type="application/json", headers=auth["inspector"])
    elapsed = time.perf_counter() - started
    assert_error(response, 413, "body_too_large")
    assert "1024 KB" in response.get_json()["message"]
    assert elapsed < 1.0, elapsed
    assert last_position(application) == before


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_MAX_BODY_KB="4")
    before = last_position(application)
    body = CountingStream(FIFTY_MB)
    response = chunked_post(client, f"{API}/findings", body, auth["inspector"])
    assert_error(response, 413, "body_too_large")
    assert body.read_bytes <= 64 * 1024, body.read_bytes  # read up to the limit, not to the end
    assert last_position(application) == before


def test_a_body_within_the_limit_is_judged_as_ever(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_MAX_BODY_KB="4")
    ok(client.post(f"{API}/findings", json=finding_body(), headers=auth["inspector"]), 201)
    response = client.post(f"{API}/findings", json=finding_body(description="长" * 2000), headers=auth["inspector"])
    assert_error(response, 413, "body_too_large")


# Rate limits.


def assert_rate_limited(response) -> int:
    """A 429 in the contract's shape, and the whole seconds its Retry-After asks the client to wait."""
    assert_error(response, 429, "too_many_requests")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60, seconds
    return seconds


def test_failed_authentications_from_one_address_are_limited(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_RATE_LIMIT_AUTH="20/minute")
    for _ in range(20):
        assert_error(client.get(f"{API}/units", headers=WRONG), 401)
    assert_rate_limited(client.get(f"{API}/units", headers=WRONG))
    assert_rate_limited(client.get(f"{API}/units"))  # no token at all is a failure too
    assert_rate_limited(client.post(f"{API}/findings", json=finding_body(), headers=WRONG))
    # A valid token from the same address (an office behind one NAT) is not held up by someone else's wrong ones.
    assert client.get(f"{API}/units", headers=auth["auditor"]).status_code == 200
    elsewhere = {"REMOTE_ADDR": "10.9.8.7"}
    assert_error(client.get(f"{API}/units", headers=WRONG, environ_base=elsewhere), 401)
    assert client.get(f"{API}/units", headers=auth["auditor"], environ_base=elsewhere).status_code == 200


def test_successful_requests_do_not_count_as_failed_authentications(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_RATE_LIMIT_AUTH="3/minute")
    for _ in range(10):
        assert client.get(f"{API}/units", headers=auth["auditor"]).status_code == 200
    assert client.get(f"{API}/healthz").status_code != 429


def test_requests_per_token_are_limited_and_other_tokens_go_on(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_RATE_LIMIT_TOKEN="5/minute")
    for _ in range(5):
        assert client.get(f"{API}/units", headers=auth["auditor"]).status_code == 200
    assert_rate_limited(client.get(f"{API}/units", headers=auth["auditor"]))
    assert_rate_limited(client.post(f"{API}/findings", json=finding_body(), headers=auth["auditor"]))
    assert client.get(f"{API}/units", headers=auth["inspector"]).status_code == 200


def test_each_worker_keeps_its_share_of_a_limit_held_in_memory(auth, application, store_url):
    client = client_with(application, store_url, RECTIFY_RATE_LIMIT_TOKEN="20/minute", WEB_CONCURRENCY="4")
    for _ in range(5):
        assert client.get(f"{API}/units", headers=auth["auditor"]).status_code == 200
    assert_rate_limited(client.get(f"{API}/units", headers=auth["auditor"]))


def test_off_turns_either_limit_off(auth, application, store_url):
    client = client_with(
        application, store_url, RECTIFY_RATE_LIMIT_AUTH="off", RECTIFY_RATE_LIMIT_TOKEN="off", WEB_CONCURRENCY="8"
    )
    for _ in range(30):
        assert_error(client.get(f"{API}/units", headers=WRONG), 401)
    for _ in range(30):
        assert client.get(f"{API}/units", headers=auth["auditor"]).status_code == 200


# Headers and the request log.


def test_api_answers_are_never_cached_or_sniffed_and_carry_a_request_id(client, auth):
    for response in (
        client.get(f"{API}/units", headers=auth["auditor"]),
        client.get(f"{API}/units"),
        client.get(f"{API}/findings/nonsense", headers=auth["auditor"]),
        client.get(f"{API}/openapi.json"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert client.get(f"{API}/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_a_sane_request_id_is_echoed_and_any_other_replaced(client, auth):
    given = client.get(f"{API}/units", headers=auth["auditor"] | {"X-Request-Id": "office-7.req:42"})
    assert given.headers["X-Request-Id"] == "office-7.req:42"
    for bad in ("a b", "x" * 65, "<script>", "id\u00e9"):
        answer = client.get(f"{API}/units", headers=auth["auditor"] | {"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"]), bad


def test_each_request_is_one_json_line_an_auditor_can_join_to_the_events(client, auth, capsys):
    capsys.readouterr()
    headers = auth["inspector"] | {"X-Request-Id": "join-me"}
    issued = ok(client.post(f"{API}/findings", json=finding_body(), headers=headers), 201)
    client.get(f"{API}/findings/{issued['id']}", headers=auth["auditor"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    command, read = lines[-2:]
    assert command["request_id"] == "join-me" and command["user"] == "inspector"
    assert command["method"] == "POST" and command["route"] == f"{API}/findings" and command["status"] == 201
    assert command["position"] == issued["position"] and command["duration_ms"] >= 0
    assert read["user"] == "auditor" and read["route"] == f"{API}/findings/<uuid:finding_id>"
    assert read["position"] is None and read["status"] == 200
    fields = {"time", "request_id", "user", "method", "route", "path", "status", "duration_ms", "position"}
    assert set(command) == fields


# The API docs page.


@pytest.fixture
def docs_page(client) -> Iterator[str]:
    response = client.get(f"{API}/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    yield response.get_data(as_text=True)


def test_the_docs_page_may_not_be_framed_nor_run_foreign_scripts(client):
    response = client.get(f"{API}/docs")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_docs_page_loads_only_local_assets_and_they_are_served(client, docs_page):
    references = re.findall(r'(?:src|href|data-spec-url)="([^"]+)"', docs_page)
    assert len(references) == 6, references
    assert "<script>" not in docs_page  # no inline script: the policy refuses them
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        with client.get(reference) as response:
            assert response.status_code == 200 and response.get_data(), reference
    assert not re.search(r"https?://", docs_page)
    assert client.get(f"{API}/docs/assets/index.html").status_code == 404
    assert client.get(f"{API}/docs/assets/..%2F__init__.py").status_code == 404
