"""Where the time goes: `python -m bench.profile rebuild|phases|circular|http [--store sqlite|postgres]`.

Uses the store `bench.run` generated (same --findings/--units). `rebuild` runs
the real rebuild with cProfile in the runner's event-processing thread (where
the subscription reads the log too) and in the main thread; `phases` does
the runner's work in this one thread without a profiler, timing each phase
(reading, decoding, projecting, writing); `circular` and `http` profile one
query in this thread.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking

from bench.measure import rebuild, seal_history
from bench.queries import SCOPE, circular_cases, http_cases, weeks_of
from bench.run import http_client, say
from bench.stores import POSTGRES_URL, Size, prepared_store
from projections import standing
from projections.circular_queries import CircularQueries
from projections.projection import REBUILD_BATCH_SIZE, ReadModel
from projections.runtime import BatchingProjectionRunner
from service.config import build_application
from service.read_store import open_view

PROFILES: dict[str, cProfile.Profile] = {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("rebuild", "phases", "circular", "circular-phases", "http"))
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--findings", type=int, default=20_000)
    p.add_argument("--units", type=int, default=500)
    p.add_argument("--week", choices=("mid", "last"), default="last")
    p.add_argument("--scoped", action="store_true", help=f"the circular of {SCOPE} rather than the whole system")
    p.add_argument("--lines", type=int, default=35)
    p.add_argument("--postgres-url", default=POSTGRES_URL)
    args = p.parse_args(argv)
    settings, history = prepared_store(args.store, Size(args.findings, args.units), args.postgres_url, say)
    if args.what == "rebuild":
        profile_rebuild(settings, args.lines)
    elif args.what == "phases":
        for phase, (seconds, cpu) in rebuild_phases(settings).items():
            print(f"{phase:>40}: {seconds:7.2f} s, CPU {cpu:7.2f} s")
    elif args.what == "circular-phases":
        for phase, ms in circular_phases(args, settings, history).items():
            print(f"{phase:>40}: {ms:7.0f} ms")
    else:
        query = read_query(args, settings, history)
        profile = cProfile.Profile()
        profile.runcall(query)
        report("the query (this thread)", profile, args.lines)
    return 0


CIRCULAR_QUERIES = ("week_state_groups", "event_groups", "overdue_rows", "escalated_rows", "first_issued")


def circular_phases(args: argparse.Namespace, settings: dict[str, Any], history: dict[str, Any]) -> dict[str, float]:
    """Milliseconds a circular spends in each of its view queries (SQL and rows to dicts), and in Python."""
    view = open_view(settings)
    spent: dict[str, float] = {}
    view.unit_facts = timing(spent, "view.unit_facts", view.unit_facts)
    for name in CIRCULAR_QUERIES:
        original = getattr(CircularQueries, name)
        setattr(CircularQueries, name, timing(spent, f"CircularQueries.{name} (all calls)", original))
    query = read_query(args, settings, history, view)
    runs = 5
    spent.clear()
    started = time.perf_counter()
    for _ in range(runs):
        query()
    total = (time.perf_counter() - started) * 1000 / runs
    phases = {name: seconds * 1000 / runs for name, seconds in spent.items()}
    return phases | {"the rest (Python: tally, roll-up, lists)": total - sum(phases.values()), "total": total}


def timing(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return timed


def read_query(
    args: argparse.Namespace, settings: dict[str, Any], history: dict[str, Any], view: Any = None
) -> Callable[[], Any]:
    zone = ZoneInfo(settings["RECTIFY_TIMEZONE"])
    weeks = weeks_of(datetime.fromisoformat(history["now"]).astimezone(zone), 26)
    if args.what.startswith("circular"):
        cases = circular_cases(view or open_view(settings), {args.week: weeks[args.week]}, zone)
    else:
        cases = [c for c in http_cases(http_client(settings), history["auditor_token"], weeks) if args.week in c.name]
    case = next(c for c in cases if (SCOPE in c.name) == args.scoped)
    say(f"profiling {case.name}")
    case.query()  # warm the caches, as the timed runs are
    return case.query


def profile_rebuild(settings: dict[str, Any], lines: int) -> None:
    """Run the real rebuild with each of the runner's threads under its own profiler."""
    original_loop = BatchingProjectionRunner._process_events_loop

    def processing(*args: Any, **kwargs: Any) -> None:
        profiled("event-processing thread", original_loop, *args, **kwargs)

    BatchingProjectionRunner._process_events_loop = staticmethod(processing)  # type: ignore[method-assign]
    seal_history(settings)  # as `bench.run` does: a log not yet sealed would be sealed beside the rebuild
    main_profile = cProfile.Profile()
    built = main_profile.runcall(rebuild, settings, say)
    say(f"rebuilt {built.events} events in {built.seconds:.1f} s under the profiler")
    for name, profile in PROFILES.items():
        report(name, profile, lines)
    report("main thread (run_projector)", main_profile, 12)


