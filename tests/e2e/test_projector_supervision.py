"""`rectify serve` keeps its projector running, and a projector whose server died does not outlive it."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import sqlite_server
from tests.reliability.serving import Server, finding_body, kill_quietly, projectors_of, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.long]  # processes killed: `make test-long`


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = sqlite_server(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        for pid in projectors_of(tmp_path):
            os.kill(pid, signal.SIGKILL)


def answered(answer: tuple[int, Any, Any]) -> tuple[int, Any, Any] | None:
    """The answer, or None while it is the read model's 503 asking the client to try again shortly."""
    status, body, _ = answer
    return None if status == 503 and body.get("code") == "read_model_lagging" else answer


def read_own_write(server: Server, token: str, title: str) -> None:
    """Issue a finding, then list it with min_position: answered only once the projector has caught up."""
    due = (date.today() + timedelta(days=30)).isoformat()
    status, issued, _ = server.call("POST", "/api/v1/findings", token, finding_body(title, due))
    assert status == 201, issued
    listing = f"/api/v1/findings?min_position={issued['position']}"
    # A projector started moments ago may still be importing: 503 read_model_lagging says to ask again, as
    # a client does; the answer must come once the new projector has caught up, and it must hold the write.
    status, page, _ = wait_for(lambda: answered(server.call("GET", listing, token)), 30, "the read model")
    assert status == 200, page
    assert issued["reference"] in [item["reference"] for item in page["items"]]


def test_a_killed_projector_is_started_again_and_the_read_model_catches_up(server: Server) -> None:
    tokens = server.add_people()
    [first] = wait_for(server.projectors_now, 10, "a projector beside the workers")
    os.kill(first, signal.SIGKILL)
    [second] = wait_for(lambda: [pid for pid in server.projectors_now() if pid != first], 10, "a new projector")
    assert second != first
    read_own_write(server, tokens["inspector"], "投影进程重启后读到自己的写入")
    assert "projector (pid" in server.log.read_text() and "restarting" in server.log.read_text()


def test_a_killed_master_leaves_no_projector_and_the_next_server_projects(server: Server) -> None:
    tokens = server.add_people()
    wait_for(server.projectors_now, 10, "a projector beside the workers")
    workers = server.workers_now()
    server.kill()
    wait_for(lambda: not projectors_of(server.folder), 5, "the orphaned projector to exit")
    for pid in workers:
        kill_quietly(pid, signal.SIGKILL)  # orphaned workers would keep answering on the port for a while
    server.start()
    read_own_write(server, tokens["inspector"], "主进程被杀后新服务接管投影")
