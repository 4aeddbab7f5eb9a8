"""Commands over HTTP against their ceiling: `rectify serve` as it comes, loaded from processes of its own.

    python -m bench.commands [--store sqlite|postgres|both] [--clients 8] [--seconds 10] [--check]

For each store: a fresh store with a few branches, their unit users, an inspector and a reviewer, and
findings for every client; `rectify serve` with its default workers and its projector (rate limits off,
so the raw cost of a command is what is measured); then, by turns, the ceiling (GET /healthz, the app's
trivial JSON answer, through the same server) and the commands (the lives in bench/load.py: assign,
reassign, rectify, review both ways, escalate, reopen; some with If-Match, some with Idempotency-Key),
each for the same time from the same number of clients. The ratio of the command rate to the mean of the
ceilings around it is the figure; p50 and p99 of the commands' latencies, every non-200 answer and the
peak resident memory of a gunicorn worker are printed beside it. Sent back to back, eight clients keep
eight commands in flight, and each waits, on average, eight over the rate (Little's law): that latency is
the queue's. So the latency target is read from a last run of the same clients each sending at its turn,
together at half the command rate just measured (`PACED_SHARE`), each latency counted from the moment
its command was due. SQLite runs twice: durable (the default) and with RECTIFY_SQLITE_SYNCHRONOUS=normal.
Then a command's cost against its finding's length (bench/command_length.py). `--check` exits 1 when any
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.stores import POSTGRES_URL
from domain.values import Actor, Role, Severity, Source
from service.application import Rectify
from service.commands import CommandOptions
from service.config import build_application, initialise_store, load_settings

ROOT = Path("var/bench/commands")
SCHEMA = "bench_commands"
BRANCHES = ("B01", "B02", "B03", "B04")
TARGETS = {"sqlite": 0.25, "sqlite-normal": 0.30, "postgres": 0.12}
P99_TARGET_MS = 50.0
PACED_SHARE = 0.5  # the paced run's rate, a share of the commands' rate sent back to back
WORKER_RSS_TARGET_MB = 300.0
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Phase:
    """One timed run of the load: requests per second, latencies, and the answers that were not 200."""

    kind: str
    rate: float
    latencies: list[float]
    failures: dict[str, int]
    errors: list[str]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


def fresh_settings(store: str, postgres_url: str) -> dict[str, Any]:
    """The settings of an empty store of this kind (what an earlier run left is thrown away)."""
    if store == "sqlite":
        shutil.rmtree(ROOT, ignore_errors=True)
        ROOT.mkdir(parents=True)
        url = f"sqlite:///{(ROOT / 'rectify.db').resolve()}"  # a server may run in another directory
    else:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            connection.execute(f"CREATE SCHEMA {SCHEMA}")  # the library makes tables, not schemas
        url = f"{postgres_url}?schema={SCHEMA}"
    return load_settings({"RECTIFY_DATABASE_URL": url, "RECTIFY_WARN_EVERY": "0"})


def seed(
    settings: dict[str, Any], clients: int, per_client: int, *, history: bool = False
) -> tuple[dict[str, str], list[list[dict[str, Any]]]]:
    """Units, users and each client's findings; the tokens by role and the findings by client.

    On a store holding a generated history (`history`), its units HQ and B01…B04 are used as they are and
    the findings are given references of their own (XC-<year>-900001 …): a numbered issue would first step
    over every number the history's references took, one read each.
    """
    initialise_store(settings)
    application = build_application(settings)
    admin = Actor(name="bench", role=Role.ADMIN)
    if not history:
        application.register_unit(admin, code="HQ", name="巡察办")
        for code in BRANCHES:
            application.register_unit(admin, code=code, name=f"分局{code}", parent="HQ")
    tokens = {
        "inspector": application.add_user("inspector", Role.INSPECTOR),
        "reviewer": application.add_user("reviewer", Role.REVIEWER),
    }
    for code in BRANCHES:
        tokens[code] = application.add_user(f"unit-{code}", Role.UNIT, code)
    inspector = Actor(name="inspector", role=Role.INSPECTOR)
    owned: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
    for number in range(clients * per_client):
        unit = BRANCHES[number % len(BRANCHES)]
        reference = f"{Source.INSPECTION.prefix}-{application.clock().year}-{900001 + number}" if history else None
        finding = issued(application, inspector, number, unit, reference)
        owned[number % clients].append({"id": finding, "unit_token": tokens[unit]})
    application.close()
    return tokens, owned


def issued(application: Rectify, inspector: Actor, number: int, unit: str, reference: str | None = None) -> str:
    """The id of a plain finding, numbered for its title, due in a year (365 days: a leap day has no twin)."""
    given = {} if reference is None else {"reference": reference}
    result = application.issue_finding(
        inspector,
        CommandOptions(),
        source=Source.INSPECTION,
        severity=Severity.GENERAL,
        title=f"问题 {number}",
        description="巡察发现的问题",
        batch="2026年第一轮",
        category="作风建设",
        unit=unit,
        due_date=application.clock().date() + timedelta(days=365),
        **given,
    )
    return str(result.finding["id"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    settings: dict[str, Any], log: Path, extra_env: dict[str, str] | None = None, tree: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`rectify serve` with its defaults, limits off (and `extra_env`); up once /healthz answers. `tree`: the
    code of another commit to serve, run in its directory (see bench.before)."""
    port = free_port()
    env = {
        **os.environ,
        **({"PYTHONPATH": str(tree)} if tree is not None else {}),
        "RECTIFY_DATABASE_URL": settings["RECTIFY_DATABASE_URL"],
        "RECTIFY_SQLITE_SYNCHRONOUS": settings["RECTIFY_SQLITE_SYNCHRONOUS"],
        "RECTIFY_RATE_LIMIT_AUTH": "off",
        "RECTIFY_RATE_LIMIT_TOKEN": "off",
        "RECTIFY_WARN_EVERY": "0",
        **(extra_env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tree,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with OPENER.open(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"rectify serve did not come up; see {log}")


def peak_worker_rss_mb(master: int) -> float:
    """The highest peak resident memory (VmHWM) of the gunicorn workers under `master`, in MB."""
    peaks = [0.0]
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except (OSError, ValueError):
            continue  # not a process, or gone
        if int(stat.rsplit(")", 1)[1].split()[1]) != master or b"gunicorn" not in cmdline:
            continue  # the projector is the master's child too, but not a worker
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def run_phase(
    kind: str,
    url: str,
    tokens: dict[str, str],
    owned: list[list[dict[str, Any]]],
    args: argparse.Namespace,
    rate: float | None = None,
) -> Phase:
    """The load for `--seconds` (after a warm-up), from `--processes` processes sharing the clients: back to
    back, or each client sending `rate` requests a second at its turns (the phase is then `paced`)."""
    groups = [owned[number :: args.processes] for number in range(args.processes)]
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for number, clients in enumerate(groups):
            plan = Path(folder) / f"plan{number}.json"
            plan.write_text(
                json.dumps(
                    {
                        "url": url,
                        "tokens": tokens,
                        "clients": clients,
                        "kind": kind,
                        "warmup": args.warmup,
                        "seconds": args.seconds,
                        "seed": 1000 * number,
                        "rate": rate,
                    }
                )
            )
            runs.append(subprocess.Popen([sys.executable, "-m", "bench.load", str(plan)], stdout=subprocess.PIPE))
        answers = [json.loads(run.communicate()[0]) for run in runs]
    for number, answer in enumerate(answers):  # the lives go on where this run left them
        for place, lives in zip(range(number, len(owned), args.processes), answer["lives"], strict=True):
            owned[place] = lives
    statuses: dict[str, int] = {}
    for answer in answers:
        for status, count in answer["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    latencies = [x for answer in answers for x in answer["latencies"]]
    failures = {status: count for status, count in statuses.items() if status != "200"}
    errors = [error for answer in answers for error in answer["errors"]][:10]
    return Phase("paced" if rate else kind, len(latencies) / args.seconds, latencies, failures, errors)


def measure(store: str, args: argparse.Namespace) -> dict[str, Any]:
    settings = fresh_settings(store.split("-")[0], args.postgres_url)
    settings["RECTIFY_SQLITE_SYNCHRONOUS"] = "normal" if store == "sqlite-normal" else "full"
    tokens, owned = seed(settings, args.clients, args.findings_per_client)
    log = Path(tempfile.gettempdir()) / f"bench-commands-{store}.log"
    process, url = start_server(settings, log)
    try:
        phases = [run_phase(kind, url, tokens, owned, args) for kind in ("ceiling", "commands", "ceiling", "commands")]
        rate = statistics.mean(phase.rate for phase in phases if phase.kind == "commands") * PACED_SHARE
        phases.append(run_phase("commands", url, tokens, owned, args, rate=rate / args.clients))
        worker_rss_mb = peak_worker_rss_mb(process.pid)
    finally:
        stop_server(process)
    return summary(store, phases, worker_rss_mb, log) | {"target": TARGETS[store]}


def summary(store: str, phases: list[Phase], worker_rss_mb: float, log: Path) -> dict[str, Any]:
    """The figures of one server's phases: the rates, their ratio, the commands' percentiles, what failed."""
    ceiling = statistics.mean(phase.rate for phase in phases if phase.kind == "ceiling")
    commands = [phase for phase in phases if phase.kind == "commands"]
    latencies = [x for phase in commands for x in phase.latencies]
    merged = Phase("commands", statistics.mean(p.rate for p in commands), latencies, {}, [])
    paced = [x for phase in phases if phase.kind == "paced" for x in phase.latencies]
    paced_phase = Phase("paced", 0.0, paced, {}, [])
    failures: dict[str, int] = {}
    for phase in phases:
        for status, count in phase.failures.items():
            failures[status] = failures.get(status, 0) + count
    return {
        "store": store,
        "ceiling_rate": ceiling,
        "command_rate": merged.rate,
        "ratio": merged.rate / ceiling,
        "p50_ms": merged.percentile(0.50),
        "p99_ms": merged.percentile(0.99),
        "paced_rate": sum(phase.rate for phase in phases if phase.kind == "paced") or None,
        "paced_p50_ms": paced_phase.percentile(0.50) if paced else None,
        "paced_p99_ms": paced_phase.percentile(0.99) if paced else None,
        "failures": failures,
        "worker_rss_mb": worker_rss_mb,
        "load_average": os.getloadavg()[0],
        "errors": [error for phase in phases for error in phase.errors][:10],
        "server_log": str(log),
    }


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> bool:
    print(f"\ncommands over HTTP: {args.clients} clients in {args.processes} processes, {args.seconds} s a run")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"targets: ratio as below; p99 < {P99_TARGET_MS:.0f} ms with the clients paced at {PACED_SHARE:g} of the"
        " commands' rate (back to back, p99 is the queue's: printed beside); no answer but 200; worker RSS < 300 MB"
    )
    columns = ("ceiling/s", "commands/s", "ratio", "target", "p50 ms", "p99 ms", "paced/s", "paced p50",
               "paced p99", "worker MB", "load avg")  # fmt: skip
    print(f"{'store':13} " + " ".join(f"{column:>10}" for column in columns) + "  verdict")
    met = True
    for result in results:
        missed = [
            name
            for name, ok in (
                ("ratio", result["ratio"] >= result["target"]),
                ("p99", result["paced_p99_ms"] is not None and result["paced_p99_ms"] < P99_TARGET_MS),
                ("errors", not result["failures"]),
                ("memory", result["worker_rss_mb"] < WORKER_RSS_TARGET_MB),
            )
            if not ok
        ]
        met &= not missed
        print(
            f"{result['store']:13} {result['ceiling_rate']:10.0f} {result['command_rate']:10.0f} "
            f"{result['ratio']:10.3f} {result['target']:10.2f} {result['p50_ms']:10.1f} {result['p99_ms']:10.1f} "
            f"{result['paced_rate'] or 0:10.0f} {result['paced_p50_ms'] or 0:10.1f} "
            f"{result['paced_p99_ms'] or 0:10.1f} "
            f"{result['worker_rss_mb']:10.0f} {result['load_average']:10.1f}  "
            f"{'met' if not missed else 'MISSED: ' + ', '.join(missed)}"
        )
        if result["failures"]:
            print(f"  answers other than 200: {result['failures']}; e.g. {result['errors'][:3]}")
    return met


def add_load_arguments(parser: argparse.ArgumentParser, *, seconds: float) -> None:
    """The arguments of the load `seed` and `run_phase` take, for the benchmarks that serve and load."""
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2, help="load-generating processes sharing the clients")
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--findings-per-client", type=int, default=40)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)


def main(argv: list[str] | None = None) -> int:
    from bench.command_length import add_arguments, measure_length, report_length  # it imports this module

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    add_load_arguments(parser, seconds=10.0)
    parser.add_argument("--check", action="store_true", help="exit status 1 when a target is missed")
    add_arguments(parser)
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    results = []
    for store in stores:
        for variant in (store, "sqlite-normal") if store == "sqlite" else (store,):
            print(f"{variant}: seeding, serving, loading …", flush=True)
            results.append(measure(variant, args))
    met = report(results, args)
    lengths = [measure_length(store, args) for store in stores]
    met = report_length(lengths) and met
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
