"""PostgreSQL goes away under load and comes back: 503s meanwhile (never a hang, never a 500), then recovery."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.reliability.serving import PostgresCluster, Server, finding_body, free_port, wait_for

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

# The cluster's URL asks for a 2 s connect timeout: no answer may take much longer than that.
SLOWEST_ANSWER = 5.0


@pytest.fixture
def server(tmp_path: Path, postgres_cluster: PostgresCluster) -> Iterator[Server]:
    # The load sends about 20 commands a second on one token: beyond the default per-token limit, which
    # is not what this test is about.
    limits_off = {"RECTIFY_RATE_LIMIT_TOKEN": "off", "RECTIFY_RATE_LIMIT_AUTH": "off"}
    running = Server(tmp_path, {**os.environ, "RECTIFY_DATABASE_URL": postgres_cluster.url, **limits_off})
    try:
        running.start()
        yield running
    finally:
        running.stop()


class Load:
    """A client issuing findings, each with an Idempotency-Key, noting every answer and how long it took."""

    def __init__(self, server: Server, token: str):
        self.server, self.token = server, token
        self.answers: list[tuple[str, int, float, str | None]] = []  # key, status, seconds, Retry-After
        self.acknowledged: dict[str, str] = {}  # key → finding id
        self.stopping = threading.Event()
        self.turn = threading.Lock()  # held for each request: the test takes it to kill a worker between requests
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopping.is_set():
            key = uuid.uuid4().hex
            with self.turn:
                self.send(key)
            time.sleep(0.05)

    def send(self, key: str) -> None:
        due = (date.today() + timedelta(days=30)).isoformat()
        started = time.monotonic()
        try:
            status, body, headers = self.server.call(
                "POST",
                "/api/v1/findings",
                self.token,
                finding_body(f"停库演练 {key[:8]}", due),
                headers={"Idempotency-Key": key},
                timeout=30,
            )
        except OSError:  # no answer at all: what this test must never see
            status, body, headers = 0, None, {}
        self.answers.append((key, status, time.monotonic() - started, headers.get("Retry-After")))
        if status == 201:
            self.acknowledged[key] = body["id"]

    def statuses_since(self, count: int) -> list[int]:
        return [status for _, status, _, _ in self.answers[count:]]


def test_postgres_going_away_gives_503s_then_the_service_recovers_by_itself(
    server: Server, postgres_cluster: PostgresCluster
) -> None:
    tokens = server.add_people()
    load = Load(server, tokens["inspector"])
    load.thread.start()
    try:
        wait_for(lambda: len(load.acknowledged) >= 5, 10, "findings issued before the outage")
        postgres_cluster.stop()
        before = len(load.answers)
        wait_for(lambda: 503 in load.statuses_since(before), 10, "a 503 while the store is away")

        started = time.monotonic()
        status, body, _ = server.call("GET", "/healthz", timeout=2)
        assert (status, body) == (200, {"status": "ok"}) and time.monotonic() - started < 0.5
        status, body, headers = server.call("GET", "/readyz", timeout=SLOWEST_ANSWER)
        assert status == 503 and headers["Retry-After"] and "psycopg" not in str(body).lower()

        # A worker that dies now is replaced by one that boots without the store. It is killed between the
        # load's requests: a request it was serving would lose its connection, which says nothing of outages.
        with load.turn:
            [victim, *_] = server.workers_now()
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda: victim not in server.workers_now() and len(server.workers_now()) == 2, 10, "a new worker")
        assert server.process is not None and server.process.poll() is None
        time.sleep(1)

        during = len(load.answers)
        postgres_cluster.start()
        back = time.monotonic()
        wait_for(lambda: 201 in load.statuses_since(during), 30, "a finding issued after the store came back")
        recovered = time.monotonic() - back
        wait_for(lambda: server.call("GET", "/readyz")[0] == 200, 15, "/readyz to say ready again")
    finally:
        load.stopping.set()
        load.thread.join(timeout=40)

    outage = load.answers[before:during]
    print(
        f"store outage: {len(outage)} answers while away, statuses {sorted({a[1] for a in outage})}, "
        f"slowest {max(a[2] for a in outage):.2f} s; recovered {recovered:.2f} s after the store came back; "
        f"{len(load.acknowledged)} acknowledged"
    )
    assert {status for _, status, _, _ in load.answers} <= {201, 503}
    assert all(retry_after for _, status, _, retry_after in load.answers if status == 503)
    assert max(seconds for _, _, seconds, _ in load.answers) < SLOWEST_ANSWER
    for key, finding in load.acknowledged.items():  # nothing acknowledged was lost
        assert server.call("GET", f"/api/v1/findings/{finding}", tokens["inspector"])[0] == 200, key


@pytest.fixture
def sqlite_server_running(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path, {**os.environ, "RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path}/rectify.db"})
    try:
        running.start()
        yield running
    finally:
        running.stop()


def set_immutable(paths: list[Path], on: bool) -> None:
    """chattr ±i: the tests run as root, whom file modes do not stop, but an immutable file stops anyone."""
    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True, capture_output=True)


def test_a_sqlite_store_that_cannot_be_written_gives_503s_and_the_service_stays_up(
    sqlite_server_running: Server,
) -> None:
    server = sqlite_server_running
    tokens = server.add_people()
    due = (date.today() + timedelta(days=30)).isoformat()
    assert server.call("POST", "/api/v1/findings", tokens["inspector"], finding_body("写入正常", due))[0] == 201
    # The shared-memory index stays writable: it is mapped into the workers, and a real read-only or full
    # disk leaves the mapping of pages already there.
    files = [server.folder / "rectify.db", server.folder / "rectify.db-wal"]
    if shutil.which("chattr") is None:
        pytest.skip("needs chattr to make the store file read-only for root")
    set_immutable(files, True)
    try:
        for attempt in range(3):
            status, body, headers = server.call(
                "POST", "/api/v1/findings", tokens["inspector"], finding_body(f"只读 {attempt}", due)
            )
            assert (status, body["code"]) == (503, "store_unavailable") and headers["Retry-After"], body
        assert server.call("GET", "/api/v1/findings", tokens["inspector"])[0] == 200  # reads still served
        assert server.call("GET", "/healthz")[0] == 200
        assert server.process is not None and server.process.poll() is None
    finally:
        set_immutable(files, False)
    writable = time.monotonic()
    body = finding_body("恢复写入", due)
    wait_for(lambda: server.call("POST", "/api/v1/findings", tokens["inspector"], body)[0] == 201, 10, "a write again")
    print(f"sqlite: writes again {time.monotonic() - writable:.2f} s after the file is writable")


def test_the_app_builds_without_its_store_and_answers_503_within_the_connect_timeout() -> None:
    from service import create_app

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/rectify?connect_timeout=1"  # nobody listens there
    client = create_app({"RECTIFY_DATABASE_URL": url}).test_client()  # raised while building needed the store
    assert client.get("/healthz").get_json() == {"status": "ok"}
    for _ in range(2):  # the first waits for a connection, the second is refused at once
        started = time.monotonic()
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
        assert answer.get_json()["code"] == "store_unavailable" and "psycopg" not in answer.get_data(as_text=True)
        # Within the 1 s connect timeout and a busy machine's margin; the library's own retries took ten times it.
        assert time.monotonic() - started < 5
