"""The load generator's clients: back to back, or paced, a latency then counted from when a request was due."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import Tally, client


class Slow(BaseHTTPRequestHandler):
    """`GET /healthz`, answered after `delay` seconds."""

    delay = 0.0
    protocol_version = "HTTP/1.1"  # keep-alive, as the generator's connection expects
    disable_nagle_algorithm = True  # the body is not held back behind the headers' unacknowledged packet

    def do_GET(self) -> None:  # noqa: N802 (the handler's name)
        time.sleep(self.delay)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[Slow]]]:
    handler = type("Handler", (Slow,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def run(url: str, seconds: float, rate: float | None) -> Tally:
    plan = {"url": url, "tokens": {}, "kind": "ceiling", "warmup": 0.0, "seconds": seconds, "rate": rate}
    tally = Tally()
    client(plan, [], tally, time.perf_counter(), seed=1)
    return tally


def test_a_paced_client_sends_at_its_rate_where_one_back_to_back_sends_as_fast_as_answered(server):
    url, _ = server
    paced, free = run(url, 1.0, rate=20), run(url, 1.0, rate=None)
    assert 17 <= paced.statuses["200"] <= 21  # one request every 50 ms for a second
    assert free.statuses["200"] > 3 * paced.statuses["200"]
    assert not paced.errors and not free.errors


def test_a_paced_latency_counts_the_wait_behind_a_slow_answer_from_when_the_request_was_due(server):
    url, handler = server
    handler.delay = 0.1  # twice the interval: each request leaves later than it was due
    paced, free = run(url, 1.0, rate=20), run(url, 1.0, rate=None)
    assert max(free.latencies) < 0.25  # from when each left: the answer's 100 ms
    assert max(paced.latencies) > 0.4  # the tenth is due at 0.45 s, sent at about 0.9 s
    assert paced.latencies == sorted(paced.latencies)  # each waits longer than the one before
