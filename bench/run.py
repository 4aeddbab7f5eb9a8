"""Benchmark the read side on a demo-sized history: `python -m bench.run [--store sqlite|postgres|both]`.

Targets (from the issue): rebuilding the read model runs at no less than a third
of the speed of merely reading and decoding the same events; a weekly circular
(and a page of the finding list) is served in under 300 ms from the views.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.measure import read_and_decode, rebuild, timed
from bench.queries import circular_cases, http_cases, listing_cases, weeks_of
from bench.report import Table
from bench.stores import POSTGRES_URL, Size, disk_sizes, prepared_store
from projections.runtime import open_view

REBUILD_RATIO = 1 / 3
LATENCY_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    size = Size(args.findings, args.units, args.weeks)
    table = Table()
    for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        bench_store(kind, size, args, table)
    print()
    print(table.render())
    return 1 if table.missed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--findings", type=int, default=20_000)
    p.add_argument("--units", type=int, default=500)
    p.add_argument("--weeks", type=int, default=26, help="how far back findings are issued")
    p.add_argument("--runs", type=int, default=10, help="timed runs of each query (after one warm-up run)")
    p.add_argument("--reads", type=int, default=3, help="runs of the read-and-decode baseline (the median counts)")
    p.add_argument("--regenerate", action="store_true", help="generate the history again even if it is kept")
    p.add_argument("--postgres-url", default=POSTGRES_URL, help="server and database; the schema is chosen by size")
    return p


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def bench_store(kind: str, size: Size, args: argparse.Namespace, table: Table) -> None:
    """Generate (or reuse) the history, then time reading, rebuilding and the queries on it."""
    settings, history = prepared_store(kind, size, args.postgres_url, say, regenerate=args.regenerate)
    url = settings["RECTIFY_DATABASE_URL"]
    table.history(kind, size, history, disk_sizes(kind, url, args.postgres_url, size.name))
    reads = []
    for n in range(args.reads):
        reads.append(read_and_decode(settings))
        say(f"{kind}: read and decoded {reads[-1].events} events in {reads[-1].seconds:.2f} s (run {n + 1})")
    read = sorted(reads, key=lambda r: r.seconds)[len(reads) // 2]
    say(f"{kind}: rebuilding the read model from zero")
    built = rebuild(settings, say)
    table.throughput(kind, read, built, REBUILD_RATIO)
    table.sizes(kind, disk_sizes(kind, url, args.postgres_url, size.name))
    zone = ZoneInfo(settings["RECTIFY_TIMEZONE"])
    history_now = datetime.fromisoformat(history["now"]).astimezone(zone)
    weeks = weeks_of(history_now, size.weeks)
    view = open_view(settings)
    cases = circular_cases(view, weeks, zone) + listing_cases(view, history_now.date())
    client = http_client(settings)
    cases += http_cases(client, history["auditor_token"], weeks)
    for case in cases:
        latency = timed(case.query, args.runs, case.size)
        say(f"{kind}: {case.name}: median {latency.median:.0f} ms, p95 {latency.p95:.0f} ms")
        table.latency(kind, case.name, latency, LATENCY_MS)


def http_client(settings: dict[str, Any]) -> Any:
    from service import create_app

    return create_app(settings | {"TESTING": True}).test_client()


if __name__ == "__main__":
    raise SystemExit(main())
