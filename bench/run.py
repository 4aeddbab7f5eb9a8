"""Benchmark the read side on a demo-sized history: `python -m bench.run [--store sqlite|postgres|both]`.

Targets (from the issue): rebuilding the read model runs at no less than a third
of the speed of merely reading and decoding the same events; a weekly circular
(and a page of the finding list) is served in under 300 ms from the views.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.measure import Rebuild, Throughput, read_and_decode, rebuild, run_command, timed
from bench.queries import circular_cases, http_cases, listing_cases, weeks_of
from bench.report import Table, load
from bench.stores import POSTGRES_URL, Size, disk_sizes, prepared_store
from service.read_store import open_view

REBUILD_RATIO = 1 / 3
LATENCY_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    size = Size(args.findings, args.units, args.weeks)
    table = Table()
    for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        settings, history = prepared_store(kind, size, args.postgres_url, say, regenerate=args.regenerate)
        table.note(f"{kind}: {load()} at the start")
        measure_throughput(kind, settings, args.reads, args.rebuilds, table)
        measure_command(kind, settings, table)
        sizes = disk_sizes(kind, settings["RECTIFY_DATABASE_URL"], args.postgres_url, size.name)
        table.history(kind, size, history, sizes)
        measure_queries(kind, settings, history, size, args.runs, table)
        table.note(f"{kind}: {load()} at the end")
    print()
    print(table.render())
    return 1 if args.check and table.missed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--findings", type=int, default=20_000)
    p.add_argument("--units", type=int, default=500)
    p.add_argument("--weeks", type=int, default=26, help="how far back findings are issued")
    p.add_argument("--runs", type=int, default=10, help="timed runs of each query (after one cold run)")
    p.add_argument("--reads", type=int, default=3, help="read-and-decode runs before the rebuilds, one after each")
    p.add_argument("--rebuilds", type=int, default=3, help="full rebuilds (the median is compared)")
    p.add_argument("--regenerate", action="store_true", help="generate the history again even if it is kept")
    p.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    p.add_argument("--postgres-url", default=POSTGRES_URL, help="server and database; the schema is named by size")
    return p


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure_throughput(kind: str, settings: dict[str, Any], reads: int, rebuilds: int, table: Table) -> None:
    """Reading and decoding, and rebuilds between further reads (so a change of load shows on both); medians."""
    runs = [read(kind, settings, n) for n in range(reads)]
    built = []
    for n in range(rebuilds):
        say(f"{kind}: rebuilding the read model from zero (rebuild {n + 1} of {rebuilds})")
        built.append(rebuild(settings, say))
        say(f"{kind}: rebuilt {built[-1].events} events in {built[-1].seconds:.1f} s ({built[-1].rate:,.0f} ev/s)")
        runs.append(read(kind, settings, len(runs)))
    baseline = Throughput(
        runs[0].events, statistics.median(r.seconds for r in runs), statistics.median(r.cpu_seconds for r in runs)
    )
    typical = Rebuild(
        built[0].events,
        statistics.median(b.seconds for b in built),
        statistics.median(b.cpu_seconds for b in built),
        statistics.median(b.caught_up for b in built),
    )
    table.throughput(kind, baseline, typical, REBUILD_RATIO)


def measure_command(kind: str, settings: dict[str, Any], table: Table) -> None:
    """`rectify project --rebuild` in a process of its own: its time and peak memory, beside an idle command's."""
    say(f"{kind}: running rectify project --rebuild --until-caught-up in a process of its own")
    idle = run_command(settings, "project", "--status")
    built = run_command(settings, "project", "--rebuild", "--until-caught-up")
    say(f"{kind}: the command took {built.seconds:.1f} s, peak memory {built.peak_rss / 1e6:,.0f} MB")
    table.command(kind, "rectify project --rebuild (own process)", built, idle)


def read(kind: str, settings: dict[str, Any], n: int) -> Throughput:
    result = read_and_decode(settings)
    say(f"{kind}: read and decoded {result.events} events in {result.seconds:.2f} s (run {n + 1})")
    return result


def measure_queries(
    kind: str, settings: dict[str, Any], history: dict[str, Any], size: Size, runs: int, table: Table
) -> None:
    """The circulars and the finding list, straight from the view and through the HTTP app."""
    zone = ZoneInfo(settings["RECTIFY_TIMEZONE"])
    history_now = datetime.fromisoformat(history["now"]).astimezone(zone)
    weeks = weeks_of(history_now, size.weeks)
    view = open_view(settings)
    cases = circular_cases(view, weeks, zone) + listing_cases(view, zone)
    cases += http_cases(http_client(settings), history["auditor_token"], weeks)
    for case in cases:
        latency = timed(case.query, runs, case.size)
        say(f"{kind}: {case.name}: median {latency.median:,.0f} ms, p95 {latency.p95:,.0f} ms")
        table.latency(kind, case.name, latency, LATENCY_MS)


def http_client(settings: dict[str, Any]) -> Any:
    from service import create_app

    # The rate limits are off: the cases measure what a request costs, and send hundreds a minute with one token.
    unlimited = {"TESTING": True, "RECTIFY_RATE_LIMIT_AUTH": "off", "RECTIFY_RATE_LIMIT_TOKEN": "off"}
    client = create_app(settings | unlimited).test_client()
    logging.getLogger("rectify.requests").setLevel(logging.WARNING)  # a JSON line per request would bury the report
    return client


if __name__ == "__main__":
    raise SystemExit(main())
