"""Benchmark the read side on a generated history: `python -m bench.run [--store …] [--findings N]`.

Targets (from the issue, at any size, 200,000 findings included): rebuilding the
read model runs at no less than a third of the speed of merely reading and
decoding the same events; the projector's CPU time per event is at most half of
what it was before the work on the read side at scale (`bench.before`, rebuilt in the same run), and
its peak memory during a rebuild under 300 MB; a weekly circular is served in
under 1 s from the views and a page of the finding list in under 100 ms;
checking the seal chain (`verify`) runs at no less than 0.4 of the speed of
merely reading the same stored records. The console's pages are timed too,
against 300 ms (`bench.console_pages`, also run alone by `make bench-console`).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.before import BEFORE, BeforeUnavailable, rebuilds_before
from bench.console_pages import bench_app, measure_console
from bench.measure import (
    CommandRun,
    Rebuild,
    Throughput,
    read_and_decode,
    read_records,
    rebuild,
    run_command,
    seal_history,
    timed,
    verify_chain,
)
from bench.queries import circular_cases, http_cases, listing_cases, weeks_of
from bench.report import Table, load
from bench.stores import POSTGRES_URL, Size, disk_sizes, prepared_store, reset_seals
from service.read_store import open_view

REBUILD_RATIO = 1 / 3
VERIFY_RATIO = 0.4  # verify reads what the plain read does, plus a seal and a hash a record: about half by design
CIRCULAR_MS = 1000.0
LIST_MS = 100.0
PEAK_MEMORY = 300e6  # bytes of the projector's peak resident memory during a rebuild
# The projector's CPU time over a full rebuild, as a multiple of the CPU time of reading the same stored records
# without decoding them (`read_records`: the library's reading alone, which no change of the projector moves),
# both in this process and in the same run, beside the same multiple of the projector of commit b3aa6df, rebuilt
# in the same run over a copy of the same SQLite store (`bench.before`). Printed, not judged: the projector's CPU
# per event is judged where the issue measured it, following commands beside the workers (`bench.following`).


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    size = Size(args.findings, args.units, args.weeks)
    table = Table()
    for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        settings, history = prepared_store(kind, size, args.postgres_url, say, regenerate=args.regenerate)
        table.note(f"{kind}: {load()} at the start")
        measure_throughput(kind, settings, args.reads, args.rebuilds, table)
        idle = measure_command(kind, settings, table)
        measure_seals(kind, settings, args.postgres_url, size, args.reads, idle, table)
        sizes = disk_sizes(kind, settings["RECTIFY_DATABASE_URL"], args.postgres_url, size.name)
        table.history(kind, size, history, sizes)
        measure_queries(kind, settings, history, size, args.runs, table)
        measure_console(kind, settings, history, size, args.runs, table)
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
    # The service seals its log as it is written, so a rebuild finds it sealed. A history just generated is not,
    # and the rebuild's projector would seal it all beside the load (the command waits for its seals too): the
    # sealer's time and CPU would be counted as the rebuild's.
    sealed = seal_history(settings)
    say(f"{kind}: the log is sealed up to position {sealed.events:,} (took {sealed.seconds:.1f} s)")
    runs = [read(kind, settings, n) for n in range(reads)]
    plain = [read_records(settings)]
    built = []
    for n in range(rebuilds):
        say(f"{kind}: rebuilding the read model from zero (rebuild {n + 1} of {rebuilds})")
        built.append(rebuild(settings, say))
        say(f"{kind}: rebuilt {built[-1].events} events in {built[-1].seconds:.1f} s ({built[-1].rate:,.0f} ev/s)")
        runs.append(read(kind, settings, len(runs)))
        plain.append(read_records(settings))
    baseline = median_of(runs)
    typical = Rebuild(
        built[0].events,
        statistics.median(b.seconds for b in built),
        statistics.median(b.cpu_seconds for b in built),
        statistics.median(b.caught_up for b in built),
    )
    table.throughput(kind, baseline, typical, REBUILD_RATIO)
    table.projector_cpu(kind, typical, median_of(plain), before_multiple(kind, settings, rebuilds, plain))


def before_multiple(kind: str, settings: dict[str, Any], rebuilds: int, plain: list[Throughput]) -> float | None:
    """The multiple of a plain read's CPU that the projector of `bench.before.BEFORE` spends over a rebuild of the
    same history, its rebuilds taken in turns with further plain reads (None: not measured on this store)."""
    if kind != "sqlite":
        return None
    say(f"{kind}: rebuilding with the projector of commit {BEFORE}, on a copy of the store")
    try:
        before = rebuilds_before(settings, rebuilds, say)
    except BeforeUnavailable as error:
        say(f"{kind}: {error}")
        return None
    plain = plain + [read_records(settings)]
    return statistics.median(b.cpu_seconds for b in before) / median_of(plain).cpu_seconds


def measure_command(kind: str, settings: dict[str, Any], table: Table) -> CommandRun:
    """`rectify project --rebuild` in a process of its own: its time and peak memory, beside an idle command's."""
    say(f"{kind}: running rectify project --rebuild --until-caught-up in a process of its own")
    idle = run_command(settings, "project", "--status")
    built = run_command(settings, "project", "--rebuild", "--until-caught-up")
    say(f"{kind}: the command took {built.seconds:.1f} s, peak memory {built.peak_rss / 1e6:,.0f} MB")
    table.command(kind, "rectify project --rebuild (own process)", built, idle)
    table.peak_memory(kind, "projector's peak memory (rebuild)", built, PEAK_MEMORY)
    return idle


