"""Clients that send half a request and wait must not starve the service's workers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import sqlite_server
from tests.reliability.serving import Server

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

SLOW_CLIENTS = 40


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """The default `rectify serve` (two workers, the default worker model) on SQLite."""
    running = sqlite_server(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def half_sent_requests(server: Server, count: int) -> list[socket.socket]:
    """Connections that each send the start of a request (headers cut short, or a body promised) and wait."""
    openings = [
        b"GET /api/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthori",
        b"POST /api/v1/findings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 400\r\n\r\n{"title": ',
    ]
    connections = []
    for number in range(count):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        connection.sendall(openings[number % 2])
        connections.append(connection)
    return connections


def timed(server: Server, path: str, token: str | None = None) -> tuple[int, float]:
    started = time.monotonic()
    status = server.call("GET", path, token, timeout=5)[0]
    return status, time.monotonic() - started


def test_forty_half_sent_requests_leave_health_and_the_api_answering_within_a_second(server: Server) -> None:
    tokens = server.add_people()
    connections = half_sent_requests(server, SLOW_CLIENTS)
    try:
        time.sleep(0.5)  # let the workers take them all in
        answers = [timed(server, "/healthz") for _ in range(5)]
        answers += [timed(server, "/api/v1/units", tokens["inspector"]) for _ in range(5)]
        answers += [timed(server, "/api/v1/findings", tokens["inspector"]) for _ in range(5)]
    finally:
        for connection in connections:
            connection.close()
    print(f"with {SLOW_CLIENTS} half-sent requests open: {[f'{seconds * 1000:.0f} ms' for _, seconds in answers]}")
    assert [status for status, _ in answers] == [200] * len(answers)
    assert max(seconds for _, seconds in answers) < 1.0
