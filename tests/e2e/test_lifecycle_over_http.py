"""One finding's whole life over HTTP, against the real `rectify serve` (gunicorn, two workers) on loopback.

Under RECTIFY_TEST_NOW the server, its projector and the `rectify` commands keep the tests' clock:
tests/conftest.py starts them with tests/e2e/clock on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.reliability.serving import child_pids

pytestmark = pytest.mark.e2e

RECTIFY = [sys.executable, "-m", "service.cli"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Straight to loopback: a proxy from the environment must not carry these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Server:
    """A running `rectify serve`, the environment its commands share, and its log."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any, Any]:
        """Status, JSON body and headers of one request."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with OPENER.open(request, timeout=10) as response:
                return response.status, json.loads(response.read()), response.headers
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read()), error.headers

    def rectify(self, *argv: str) -> str:
        """Run a `rectify` command against the same store and return what it printed."""
        done = subprocess.run([*RECTIFY, *argv], env=self.env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rectify serve --workers 2` on a fresh SQLite file, up once /healthz answers."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "RECTIFY_DATABASE_URL": f"sqlite:///{folder}/e2e.db"}
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*RECTIFY, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Server(f"http://127.0.0.1:{port}", env, process, log)
    try:
        wait_until_healthy(running)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def wait_until_healthy(server: Server, timeout: float = 20) -> None:
    """Poll /healthz until it answers 200; fail with the server's log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"rectify serve exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            if server.call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"rectify serve did not answer /healthz within {timeout} s:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def tokens(server: Server) -> dict[str, str]:
    """A unit and the people who work on its findings, made with the command line while the service runs."""
    server.rectify("units", "add", "BJ", "--name", "北京分公司")
    people = {
        "wang.min": ["--role", "inspector"],
        "bj.liu": ["--role", "unit", "--unit", "BJ"],
        "li.qiang": ["--role", "reviewer"],
    }
    # One after another: side by side, Accounts.add_user's retry after a clash re-saves a User whose
    # events the failed save already took, and the user is listed but never stored (a known bug).
    return {name: last_line(server.rectify("users", "add", name, *argv), "rfy_") for name, argv in people.items()}


def last_line(output: str, prefix: str) -> str:
    """The last printed line that starts with `prefix`."""
    return [line for line in output.splitlines() if line.startswith(prefix)][-1]


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's children other than the projector."""
    return [pid for pid, command in child_pids(master).items() if "service.cli project" not in command]


def projector_pids(master: int) -> list[int]:
    return [pid for pid, command in child_pids(master).items() if "service.cli project" in command]