def measure_seals(
    kind: str, settings: dict[str, Any], postgres_url: str, size: Size, runs: int, idle: CommandRun, table: Table
) -> None:
    """Seal the whole history from zero, then check it: `verify` against a plain read, and `rectify verify`."""
    say(f"{kind}: sealing the history from zero")
    reset_seals(kind, settings, postgres_url, size.name)
    sealed = seal_history(settings)
    say(f"{kind}: sealed {sealed.events} records in {sealed.seconds:.1f} s ({sealed.rate:,.0f} ev/s)")
    reads, checks = [], []
    for n in range(runs):  # in turns, so a change of load shows on both
        reads.append(read_records(settings))
        checks.append(verify_chain(settings))
        say(
            f"{kind}: read {reads[-1].events} stored records in {reads[-1].seconds:.2f} s, verified them in "
            f"{checks[-1].seconds:.2f} s (run {n + 1} of {runs})"
        )
    table.seals(kind, sealed, median_of(reads), median_of(checks), VERIFY_RATIO)
    say(f"{kind}: running rectify verify in a process of its own")
    command = run_command(settings, "verify", on_stderr=lambda at, line: say(f"{kind}:   stderr +{at:.1f} s: {line}"))
    say(f"{kind}: rectify verify took {command.seconds:.1f} s, peak memory {command.peak_rss / 1e6:,.0f} MB")
    say(f"{kind}: it said: {command.stdout.strip()}")
    table.command(kind, "rectify verify (own process)", command, idle, verify_detail(command, sealed.events))


def verify_detail(command: CommandRun, events: int) -> str:
    """The command's rate over its whole run, and over the check alone (the time it prints itself)."""
    found = re.search(r" records in ([0-9.]+) s", command.stdout)
    checking = float(found[1]) if found else 0.0
    own = f"; checking {checking:.1f} s, {events / checking:,.0f} ev/s" if checking else ""
    return f" ({events / command.seconds:,.0f} ev/s{own})"


def median_of(runs: list[Throughput]) -> Throughput:
    return Throughput(
        runs[0].events, statistics.median(r.seconds for r in runs), statistics.median(r.cpu_seconds for r in runs)
    )


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
        table.latency(kind, case.name, latency, CIRCULAR_MS if "circular" in case.name else LIST_MS)


def http_client(settings: dict[str, Any]) -> Any:
    return bench_app(settings).test_client()


if __name__ == "__main__":
    raise SystemExit(main())