def rebuild_phases(settings: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The runner's work done in one thread: select 500 at a time, decode, project, write every REBUILD_BATCH_SIZE.

    Each phase's wall-clock seconds and this thread's CPU seconds in it (which other processes' load inflates less).
    """
    view = open_view(settings)
    phases = dict.fromkeys(
        (
            "view.reset",
            "view.drop_replaced",
            "select_notifications",
            "to_domain_event",
            "process_event",
            "flush (view.apply)",
            "  of which the circular's counts",
            "  of which the finding search's texts",
            "view.finish_rebuild",
            "  of which the circular's weeks counted",
        ),
        (0.0, 0.0),
    )
    keep_counts, count_all = standing.keep_counts, standing.count_all
    standing.keep_counts = lambda *args: timed_phase(phases, "  of which the circular's counts", keep_counts, *args)
    standing.count_all = lambda *args: timed_phase(phases, "  of which the circular's weeks counted", count_all, *args)
    insert_texts = view.insert_texts
    view.insert_texts = lambda *args: timed_phase(  # type: ignore[method-assign]
        phases, "  of which the finding search's texts", insert_texts, *args
    )
    clock, cpu_clock = time.perf_counter, time.thread_time
    started, cpu_started = clock(), cpu_clock()
    timed_phase(phases, "view.reset", view.reset)
    timed_phase(phases, "view.drop_replaced", view.drop_replaced)
    projection = ReadModel(view)
    projection.loading = True  # as the runner's rebuild loads bare tables
    application = build_application(settings)
    position, count = 0, 0
    while notifications := timed_phase(
        phases,
        "select_notifications",
        application.recorder.select_notifications,
        position,
        500,
        inclusive_of_start=False,
    ):
        for notification in notifications:
            event = timed_phase(phases, "to_domain_event", application.mapper.to_domain_event, notification)
            handler = projection.handler(type(event))  # as the runner dispatches
            timed_phase(phases, "process_event", handler, event, Tracking("Rectify", notification.id))
            if projection.pending >= REBUILD_BATCH_SIZE:
                timed_phase(phases, "flush (view.apply)", projection.flush)
        position, count = notifications[-1].id, count + len(notifications)
    projection.end_loading()
    timed_phase(phases, "flush (view.apply)", projection.flush)
    timed_phase(phases, "view.finish_rebuild", view.finish_rebuild)
    standing.keep_counts, standing.count_all = keep_counts, count_all
    application.close()
    total, cpu_total = clock() - started, cpu_clock() - cpu_started
    return phases | {f"total ({count} events, {count / total:,.0f} ev/s)": (total, cpu_total)}


def timed_phase(
    phases: dict[str, tuple[float, float]], name: str, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    started, cpu_started = time.perf_counter(), time.thread_time()
    try:
        return function(*args, **kwargs)
    finally:
        seconds, cpu = phases[name]
        phases[name] = (seconds + time.perf_counter() - started, cpu + time.thread_time() - cpu_started)


def profiled(name: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    profile = PROFILES.setdefault(f"{name} ({threading.current_thread().name})", cProfile.Profile())
    profile.runcall(function, *args, **kwargs)


def report(name: str, profile: cProfile.Profile, lines: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(lines)
        body = out.getvalue()
        print(f"\n===== {name}, by {order} =====")
        print(body[body.find("   ncalls") :])


if __name__ == "__main__":
    raise SystemExit(main())
