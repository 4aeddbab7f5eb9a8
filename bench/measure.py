"""The timings: reading and decoding the log, rebuilding the read model, and the read-model queries."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.history import Say
from projections.runtime import open_view
from service.config import build_application
from service.projector import run_projector

READ_LIMIT = 1000


@dataclass(frozen=True)
class Throughput:
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else math.inf


@dataclass(frozen=True)
class Latency:
    """Wall-clock milliseconds of repeated runs of one query."""

    first: float  # the first run, on cold caches
    runs: list[float]  # the runs after it
    size: int  # rows or bytes of the answer, to show what was timed

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def p95(self) -> float:
        ordered = sorted(self.runs)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def read_and_decode(settings: dict[str, Any]) -> Throughput:
    """Every event from the store, 1000 at a time, each mapped back to its domain event."""
    application = build_application(settings)
    recorder, mapper = application.recorder, application.mapper
    try:
        started, position, count = time.perf_counter(), 0, 0
        while True:
            notifications = recorder.select_notifications(position, limit=READ_LIMIT, inclusive_of_start=False)
            for notification in notifications:
                mapper.to_domain_event(notification)
            count += len(notifications)
            if len(notifications) < READ_LIMIT:
                return Throughput(count, time.perf_counter() - started)
            position = notifications[-1].id
    finally:
        application.close()


@dataclass(frozen=True)
class Rebuild:
    events: int
    seconds: float  # the whole `rectify project --rebuild`: emptying the view, projecting, stopping
    caught_up: float  # until the view's position reached the head of the log

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def projecting_rate(self) -> float:
        return self.events / self.caught_up


def rebuild(settings: dict[str, Any], say: Say) -> Rebuild:
    """A full rebuild from position zero, as `rectify project --rebuild` runs it."""
    view = open_view(settings)
    caught_up: list[float] = []
    done = threading.Event()
    head = _head(settings)

    def watch() -> None:  # notes when the view reaches the head, between the runner's half-second checks
        while not done.wait(0.02):
            if view.position() >= head and not caught_up:
                caught_up.append(time.perf_counter())

    watcher = threading.Thread(target=watch, daemon=True)
    started = time.perf_counter()
    watcher.start()
    run_projector(settings, threading.Event(), say, rebuild=True, until_caught_up=True)
    finished = time.perf_counter()
    done.set()
    watcher.join()
    return Rebuild(head, finished - started, (caught_up[0] if caught_up else finished) - started)


def _head(settings: dict[str, Any]) -> int:
    application = build_application(settings)
    try:
        return application.recorder.max_notification_id() or 0
    finally:
        application.close()


def timed(query: Callable[[], Any], runs: int, size: Callable[[Any], int] = len) -> Latency:
    """Run a query once to warm up, then `runs` times, timing each."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        answer = query()
        times.append((time.perf_counter() - started) * 1000)
    return Latency(times[0], times[1:], size(answer))
