"""The timings: reading and decoding the log, rebuilding the read model, and the read-model queries.

Throughputs carry this process's CPU time beside the wall-clock time: on a
shared machine the wall clock also counts other processes' load, while the CPU
time (all threads of this process; not the PostgreSQL server's) does not.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.history import Say
from bench.peak import PEAK_PREFIX
from projections.sealer import Sealer, stored_records, verify
from service.config import build_application
from service.projector import log_head, run_projector
from service.read_store import open_seals, open_view

READ_LIMIT = 1000


@dataclass(frozen=True)
class Throughput:
    events: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else math.inf

    @property
    def cpu_rate(self) -> float:
        return self.events / self.cpu_seconds if self.cpu_seconds else math.inf


@dataclass(frozen=True)
class Rebuild(Throughput):
    """The whole `rectify project --rebuild` (emptying the view, projecting, stopping), and when it caught up."""

    caught_up: float  # wall-clock seconds until the view's position reached the head of the log

    @property
    def caught_up_rate(self) -> float:
        return self.events / self.caught_up


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


@dataclass(frozen=True)
class PageLatency(Latency):
    """A page's wall-clock milliseconds, and this process's CPU milliseconds of the same requests (its share of
    the work, which other processes' load does not inflate; with PostgreSQL, the server's work is left out)."""

    cpu_runs: list[float] = field(default_factory=list)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_runs)


def read_and_decode(settings: dict[str, Any]) -> Throughput:
    """Every event from the store, 1000 at a time, each mapped back to its domain event."""
    application = build_application(settings)
    recorder, mapper = application.recorder, application.mapper
    try:
        started, cpu, position, count = time.perf_counter(), time.process_time(), 0, 0
        while True:
            notifications = recorder.select_notifications(position, limit=READ_LIMIT, inclusive_of_start=False)
            for notification in notifications:
                mapper.to_domain_event(notification)
            count += len(notifications)
            if len(notifications) < READ_LIMIT:
                return Throughput(count, time.perf_counter() - started, time.process_time() - cpu)
            position = notifications[-1].id
    finally:
        application.close()


def seal_history(settings: dict[str, Any]) -> Throughput:
    """The sealer, as the projector runs it, from an empty seal store until it has sealed the head of the log."""
    application = build_application(settings)
    try:
        recorder = application.recorder
        store = open_seals(settings, beside=recorder)
        head = recorder.max_notification_id() or 0
        started, cpu = time.perf_counter(), time.process_time()
        with Sealer(recorder, store) as sealer:
            while store.position() < head:
                sealer.raise_if_stopped()
                time.sleep(0.01)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        if settings["RECTIFY_DATABASE_URL"].startswith("sqlite:"):
            store.datastore.close()
        return Throughput(head, seconds, cpu_seconds)
    finally:
        application.close()


def read_records(settings: dict[str, Any]) -> Throughput:
    """Every stored record, as `verify` reads them (`stored_records`), without hashing or comparing anything."""
    application = build_application(settings)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in stored_records(application.recorder))
        return Throughput(count, time.perf_counter() - started, time.process_time() - cpu)
    finally:
        application.close()


def verify_chain(settings: dict[str, Any]) -> Throughput:
    """`verify` over the whole log and its seals, as `rectify verify` runs it; the chain must hold."""
    application = build_application(settings)
    try:
        store = open_seals(settings, beside=application.recorder)
        started, cpu = time.perf_counter(), time.process_time()
        verdict = verify(application.recorder, store)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        if settings["RECTIFY_DATABASE_URL"].startswith("sqlite:"):
            store.datastore.close()
        if not verdict.ok or verdict.unsealed:
            raise RuntimeError(f"the chain does not hold over the whole log: {verdict.answer()}")
        return Throughput(verdict.checked, seconds, cpu_seconds)
    finally:
        application.close()


def cpu_with_children() -> float:
    """CPU seconds of this process and of the child processes it has waited for (a rebuild loads in several)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def rebuild(settings: dict[str, Any], say: Say) -> Rebuild:
    """A full rebuild from position zero, as `rectify project --rebuild` runs it."""
    head = log_head(settings)
    watch = CatchUpWatch(settings, head)
    started, cpu = time.perf_counter(), cpu_with_children()
    watch.start()
    run_projector(settings, threading.Event(), say, rebuild=True, until_caught_up=True)
    seconds, cpu_seconds = time.perf_counter() - started, cpu_with_children() - cpu
    caught_up = watch.stop()
    return Rebuild(head, seconds, cpu_seconds, (caught_up or started + seconds) - started)


class CatchUpWatch(threading.Thread):
    """Notes when the view, once emptied, reaches the head; the projector itself looks only every 0.5 s."""

    def __init__(self, settings: dict[str, Any], head: int):
        super().__init__(daemon=True)
        self.view, self.head = open_view(settings), head
        self.done = threading.Event()
        self.caught_up: float | None = None

    def run(self) -> None:
        emptied = False
        while not self.done.wait(0.02) and self.caught_up is None:
            position = self.view.position()
            emptied = emptied or position < self.head
            if emptied and position >= self.head:
                self.caught_up = time.perf_counter()

    def stop(self) -> float | None:
        self.done.set()
        self.join()
        return self.caught_up


@dataclass(frozen=True)
class CommandRun:
    """A `rectify` command run in a process of its own: wall-clock seconds and peak resident memory."""

    seconds: float
    peak_rss: int  # bytes
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)  # without the peak line


def run_command(
    settings: dict[str, Any], *arguments: str, on_stderr: Callable[[float, str], None] | None = None
) -> CommandRun:
    """Run `rectify ARGUMENTS` on the store in a process of its own, as a user would, and read its peak memory.

    `on_stderr` is given each line the command prints on stderr as it prints it, with the
    seconds since the start (so progress lines can be seen to come while it runs).
    """
    env = os.environ | {"RECTIFY_DATABASE_URL": settings["RECTIFY_DATABASE_URL"]}
    said: list[str] = []
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile("w+") as out,
        subprocess.Popen(
            [sys.executable, "-m", "bench.peak", *arguments], env=env, stdout=out, stderr=subprocess.PIPE, text=True
        ) as process,
    ):
        assert process.stderr is not None
        for line in process.stderr:
            said.append(line.rstrip("\n"))
            if on_stderr is not None and not line.startswith(PEAK_PREFIX):
                on_stderr(time.perf_counter() - started, said[-1])
        status = process.wait()
        seconds = time.perf_counter() - started
        out.seek(0)
        stdout = out.read()
    peak = [line for line in said if line.startswith(PEAK_PREFIX)]
    if status != 0 or not peak:
        raise RuntimeError(f"rectify {' '.join(arguments)} exited with {status}: {chr(10).join(said)}")
    rest = "\n".join(line for line in said if not line.startswith(PEAK_PREFIX))
    return CommandRun(seconds, int(peak[-1].removeprefix(PEAK_PREFIX)) * 1024, stdout, rest)


def timed(query: Callable[[], Any], runs: int, size: Callable[[Any], int] = len) -> Latency:
    """Run a query once on cold caches, then `runs` times, timing each."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        answer = query()
        times.append((time.perf_counter() - started) * 1000)
    return Latency(times[0], times[1:], size(answer))
