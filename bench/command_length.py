"""A command's cost against its finding's length: findings of 5 and of 500 events, two workers on one store.

    python -m bench.command_length [--store sqlite|postgres|both] [--findings 20] [--rounds 4]

Two applications on one store stand for two workers (each with its own cache of aggregates), each behind
a Flask test client. Each round sends one reassignment per finding, taking the workers by turns, so each
load finds its worker's cached finding one event behind (the other worker's command) and brings it up to
date from the store. The first round, where each worker loads each finding for the first time, is kept
apart (a cold load still replays the whole finding, once per worker); the figure is the ratio of the
median command on long findings to the median on short ones, target at most 1.5.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from dataclasses import dataclass
from uuid import UUID

from flask.testing import FlaskClient

from bench.commands import fresh_settings, issued
from bench.stores import POSTGRES_URL
from domain.finding import Finding
from domain.values import Actor, Role
from service import create_app
from service.application import Rectify
from service.config import build_application, initialise_store

LENGTHS = (5, 500)
TARGET = 1.5
INSPECTOR = Actor("inspector", Role.INSPECTOR)


@dataclass(frozen=True)
class LengthResult:
    store: str
    cold_ms: dict[int, float]
    warm_ms: dict[int, float]

    @property
    def ratio(self) -> float:
        return self.warm_ms[LENGTHS[1]] / self.warm_ms[LENGTHS[0]]


def finding_of_length(application: Rectify, events: int, number: int) -> str:
    """A finding issued and reassigned until it has `events` events (saved at once, as a ledger import would)."""
    finding = application.repository.get(UUID(issued(application, INSPECTOR, number, "B01")))
    assert isinstance(finding, Finding)
    for turn in range(events - 1):
        now = application.clock()
        finding.assign(assignee=f"整改人{turn % 7}", note="", actor=INSPECTOR, occurred_at=now, now=now)
    application.save(finding)
    return str(finding.id)


def timed_round(clients: list[FlaskClient], findings: list[str], token: str, turn: int) -> list[float]:
    took = []
    for number, finding in enumerate(findings):
        client = clients[(number + turn) % len(clients)]
        body = {"assignee": f"改派{turn}", "note": "改派"}
        started = time.perf_counter()
        answer = client.post(
            f"/api/v1/findings/{finding}/assign", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        took.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)[:200]}")
    return took


def measure_length(store: str, args: argparse.Namespace) -> LengthResult:
    settings = fresh_settings(store, args.postgres_url) | {"RECTIFY_RATE_LIMIT_TOKEN": "off", "TESTING": True}
    initialise_store(settings)
    seeder = build_application(settings)
    admin = Actor("bench", Role.ADMIN)
    seeder.register_unit(admin, code="B01", name="分局B01")
    token = seeder.add_user("unit-B01", Role.UNIT, "B01")
    findings = {length: [finding_of_length(seeder, length, n) for n in range(args.findings)] for length in LENGTHS}
    seeder.close()
    workers = [build_application(settings) for _ in range(2)]
    clients = [create_app(settings, application=worker).test_client() for worker in workers]
    logging.getLogger("rectify.requests").disabled = True  # a line per request is not what is measured
    cold: dict[int, float] = {}
    warm: dict[int, float] = {}
    try:
        for length in LENGTHS:
            first = timed_round(clients, findings[length], token, 0) + timed_round(clients, findings[length], token, 1)
            cold[length] = statistics.median(first) * 1000
        rounds: dict[int, list[float]] = {length: [] for length in LENGTHS}
        for turn in range(2, 2 + args.rounds):
            for length in LENGTHS:  # by turns, so a noisy moment falls on both
                rounds[length] += timed_round(clients, findings[length], token, turn)
        warm = {length: statistics.median(took) * 1000 for length, took in rounds.items()}
    finally:
        for worker in workers:
            worker.close()
    return LengthResult(store, cold, warm)


def report_length(results: list[LengthResult]) -> bool:
    short, long = LENGTHS
    print(f"\na command against its finding's length ({short} and {long} events), two workers by turns")
    print(f"{'store':9} {'cold ' + str(short):>9} {'cold ' + str(long):>9} {short:>9} {long:>9} ratio target  verdict")
    met = True
    for result in results:
        ok = result.ratio <= TARGET
        met &= ok
        cold, warm = result.cold_ms, result.warm_ms
        print(
            f"{result.store:9} {cold[short]:9.2f} {cold[long]:9.2f} {warm[short]:9.2f} {warm[long]:9.2f} "
            f"{result.ratio:5.2f} {TARGET:6.1f}  {'met' if ok else 'MISSED'}"
        )
    print("(milliseconds per command, median; cold: each worker's first load of the finding)")
    return met


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--findings", type=int, default=20, help="findings of each length")
    parser.add_argument("--rounds", type=int, default=4, help="timed commands per finding")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--check", action="store_true", help="exit status 1 when the target is missed")
    add_arguments(parser)
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    met = report_length([measure_length(store, args) for store in stores])
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