def test_serve_tells_where_the_api_is_and_how_to_get_a_token(server: Server) -> None:
    printed = server.log.read_text()
    assert f"{server.url}/api/v1/docs" in printed
    assert "rectify users add NAME --role" in printed


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from /proc")
def test_gunicorn_master_runs_two_workers(server: Server) -> None:
    deadline = time.monotonic() + 10
    while len(worker_pids(server.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(worker_pids(server.process.pid)) == 2


def test_serve_runs_one_projector_so_lists_read_their_own_writes(server: Server, tokens: dict[str, str]) -> None:
    assert len(projector_pids(server.process.pid)) == 1
    status, issued, _ = server.call(
        "POST", "/api/v1/findings", tokens["wang.min"], finding_body(title="读写一致性核对")
    )
    assert status == 201
    status, page, _ = server.call(
        "GET", f"/api/v1/findings?q=%E8%AF%BB%E5%86%99&min_position={issued['position']}", tokens["li.qiang"]
    )
    assert status == 200, page
    assert [item["reference"] for item in page["items"]] == [issued["reference"]]


def test_requests_without_a_token_are_refused(server: Server) -> None:
    status, body, headers = server.call("GET", "/api/v1/findings/00000000-0000-0000-0000-000000000000")
    assert status == 401 and body["code"] == "not_authenticated"
    assert headers["WWW-Authenticate"].startswith("Bearer")


def finding_body(**overrides: Any) -> dict[str, Any]:
    """A valid body for issuing a finding to BJ, due in a month."""
    body = {
        "source": "inspection",
        "batch": "2026年第三轮巡察",
        "title": "公务接待超标准",
        "description": "接待费用超出标准12%。",
        "category": "作风建设",
        "severity": "serious",
        "unit": "BJ",
        "due_date": days_from_today(30),
    }
    return body | overrides


def days_from_today(days: int) -> str:
    """The ISO date `days` after today in Shanghai, by the tests' clock."""
    return (datetime.now(SHANGHAI).date() + timedelta(days=days)).isoformat()


LATER = days_from_today(60)
# Who does what after the inspector issues the finding, the event it records, and the status it leaves.
LIFE = [
    ("bj.liu", "assign", {"assignee": "张伟", "note": "请按期整改"}, "Assigned", "assigned"),
    ("bj.liu", "rectify", {"measures": "已清退超标费用", "evidence": ["整改报告.pdf"]}, "Rectified", "rectified"),
    ("li.qiang", "review", {"outcome": "rejected", "comment": "佐证材料不充分"}, "Reviewed", "assigned"),
    ("bj.liu", "rectify", {"measures": "已清退并修订制度", "evidence": ["制度.pdf"]}, "Rectified", "rectified"),
    ("li.qiang", "review", {"outcome": "accepted", "comment": "同意销号"}, "Reviewed", "closed"),
    ("wang.min", "reopen", {"reason": "回头看发现问题反弹"}, "Reopened", "assigned"),
    ("wang.min", "extend", {"due_date": LATER, "reason": "重新整改"}, "DeadlineExtended", "assigned"),
    ("wang.min", "escalate", {"note": "请于5个工作日内报送整改情况"}, "Escalated", "assigned"),
    ("wang.min", "withdraw", {"reason": "经复核系重复认定"}, "Withdrawn", "withdrawn"),
]


def test_a_finding_lives_from_issue_to_withdrawal(server: Server, tokens: dict[str, str]) -> None:
    status, issued, headers = server.call("POST", "/api/v1/findings", tokens["wang.min"], finding_body())
    assert status == 201, issued
    assert (issued["status"], issued["version"]) == ("issued", 1) and issued["reference"].startswith("XC-")
    path = f"/api/v1/findings/{issued['id']}"
    assert headers["Location"].endswith(path)
    for person, command, body, _, expected in LIFE:
        status, answer, headers = server.call("POST", f"{path}/{command}", tokens[person], body)
        assert (status, answer.get("status")) == (200, expected), (command, answer)
        assert headers["ETag"] == f'"{answer["version"]}"'
    status, finding, _ = server.call("GET", path, tokens["li.qiang"])
    assert status == 200
    assert (finding["status"], finding["version"], finding["due_date"]) == ("withdrawn", 10, LATER)
    counters = ("rejections", "reopenings", "extensions", "escalations")
    assert [finding[counter] for counter in counters] == [1, 1, 1, 1]


def test_history_lists_every_event_in_order_with_increasing_positions(server: Server, tokens: dict[str, str]) -> None:
    status, issued, _ = server.call("POST", "/api/v1/findings", tokens["wang.min"], finding_body(title="公车私用"))
    assert status == 201, issued
    positions = [issued["position"]]
    for person, command, body, _, _ in LIFE:
        answer = server.call("POST", f"/api/v1/findings/{issued['id']}/{command}", tokens[person], body)[1]
        positions.append(answer["position"])
    status, history, _ = server.call("GET", f"/api/v1/findings/{issued['id']}/history", tokens["wang.min"])
    assert status == 200 and history["finding"]["status"] == "withdrawn"
    events = history["events"]
    assert [(e["type"], e["actor"]) for e in events] == [("Issued", "wang.min")] + [(e, p) for p, _, _, e, _ in LIFE]
    assert [event["version"] for event in events] == list(range(1, 11))
    assert [event["position"] for event in events] == positions == sorted(set(positions))
    assert [event["occurred_at"] for event in events] == sorted(event["occurred_at"] for event in events)
    assert [event["data"].get("outcome") for event in events if event["type"] == "Reviewed"] == ["rejected", "accepted"]


def test_the_service_and_its_commands_keep_the_clock_of_the_tests(
    server: Server, tokens: dict[str, str], tmp_path: Path
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)  # the processes' clocks agree to well within a second
    status, issued, _ = server.call("POST", "/api/v1/findings", tokens["wang.min"], finding_body(title="时钟核对"))
    assert status == 201, issued
    events = server.call("GET", f"/api/v1/findings/{issued['id']}/history", tokens["wang.min"])[1]["events"]
    output = tmp_path / "circular.json"
    server.rectify("circular", "--format", "json", "-o", str(output))
    after = datetime.now(UTC) + timedelta(seconds=1)
    moments = {
        "the worker's clock": events[0]["occurred_at"],
        "the event store's timestamp": events[0]["recorded_at"],
        "`rectify circular`'s clock": json.loads(output.read_text(encoding="utf-8"))["as_known_at"],
    }
    for clock, moment in moments.items():
        assert before <= datetime.fromisoformat(moment) <= after, (clock, moment, before, after)


def test_a_broken_rule_is_a_conflict_and_records_nothing(server: Server, tokens: dict[str, str]) -> None:
    body = finding_body(source="audit", batch="2026年度财务审计", title="往来款项长期挂账未清理", category="财经管理")
    status, issued, _ = server.call("POST", "/api/v1/findings", tokens["wang.min"], body)
    assert status == 201 and issued["reference"].startswith("SJ-")
    review = {"outcome": "accepted", "comment": "同意"}
    status, answer, _ = server.call("POST", f"/api/v1/findings/{issued['id']}/review", tokens["li.qiang"], review)
    assert status == 409 and answer["code"] == "invalid_transition"
    assert server.call("GET", f"/api/v1/findings/{issued['id']}", tokens["bj.liu"])[1]["version"] == 1


def test_the_served_projector_seals_the_log_and_the_circular_carries_a_seal_verify_confirms(
    server: Server, tokens: dict[str, str]
) -> None:
    status, issued, _ = server.call("POST", "/api/v1/findings", tokens["wang.min"], finding_body(title="封印核对"))
    assert status == 201, issued
    deadline = time.monotonic() + 30
    while True:  # a 503 (with Retry-After) says the projector or the sealer has not got there yet: ask again
        status, circular, _ = server.call(
            "GET", f"/api/v1/circulars/weekly?min_position={issued['position']}", tokens["li.qiang"]
        )
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, circular
    seal = circular["seal"]
    assert seal["position"] >= issued["position"] and len(seal["seal"]) == 64
    status, verdict, _ = server.call(
        "GET", f"/api/v1/audit/verify?position={seal['position']}&seal={seal['seal']}", tokens["li.qiang"]
    )
    assert status == 200 and verdict["ok"] is True, verdict
    printed = f"{seal['position']}:{seal['seal']}"
    assert "intact:" in server.rectify("verify", "--checkpoint", printed)


def test_sigterm_stops_the_master_and_its_workers_cleanly(server: Server) -> None:
    workers = worker_pids(server.process.pid)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0, server.log.read_text()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert "Shutting down: Master" in server.log.read_text()
