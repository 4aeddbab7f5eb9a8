"""`rectify demo`: seed a living data set."""

from __future__ import annotations

import argparse

from service.cli.common import opened_store
from service.config import initialise_store, load_settings
from service.demo import seed_demo


def demo_command(args: argparse.Namespace) -> int:
    """Seed a new store with demo data and print the demo users' tokens."""
    initialise_store(load_settings())
    with opened_store() as application:
        summary = seed_demo(application, weeks=args.weeks, seed=args.seed, progress=print_progress)
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(summary["statuses"].items()))
    print(f"seeded {summary['units']} units, {summary['findings']} findings, {summary['events']} events")
    print(f"findings now: {statuses}; overdue {summary['overdue']}; long-term {summary['long_term']}")
    print(f"files of evidence attached: {summary['evidence_files']}")
    print("demo users (tokens are shown this once):")
    for name, role, unit, token in summary["tokens"]:
        who = f"{role.value} {unit}" if unit else role.value
        print(f"  {name:<10} {who:<16} {token or '(existed already; token not shown)'}")
    print("sign in to the web console at /console/login with a user's name and token")
    return 0


def print_progress(issued: int, findings: int, done: int, commands: int) -> None:
    """A line every tenth of the way, so a long seeding shows it is moving."""
    if done == commands or done % max(commands // 10, 1) == 0:
        print(f"findings: {issued}/{findings}  events: {done}/{commands}", flush=True)
