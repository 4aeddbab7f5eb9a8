"""`rectify verify` over synthetic logs of 100,000 and 1,000,000 records: `python -m bench.verify_scale`.

The contract: a verify over a million events streams, in bounded memory, and
reports progress on the command line. Each log is written straight into the
store's events table (after two records of a unit registered through the
application, which every command decodes first: synthetic records of realistic
sizes, 320–620 bytes of state, over many originators, at positions 3..N), each
batch sealed once written with `projections.sealing.seals_of` through the seal
store's own `append`, and then checked by `rectify verify` in a process of its
own, which reports its time, its peak resident memory (VmHWM) and the progress
lines it prints on stderr, shown as they come. The peak at a million should be about the peak at 100,000: the check
holds one page of records and one of seals whatever the length of the log.

The stores are kept under `var/bench/verify_<N>/` (SQLite) and in the schema
`verify_<N>` (PostgreSQL), each described by `var/bench/<store>-verify_<N>.json`,
written last; `--drop` removes them when done.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from eventsourcing.persistence import Notification

from bench.history import SETUP
from bench.measure import CommandRun, run_command
from bench.report import load, machine, mb
from bench.stores import POSTGRES_URL, ROOT, _connect, checkpoint
from projections.sealer import stored_records
from projections.sealing import GENESIS, StoredRecord, seals_of
from service.config import build_application, initialise_store, load_settings
from service.read_store import open_seals, seals_path, views_path

SCALE_VERSION = 1  # raise when the synthetic log changes, so kept stores are built again
SIZES = (100_000, 1_000_000)
BATCH = 10_000  # records written, and seals appended, per transaction
VERSIONS = 5  # records per originator: N / 5 originators
FLAT = 1.10  # the peak at the largest size within 10% of the smallest's counts as flat
TOPICS = (  # the benchmark history's mix of event types after each finding's first
    ("rectify:Finding.Assigned", 20),
    ("rectify:Finding.Rectified", 21),
    ("rectify:Finding.Reviewed", 20),
    ("rectify:Finding.Warned", 14),
    ("rectify:Finding.DeadlineExtended", 2),
    ("rectify:Finding.Escalated", 1),
    ("rectify:Finding.Reopened", 1),
    ("rectify:Finding.Withdrawn", 1),
)


class Record(NamedTuple):
    """A stored record as the recorder hands it back (the library's `Notification`)."""

    id: int
    originator_id: uuid.UUID
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Outcome:
    kind: str
    records: int
    built: dict[str, Any]
    run: CommandRun
    idle: CommandRun

    @property
    def checking(self) -> float | None:
        """The seconds the command says the check took (its own clock, without starting up)."""
        found = re.search(r" records in ([0-9.]+) s", self.run.stdout)
        return float(found[1]) if found else None

    @property
    def progress(self) -> list[str]:
        return [line for line in self.run.stderr.splitlines() if line.startswith("checked ")]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    outcomes: list[Outcome] = []
    notes = [machine()]
    for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        notes.append(f"{kind}: {load()} at the start")
        for records in sizes:
            settings, built = prepared(kind, records, args.postgres_url, regenerate=args.regenerate)
            notes.append(describe(kind, built))
            # What a command costs that only starts up (`project --status` would decode the first record,
            # which here is no domain event).
            idle = run_command(settings, "keygen")
            for n in range(args.runs):
                say(f"{kind}: rectify verify over {records:,} records (run {n + 1} of {args.runs})")
                run = run_command(settings, "verify", on_stderr=lambda at, line: say(f"  stderr +{at:.1f} s: {line}"))
                outcome = Outcome(kind, records, built, run, idle)
                say(f"{kind}:   stdout: {run.stdout.strip()}")
                say(f"{kind}:   {run.seconds:.1f} s, peak memory {mb(run.peak_rss)}")
                outcomes.append(outcome)
            if args.drop:
                drop(kind, records, args.postgres_url)
        notes.append(f"{kind}: {load()} at the end")
    print()
    print(render(notes, outcomes))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.verify_scale", description=__doc__.splitlines()[0])
    p.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="records in each log, comma-separated")
    p.add_argument("--runs", type=int, default=1, help="runs of rectify verify on each log")
    p.add_argument("--regenerate", action="store_true", help="build the logs again even if they are kept")
    p.add_argument("--drop", action="store_true", help="remove each log (files or schema) once measured")
    p.add_argument("--postgres-url", default=POSTGRES_URL, help="server and database; the schema is verify_<N>")
    return p


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def name_of(records: int) -> str:
    return f"verify_{records}"


