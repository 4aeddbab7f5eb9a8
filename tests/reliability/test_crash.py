"""SIGKILL a worker, the whole server, then the projector, under load: nothing acknowledged lost or doubled."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import sqlite_server
from tests.reliability.serving import Server, finding_body, kill_quietly, wait_for

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

CLIENTS = 3


@dataclass
class Command:
    """One command as a client sends it; a client that got no answer sends it again with the same key."""

    path: str
    body: dict[str, Any]
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    answer: dict[str, Any] | None = None  # the 2xx answer, once there is one


class Client(threading.Thread):
    """Issues findings and assigns each twice, every command with an Idempotency-Key, retrying unanswered ones."""

    def __init__(self, server: Server, token: str, number: int):
        super().__init__(daemon=True)
        self.server, self.token, self.number = server, token, number
        self.commands: list[Command] = []
        self.stopping = threading.Event()

    def send(self, command: Command) -> bool:
        try:
            status, body, _ = self.server.call(
                "POST", command.path, self.token, command.body, headers={"Idempotency-Key": command.key}, timeout=10
            )
        except (OSError, http.client.HTTPException):
            return False  # killed mid-request or mid-answer, or not listening yet: the same key again later
        if 200 <= status < 300:
            command.answer = body
        return command.answer is not None

    def send_until_answered(self, command: Command) -> bool:
        self.commands.append(command)
        while not self.stopping.is_set():
            if self.send(command):
                time.sleep(0.05)  # a busy office, not a benchmark
                return True
            time.sleep(0.2)
        return False

    def run(self) -> None:
        due = (date.today() + timedelta(days=30)).isoformat()
        for serial in itertools.count():
            issue = Command("/api/v1/findings", finding_body(f"崩溃演练 {self.number}-{serial}", due))
            if not self.send_until_answered(issue):
                return
            assert issue.answer is not None
            for turn in range(2):
                assignee = f"整改人{self.number}-{serial}-{turn}"
                assign = Command(f"/api/v1/findings/{issue.answer['id']}/assign", {"assignee": assignee})
                if not self.send_until_answered(assign):
                    return


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    # The load runs well over the per-token limit a person would meet: it measures crashes, not limits.
    running = sqlite_server(tmp_path, RECTIFY_RATE_LIMIT_TOKEN="off", RECTIFY_RATE_LIMIT_AUTH="off")
    if request.param == "postgres":
        running.env["RECTIFY_DATABASE_URL"] = request.getfixturevalue("postgres_cluster").url
    try:
        running.start()
        yield running
    finally:
        running.stop()


def every_finding(server: Server, token: str) -> list[dict[str, Any]]:
    """The whole list, page after page, as the read model serves it."""
    items, cursor = [], ""
    while True:
        status, page, _ = server.call("GET", f"/api/v1/findings?limit=200{cursor}", token)
        assert status == 200, page
        items += page["items"]
        if not page.get("next_cursor"):
            return sorted(items, key=lambda item: item["reference"])
        cursor = f"&cursor={page['next_cursor']}"


def caught_up(server: Server) -> bool:
    status, body, _ = server.call("GET", "/readyz")
    return status == 200 and body["lag"] == 0


def test_sigkills_under_load_lose_nothing_acknowledged_and_double_nothing(server: Server) -> None:
    tokens = server.add_people()
    clients = [Client(server, tokens["inspector"], number) for number in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)
        os.kill(server.workers_now()[0], signal.SIGKILL)
        time.sleep(1)
        workers = server.workers_now()
        server.kill()
        for pid in workers:
            kill_quietly(pid, signal.SIGKILL)
        time.sleep(0.5)
        server.start()
        time.sleep(1)
        os.kill(wait_for(server.projectors_now, 10, "the new server's projector")[0], signal.SIGKILL)
        time.sleep(1)
    finally:
        for client in clients:
            client.stopping.set()
        for client in clients:
            client.join(timeout=20)

    commands = [command for client in clients for command in client.commands]
    acknowledged = [command for command in commands if command.answer is not None]
    head = server.call("GET", "/readyz")[1]["head"]
    for command in acknowledged:  # the same key again: the first answer back, nothing new recorded
        status, body, _ = server.call(
            "POST", command.path, tokens["inspector"], command.body, headers={"Idempotency-Key": command.key}
        )
        assert 200 <= status < 300 and body["position"] == command.answer["position"], body
    assert server.call("GET", "/readyz")[1]["head"] == head

    stored: Counter[str] = Counter()  # what each acknowledged command left in the log
    for finding in {command.answer["id"] for command in acknowledged}:
        status, history, _ = server.call("GET", f"/api/v1/findings/{finding}/history", tokens["inspector"])
        assert status == 200, history
        for event in history["events"] if isinstance(history, dict) else history:
            stored[event["data"].get("assignee") or event["data"].get("title") or event["type"]] += 1
    names = [command.body.get("assignee") or command.body["title"] for command in acknowledged]
    duplicated = [name for name in names if stored[name] > 1]
    missing = [name for name in names if stored[name] == 0]
    print(
        f"crash run: {len(acknowledged)} acknowledged, {len(names) - len(missing)} stored, "
        f"{len(duplicated)} duplicated, {len(commands) - len(acknowledged)} never answered"
    )
    assert len(acknowledged) > 10 and not missing and not duplicated

    wait_for(lambda: caught_up(server), 20, f"the projector to catch up ({server.call('GET', '/readyz')[1]})")
    served = every_finding(server, tokens["inspector"])
    server.stop()
    server.rectify("project", "--rebuild", "--until-caught-up")
    server.start()
    assert every_finding(server, tokens["inspector"]) == served
