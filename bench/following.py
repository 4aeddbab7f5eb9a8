"""The projector's CPU per event while it follows commands beside the workers, against commit b3aa6df's.

    python -m bench.following [--store sqlite|postgres|both] [--rate 40] [--seconds 20] [--check]

Over a rebuild (bench.run) the projector writes batches of 50,000 events. Beside the workers, what it does
is follow the log: a few events at a time, each batch a transaction with its tracking position, the rows
it changes and the counts of the circular. That is the projector's share of the machine the workers
compete for. So, for this tree and for commit b3aa6df (its tree exported as bench.before exports it, and
served by its own code): a fresh store (durable SQLite, or a PostgreSQL schema) seeded as bench.commands
seeds it, `rectify serve` as it comes, and eight clients paced together at `--rate` commands a second
(the same for both, below what either serves) for `--seconds` after a warm-up. The projector's CPU (its
process's user and system time) is taken from the moment it has projected the seeding until it has
projected the last command, and divided by the events in between. Target: at most half of b3aa6df's CPU
per event, on each store (`--store`). On PostgreSQL the server's processes do the writing; the
projector's own CPU is what is counted there too, the client's side of each transaction.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import commands
from bench.before import BEFORE, export
from bench.commands import add_load_arguments, fresh_settings, run_phase, seed, start_server, stop_server
from service.read_store import views_path
from service.stores import sqlite_path

CPU_SHARE = 0.5  # of b3aa6df's CPU per event
TICK = os.sysconf("SC_CLK_TCK")
STORES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class Following:
    """What one server's projector spent following the load."""

    store: str
    tree: str
    events: int
    cpu_seconds: float
    seconds: float  # from caught up with the seeding to caught up with the last command
    command_rate: float
    failures: dict[str, int]

    @property
    def cpu_ms_per_event(self) -> float:
        return 1000 * self.cpu_seconds / self.events

    @property
    def cpu_share(self) -> float:
        """The share of one CPU the projector took while following."""
        return self.cpu_seconds / self.seconds


def projector_pid(master: int, timeout: float = 30.0) -> int:
    """The pid of `rectify project`, the child the gunicorn master starts beside its workers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except (OSError, ValueError):
                continue  # not a process, or gone
            if int(stat.rsplit(")", 1)[1].split()[1]) == master and b"service.cli\0project" in cmdline:
                return int(entry.name)
        time.sleep(0.1)
    raise RuntimeError(f"no projector under the server {master}")


def cpu_seconds(pid: int) -> float:
    """A process's user and system time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime and stime, the 14th and 15th fields of stat


@dataclass(frozen=True)
class Positions:
    """How far the log goes, and how far the view has projected it (None: the projector is making its tables)."""

    head: Callable[[], int]
    view: Callable[[], int | None]


def sqlite_positions(url: str) -> Positions:
    """Read with SQLite itself, not this tree's code: the other tree's store may be laid out otherwise."""

    def head() -> int:
        with closing(sqlite3.connect(sqlite_path(url))) as events:
            return int(events.execute("SELECT COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()[0])

    def view() -> int | None:
        with closing(sqlite3.connect(views_path(url))) as views:
            try:
                row = views.execute("SELECT notification_id FROM tracking WHERE application_name = 'Rectify'")
                found = row.fetchone()
            except sqlite3.OperationalError:  # no tracking table yet
                return None
        return None if found is None else int(found[0])

    return Positions(head, view)


def postgres_positions(postgres_url: str, schema: str) -> Positions:
    """The same from the schema's tables, named as both trees name them."""

    def head() -> int:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            found = connection.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.rectify_events")
            return int(found.fetchone()[0])  # type: ignore[index]

    def view() -> int | None:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            try:
                row = connection.execute(
                    f"SELECT notification_id FROM {schema}.readmodel_tracking WHERE application_name = 'Rectify'"
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
        return None if row is None else int(row[0])

    return Positions(head, view)


def caught_up(positions: Positions, pid: int, timeout: float = 120.0) -> int:
    """Wait until the projector has projected the whole log; its head then."""
    head, deadline = positions.head(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        position = positions.view()
        if position is not None and position >= head:
            return head
        if not Path(f"/proc/{pid}").exists():
            raise RuntimeError(f"the projector {pid} stopped")
        time.sleep(0.05)
    raise RuntimeError(f"the projector did not reach position {head} in {timeout:.0f} s")


def follow(store: str, tree: Path | None, args: argparse.Namespace) -> Following:
    """One server (this tree's, or the one exported to `tree`) under the paced load; its projector's figures."""
    settings = fresh_settings(store, args.postgres_url)
    settings["RECTIFY_SQLITE_SYNCHRONOUS"] = "full"
    url = settings["RECTIFY_DATABASE_URL"]
    positions = sqlite_positions(url) if store == "sqlite" else postgres_positions(args.postgres_url, commands.SCHEMA)
    tokens, owned = seed(settings, args.clients, args.findings_per_client)
    label = BEFORE if tree is not None else "this tree"
    log = Path(tempfile.gettempdir()) / f"bench-following-{'before' if tree else 'this'}.log"
    process, address = start_server(settings, log, tree=tree)
    try:
        projector = projector_pid(process.pid)
        first = caught_up(positions, projector)
        started, cpu = time.monotonic(), cpu_seconds(projector)
        phase = run_phase("commands", address, tokens, owned, args, rate=args.rate / args.clients)
        last = caught_up(positions, projector)
        spent, seconds = cpu_seconds(projector) - cpu, time.monotonic() - started
        if projector_pid(process.pid) != projector:
            raise RuntimeError("the projector was restarted during the run")
    finally:
        stop_server(process)
    return Following(store, label, last - first, spent, seconds, phase.rate, phase.failures)


def report(runs: list[Following]) -> bool:
    now, before = runs
    durable = ", durable" if now.store == "sqlite" else ""
    print(f"\nthe projector following commands paced at {now.command_rate:.0f}/s ({STORES[now.store]}{durable})")
    print(f"{'tree':10} {'events':>8} {'CPU s':>8} {'ms/event':>9} {'CPU share':>10} {'not 200':>8}")
    for run in runs:
        print(
            f"{run.tree:10} {run.events:8} {run.cpu_seconds:8.2f} {run.cpu_ms_per_event:9.3f} "
            f"{run.cpu_share:10.1%} {sum(run.failures.values()):8}"
        )
    ratio = now.cpu_ms_per_event / before.cpu_ms_per_event
    met = ratio <= CPU_SHARE and not now.failures
    print(f"CPU per event ÷ {BEFORE}'s: {ratio:.2f} (target ≤ {CPU_SHARE}): {'met' if met else 'MISSED'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rate", type=float, default=40.0, help="commands a second, all clients together")
    add_load_arguments(parser, seconds=20.0)
    parser.add_argument("--check", action="store_true", help="exit status 1 when the target is missed")
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="rectify-before-") as directory:
        tree = Path(directory, "tree")
        export(tree)
        for store in stores:
            verdicts.append(report([follow(store, None, args), follow(store, tree, args)]))
    return 0 if all(verdicts) or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
