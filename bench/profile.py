"""Where the time goes: `python -m bench.profile rebuild|circular|http [--store sqlite|postgres]`.

Uses the store `bench.run` generated (same --findings/--units). The rebuild is
profiled in the runner's own threads (the event-processing thread and the
subscription's pulling thread), with cProfile; the circular in this thread.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import ListenNotifySubscription

from bench.measure import rebuild
from bench.queries import SCOPE, circular_cases, http_cases, weeks_of
from bench.run import http_client, say
from bench.stores import POSTGRES_URL, Size, prepared_store
from projections.runtime import BatchingProjectionRunner, open_view
from service.stores.polling import PollingSubscription

PROFILES: dict[str, cProfile.Profile] = {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("rebuild", "circular", "http"))
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
    else:
        query = read_query(args, settings, history)
        profile = cProfile.Profile()
        profile.runcall(query)
        report("the query (this thread)", profile, args.lines)
    return 0


def read_query(args: argparse.Namespace, settings: dict[str, Any], history: dict[str, Any]) -> Callable[[], Any]:
    zone = ZoneInfo(settings["RECTIFY_TIMEZONE"])
    weeks = weeks_of(datetime.fromisoformat(history["now"]).astimezone(zone), 26)
    if args.what == "circular":
        cases = circular_cases(open_view(settings), {args.week: weeks[args.week]}, zone)
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
    for subscription_class in (ListenNotifySubscription, PollingSubscription):  # PostgreSQL's, SQLite's
        subscription_class._loop_on_pull = pulling(subscription_class.__dict__["_loop_on_pull"])  # type: ignore[method-assign]
    main_profile = cProfile.Profile()
    built = main_profile.runcall(rebuild, settings, say)
    say(f"rebuilt {built.events} events in {built.seconds:.1f} s under the profiler")
    for name, profile in PROFILES.items():
        report(name, profile, lines)
    report("main thread (run_projector)", main_profile, 12)


def pulling(original_pull: Callable[[Any], None]) -> Callable[[Any], None]:
    def pull(self: Any) -> None:
        profiled("subscription pulling thread", original_pull, self)

    return pull


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
