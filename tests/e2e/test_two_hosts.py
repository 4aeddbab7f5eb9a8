"""Two `rectify serve` on one PostgreSQL, two ports standing in for two hosts: one projector, no write lost."""

from __future__ import annotations

import http.client
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from service.cli import main
from service.projector import projector_lock_key
from tests.conftest import POSTGRES_URL, fresh_store
from tests.reliability.serving import Server, descendants, finding_body, kill_quietly, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.long]  # hosts stopped: `make test-long`

WAITING = "another projector holds the lock"
# Bounds on waiting, generous for a loaded machine: a test fails when one is reached, and never waits it out.
BOOT = 60
SOON = 30
PROJECTING = "projecting from position"
LOST = "lost the projector lock"


@pytest.fixture
def store(tmp_path: Path, postgres_available: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL schema, with unit BJ registered (by `rectify units add`, in this process)."""
    with fresh_store("postgres", tmp_path) as url:
        monkeypatch.setenv("RECTIFY_DATABASE_URL", url)
        assert main(["units", "add", "BJ", "--name", "北京分公司"]) == 0
        yield url


@pytest.fixture
def inspector(store: str, capsys: pytest.CaptureFixture[str]) -> str:
    """An inspector's token, as `rectify users add` prints it."""
    assert main(["users", "add", "inspector.one", "--role", "inspector"]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("rfy_")][-1]


@pytest.fixture
def hosts(tmp_path: Path, store: str) -> Iterator[tuple[Server, Server]]:
    """Two hosts serving the store, started at once; each its own folder and port."""
    env = {
        **os.environ,
        "RECTIFY_SECRET_KEY": "one-key-for-every-host",
        "RECTIFY_RATE_LIMIT_TOKEN": "off",  # the limit's counters are per host; not what this test is about
    }
    servers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        servers.append(Server(tmp_path / name, env, workers=1))
    try:
        with ThreadPoolExecutor(2) as pool:
            for started in [pool.submit(server.start, BOOT) for server in servers]:
                started.result()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


@dataclass
class Ledger:
    """Every command a host acknowledged: the finding's id, its version and position as the answer gave them."""

    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)
    refused: list[tuple[str, int]] = field(default_factory=list)  # host, status: answers that were not a success
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, host: Server, status: int, body: dict) -> bool:
        with self.lock:
            if status in (200, 201):
                self.acknowledged[body["id"]] = (body["version"], body["position"])
                return True
            self.refused.append((host.url, status))
            return False

    def head(self) -> int:
        return max(position for _, position in self.acknowledged.values())


def issue_and_assign(host: Server, token: str, title: str, ledger: Ledger) -> dict | None:
    """Issue a finding on `host` and assign it there; the assignment's answer, or None if either failed."""
    due = (date.today() + timedelta(days=30)).isoformat()
    status, issued, _ = host.call("POST", "/api/v1/findings", token, finding_body(title, due))
    if not ledger.note(host, status, issued):
        return None
    status, assigned, _ = host.call("POST", f"/api/v1/findings/{issued['id']}/assign", token, {"assignee": "张伟"})
    return assigned if ledger.note(host, status, assigned) else None


def read_back(reader: Server, token: str, written: dict) -> None:
    """List findings on `reader` with the write's position as min_position: the write must be in that page."""
    position = written["position"]
    status, page, _ = reader.call("GET", f"/api/v1/findings?limit=200&min_position={position}", token)
    assert status == 200, page
    assert page["position"] >= position
    [item] = [item for item in page["items"] if item["id"] == written["id"]]
    assert (item["status"], item["version"], item["position"]) == ("assigned", written["version"], position)


def write_on_one_read_on_other(write: Server, read: Server, token: str, count: int, ledger: Ledger) -> None:
    for number in range(count):
        written = issue_and_assign(write, token, f"两台主机 {write.port} 第{number}条", ledger)
        assert written is not None, ledger.refused
        read_back(read, token, written)


def readiness(host: Server) -> dict:
    status, ready, _ = host.call("GET", "/readyz")
    assert status == 200, ready
    return ready


def caught_up(host: Server, position: int) -> bool:
    """The host's read model has reached the log's head, and the head is at least `position`."""
    ready = readiness(host)
    return ready["lag"] == 0 and ready["position"] >= position


def log_since(host: Server, offset: int) -> str:
    return host.log.read_text()[offset:]


def kill_host(host: Server) -> None:
    """SIGKILL the master, its workers and its projector at once: a host losing its power.

    Each is stopped first, so none of them sees another go (as with a signal to the whole process group).
    """
    family = [host.master, *descendants(host.master)]
    host.seen.update(family)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in family:
            kill_quietly(pid, sig)
    assert host.process is not None
    host.process.wait(timeout=10)


class Writer:
    """Issues and assigns findings on one host, one after the other, until stopped."""

    def __init__(self, host: Server, token: str, ledger: Ledger):
        self.host, self.token, self.ledger = host, token, ledger
        self.done: list[dict] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                written = issue_and_assign(self.host, self.token, f"切换时的写入 {len(self.done)}", self.ledger)
            except (OSError, http.client.HTTPException):  # the host went away mid-request or mid-answer
                continue  # (a body cut short): that command was never acknowledged
            if written is not None:
                self.done.append(written)

    def stop(self) -> list[dict]:
        self.stopping.set()
        self.thread.join(timeout=15)
        return self.done