def store_url(kind: str, records: int, postgres_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{ROOT / name_of(records) / 'rectify.db'}"
    return f"{postgres_url}?schema={name_of(records)}"


def prepared(kind: str, records: int, postgres_url: str, *, regenerate: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings of a store holding a sealed synthetic log of `records` records, built first if need be."""
    url = store_url(kind, records, postgres_url)
    settings = load_settings({"RECTIFY_DATABASE_URL": url, "RECTIFY_CIPHER_KEY": ""})
    described = ROOT / f"{kind}-{name_of(records)}.json"
    kept = json.loads(described.read_text()) if described.exists() else {}
    if kept.get("version") == SCALE_VERSION and not regenerate:
        say(f"{kind}: using the kept log of {records:,} records {url} (built {kept['built_on']})")
        return settings, kept
    described.unlink(missing_ok=True)
    built = build(kind, records, settings, postgres_url)
    described.write_text(json.dumps(built, indent=1))
    return settings, built


def build(kind: str, records: int, settings: dict[str, Any], postgres_url: str) -> dict[str, Any]:
    """An empty store, its events table filled straight from Python, then its seals; what was made, how fast."""
    url = settings["RECTIFY_DATABASE_URL"]
    say(f"{kind}: building a log of {records:,} records into {url}")
    drop(kind, records, postgres_url)
    if kind == "postgres":
        with _connect(postgres_url) as connection:
            connection.execute(f'CREATE SCHEMA "{name_of(records)}"')
    initialise_store(settings)
    sealing = Sealing(settings)
    started = time.perf_counter()
    try:
        sealing(first_records(settings))
        written = write_log(kind, records, url, postgres_url, sealing)
    finally:
        sealing.close()
    wrote = time.perf_counter() - started - sealing.seconds
    say(f"{kind}: wrote {records:,} records ({written / 1e6:,.0f} MB of state) in {wrote:.1f} s")
    sealed, head = sealing.seconds, sealing.previous
    say(f"{kind}: sealed them in {sealed:.1f} s ({records / sealed:,.0f} records/s); head {records}:{head}")
    checkpoint(kind, url)
    return {
        "version": SCALE_VERSION,
        "records": records,
        "originators": originators(records),
        "state_bytes": written,
        "write_seconds": round(wrote, 1),
        "seal_seconds": round(sealed, 1),
        "head": f"{records}:{head}",
        "disk_bytes": disk_bytes(kind, url, postgres_url, name_of(records)),
        "built_on": time.strftime("%Y-%m-%d %H:%M"),
    }


def first_records(settings: dict[str, Any]) -> list[Notification]:
    """A unit registered through the application: every command decodes the log's first record before it starts."""
    application = build_application(settings)
    try:
        application.register_unit(SETUP, code="HQ", name="集团公司")
        return list(stored_records(application.recorder))
    finally:
        application.close()


def originators(records: int) -> int:
    return max(records // VERSIONS, 1)


def synthetic_log(records: int, first: int, seed: int = 2026) -> Iterator[list[Record]]:
    """The log from position `first` to `records` in batches of BATCH: originators in turn, VERSIONS records each.

    The record at position p is version (p - first) // M + 1 of originator (p - first) % M, so
    every originator's records are spread along the whole log, as findings' are. Their states
    are 320–620 bytes of JSON.
    """
    rng = random.Random(seed)
    count = originators(records)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
    pool = base64.b64encode(rng.randbytes(1 << 20))  # text to cut the states' notes from
    topics = [topic for topic, weight in TOPICS for _ in range(weight)]
    batch: list[Record] = []
    for position in range(first, records + 1):
        index, version = (position - first) % count, (position - first) // count + 1
        topic = "rectify:Finding.Issued" if version == 1 else rng.choice(topics)
        note = rng.randrange(len(pool) - 600)
        state = (
            b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-27T02:00:00.%06d+00:00"},'
            b'"actor":{"_type_":"rectify.actor","_data_":{"name":"inspector.%02d","role":"inspector"}},'
            b'"note":"%s"}' % (position % 1_000_000, position % 40, pool[note : note + rng.randrange(140, 440)])
        )
        batch.append(Record(position, ids[index], version, topic, state))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_log(kind: str, records: int, url: str, postgres_url: str, seal: Sealing) -> int:
    """Insert the records straight into the events table, a transaction per batch, sealing each batch once written.

    Returns the bytes of state written.
    """
    written = 0
    if kind == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            connection.execute("PRAGMA synchronous = OFF")
            columns = "rowid, originator_id, originator_version, topic, state"
            insert = f"INSERT INTO stored_events ({columns}) VALUES (?, ?, ?, ?, ?)"
            for batch in synthetic_log(records, seal.position + 1):
                with connection:
                    connection.executemany(insert, [(r.id, r.originator_id.hex, *r[2:]) for r in batch])
                seal(batch)
                written += sum(len(r.state) for r in batch)
                progress(batch[-1].id, records)
        finally:
            connection.close()
        return written
    table = f'"{name_of(records)}".rectify_events'
    copy = f"COPY {table} (notification_id, originator_id, originator_version, topic, state) FROM STDIN"
    with _connect(postgres_url) as connection:
        for batch in synthetic_log(records, seal.position + 1):
            with connection.transaction(), connection.cursor() as cursor, cursor.copy(copy) as rows:
                for record in batch:
                    rows.write_row(record)
            seal(batch)
            written += sum(len(r.state) for r in batch)
            progress(batch[-1].id, records)
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), {records})")
        connection.execute(f"ANALYZE {table}")
    return written


def progress(done: int, records: int) -> None:
    """A line each tenth of the log (batches end where the first records left off, not on round numbers)."""
    step = max(records // 10, BATCH)
    if done // step != (done - BATCH) // step or done == records:
        say(f"  {done:,}/{records:,}")


class Sealing:
    """Seals each batch once it is written, as the sealer would (the same chain, the seal store's own `append`)."""

    def __init__(self, settings: dict[str, Any]):
        self.store = open_seals(settings)
        self.previous = GENESIS
        self.position = 0
        self.seconds = 0.0

    def __call__(self, batch: Sequence[StoredRecord]) -> None:
        started = time.perf_counter()
        seals = list(seals_of(self.previous, batch))
        self.store.append(seals)
        self.position, self.previous = seals[-1]
        self.seconds += time.perf_counter() - started

    def close(self) -> None:
        self.store.datastore.close()


def disk_bytes(kind: str, url: str, postgres_url: str, schema: str) -> int:
    if kind == "sqlite":
        events = Path(url.removeprefix("sqlite:///"))
        paths = [events, views_path(url), seals_path(url)]
        return sum(p.stat().st_size for path in paths for p in path.parent.glob(path.name + "*"))
    with _connect(postgres_url) as connection:
        row = connection.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchone()
    return int(row[0])


def drop(kind: str, records: int, postgres_url: str) -> None:
    """Remove a log and its description: the SQLite files, or the PostgreSQL schema."""
    (ROOT / f"{kind}-{name_of(records)}.json").unlink(missing_ok=True)
    if kind == "sqlite":
        folder = ROOT / name_of(records)
        for path in folder.glob("rectify*") if folder.exists() else ():
            path.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        return
    ROOT.mkdir(parents=True, exist_ok=True)
    with _connect(postgres_url) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{name_of(records)}" CASCADE')


def describe(kind: str, built: dict[str, Any]) -> str:
    return (
        f"{kind}: {built['records']:,} records over {built['originators']:,} originators, "
        f"{built['state_bytes'] / built['records']:,.0f} bytes of state each on average; written in "
        f"{built['write_seconds']} s, sealed in {built['seal_seconds']} s on {built['built_on']}; "
        f"{mb(built['disk_bytes'])} on disk"
    )


def render(notes: list[str], outcomes: list[Outcome]) -> str:
    headers = ("store", "records", "wall time", "events/s", "checking (own clock)", "peak memory", "progress lines")
    rows = [headers]
    for o in outcomes:
        checking = f"{o.checking:.1f} s ({o.records / o.checking:,.0f} ev/s)" if o.checking else "?"
        peak = f"{mb(o.run.peak_rss)} (idle {mb(o.idle.peak_rss)})"
        rate = f"{o.records / o.run.seconds:,.0f}"
        rows.append((o.kind, f"{o.records:,}", f"{o.run.seconds:.1f} s", rate, checking, peak, str(len(o.progress))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*notes, "", *lines, "", *flatness(outcomes)])


def flatness(outcomes: list[Outcome]) -> list[str]:
    """Peak memory at the largest log against the smallest, per store: the claim is that it does not grow."""
    said = []
    for kind in dict.fromkeys(o.kind for o in outcomes):
        runs = [o for o in outcomes if o.kind == kind]
        small = min(runs, key=lambda o: (o.records, o.run.peak_rss))
        large = max(runs, key=lambda o: (o.records, o.run.peak_rss))
        if small.records == large.records:
            continue
        ratio = large.run.peak_rss / small.run.peak_rss
        verdict = "flat" if ratio <= FLAT else "GROWS"
        said.append(
            f"{kind}: peak memory at {large.records:,} records / at {small.records:,}: {ratio:.2f} "
            f"({mb(large.run.peak_rss)} / {mb(small.run.peak_rss)}; {large.records // small.records}x the records) "
            f"{verdict}"
        )
    return said


if __name__ == "__main__":
    raise SystemExit(main())