def projecting(host: Server, since: int = 0) -> bool:
    return PROJECTING in log_since(host, since)


def test_two_hosts_share_one_projector_read_each_others_writes_and_survive_one_stopping(
    hosts: tuple[Server, Server], inspector: str
) -> None:
    # Both hosts started at once: one projector takes the lock, the other waits for it.
    wait_for(lambda: any(projecting(host) for host in hosts), SOON, "a projector to take the lock")
    a, b = hosts if projecting(hosts[0]) else reversed(hosts)
    wait_for(lambda: WAITING in log_since(b, 0), SOON, "the other host's projector to wait for the lock")
    ledger = Ledger()

    # Both hosts take commands at once; each write is read back on the other host at its position.
    with ThreadPoolExecutor(4) as pool:
        runs = [pool.submit(write_on_one_read_on_other, *pair, inspector, 5, ledger) for pair in [(a, b), (b, a)] * 2]
        for run in runs:
            run.result()
    assert not ledger.refused and not projecting(b)  # B's projector still waits

    # SIGTERM host A, which holds the projector, while B keeps taking commands: B's projector takes over.
    writer = Writer(b, inspector, ledger)
    os.kill(a.master, signal.SIGTERM)
    assert a.process is not None and a.process.wait(timeout=SOON) == 0
    wait_for(lambda: projecting(b), SOON, "host B's projector to take over")
    wait_for(lambda: len(writer.done) >= 3, SOON, "host B to take commands after A stopped")
    read_back(b, inspector, writer.stop()[-1])
    assert not ledger.refused, ledger.refused
    wait_for(lambda: caught_up(b, ledger.head()), SOON, "host B's read model to reach the head")

    # Host A comes back (its projector waits now), then host B loses its power with commands in flight.
    restarted_at = a.log.stat().st_size
    a.start(BOOT)
    wait_for(lambda: WAITING in log_since(a, restarted_at), SOON, "host A's projector to wait for B's")
    write_on_one_read_on_other(a, b, inspector, 2, ledger)
    writer = Writer(b, inspector, ledger)
    wait_for(lambda: len(writer.done) >= 2, SOON, "host B to take commands")
    kill_host(b)
    writer.stop()
    wait_for(lambda: projecting(a, restarted_at), SOON, "host A's projector to take over from B's")
    after_kill = issue_and_assign(a, inspector, "B 断电后的写入", ledger)
    assert after_kill is not None, ledger.refused
    read_back(a, inspector, after_kill)
    wait_for(lambda: caught_up(a, ledger.head()), SOON, "host A's read model to reach the head")

    # Nothing acknowledged by either host is missing, in the log or in the read model.
    assert not ledger.refused, ledger.refused
    listed = every_listed_finding(a, inspector, ledger.head())
    for finding_id, (version, position) in ledger.acknowledged.items():
        assert listed[finding_id][0] >= version and listed[finding_id][1] >= position, finding_id
        status, finding, _ = a.call("GET", f"/api/v1/findings/{finding_id}", inspector)
        assert status == 200 and finding["version"] >= version, finding


def every_listed_finding(host: Server, token: str, position: int) -> dict[str, tuple[int, int]]:
    """Every finding of the read model, once it has reached `position`: id → version, position."""
    listed: dict[str, tuple[int, int]] = {}
    cursor = ""
    while True:
        status, page, _ = host.call("GET", f"/api/v1/findings?limit=200&min_position={position}{cursor}", token)
        assert status == 200, page
        listed.update({item["id"]: (item["version"], item["position"]) for item in page["items"]})
        if not page["next_cursor"]:
            return listed
        cursor = f"&cursor={page['next_cursor']}"


def end_projector_lock_session(url: str) -> None:
    """End the database session holding the store's projector lock, as an idle timeout or a network cut would."""
    key = projector_lock_key(url) & 0xFFFF_FFFF_FFFF_FFFF  # pg_locks shows the bigint as two unsigned halves
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        [(ended,)] = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 1",
            (key >> 32, key & 0xFFFF_FFFF),
        ).fetchall()
    assert ended


def test_a_projector_whose_lock_session_ends_stops_so_only_the_other_host_feeds_the_read_model(
    hosts: tuple[Server, Server], inspector: str, store: str
) -> None:
    wait_for(lambda: any(projecting(host) for host in hosts), SOON, "a projector to take the lock")
    a, b = hosts if projecting(hosts[0]) else reversed(hosts)
    wait_for(lambda: WAITING in log_since(b, 0), SOON, "the other host's projector to wait for the lock")
    end_projector_lock_session(store)
    wait_for(lambda: projecting(b), SOON, "host B's projector to take the lock")
    wait_for(lambda: LOST in log_since(a, 0), SOON, "host A's projector to stop")
    wait_for(lambda: WAITING in log_since(a, 0), SOON, "host A's projector, started again, to wait for B's")
    ledger = Ledger()
    write_on_one_read_on_other(a, b, inspector, 2, ledger)
    wait_for(lambda: caught_up(a, ledger.head()), SOON, "the read model to reach the head")
    assert log_since(a, 0).count(PROJECTING) == 1  # A's projector has not started projecting again
