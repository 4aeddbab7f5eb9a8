"""Writing a planned history into a store, as the service would, many findings per save.

Findings are built with the domain's own commands (`Finding.issue`, `.assign`, …)
with back-dated `occurred_at` and one fixed `now`, then saved ~1000 events at a
time in the order they happened, so the log holds the same events, in nearly the
same order, as commands sent one by one would leave, in a fraction of the time.
References are given as a client would give them (`XC-2026-0001`), so no
reference-number log events are written.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.lives import INSPECTORS, REVIEWERS, Life, Step, plan_life
from bench.tree import UnitPlan, unit_person, unit_tree
from domain.finding import Finding
from domain.values import Actor, Role, Source, format_reference
from service.application import Rectify

# One moment for every store and run, so SQLite and PostgreSQL hold the same history and weeks.
HISTORY_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SETUP = Actor("bench", Role.ADMIN)
AUDITOR = "bench.auditor"
SAVE_EVENTS = 1000
Say = Callable[[str], None]


def seed_history(application: Rectify, *, findings: int, units: int, weeks: int, seed: int, say: Say) -> dict[str, Any]:
    """Units, users, and `findings` lives over the `weeks` before HISTORY_NOW; what was made, and the users' tokens."""
    rng = random.Random(seed)
    now = min(HISTORY_NOW, application.clock()).astimezone(application.timezone)
    start = now - timedelta(weeks=weeks)
    tree = unit_tree(units)
    register_units(application, tree, start - timedelta(days=1), say)
    tokens = add_users(application, tree)
    lives = [plan_life(rng, now, start, tree) for _ in range(findings)]
    steps = sorted((step for life in lives for step in life.steps), key=lambda step: step.at)
    planned = len(steps)
    commands = dict(Counter(step.method for step in steps))
    say(f"planned {findings} findings, {planned} finding events; writing them")
    write_steps(application, steps, now, say)
    return {
        "now": now.isoformat(),
        "finding_events": planned,
        "commands": commands,
        "statuses": dict(Counter(life.status for life in lives)),
        "auditor_token": tokens[AUDITOR],
        "tokens": tokens,
    }


def register_units(application: Rectify, tree: list[UnitPlan], at: datetime, say: Say) -> None:
    """Through the application, one unit at a time, as `rectify units add` would."""
    for done, unit in enumerate(tree, start=1):
        application.register_unit(SETUP, code=unit.code, name=unit.name, parent=unit.parent, occurred_at=at)
        if done % 100 == 0 or done == len(tree):
            say(f"units: {done}/{len(tree)}")


def add_users(application: Rectify, tree: list[UnitPlan]) -> dict[str, str]:
    """The people who appear in the events, and an auditor; every token by user name (the timings sign in with them)."""
    tokens = {actor.name: application.add_user(actor.name, actor.role) for actor in [*INSPECTORS, *REVIEWERS]}
    for branch in sorted({unit.branch for unit in tree if unit.branch}):
        person = unit_person(branch)
        tokens[person.name] = application.add_user(person.name, person.role, person.unit)
    tokens[AUDITOR] = application.add_user(AUDITOR, Role.AUDITOR)
    return tokens


def write_steps(application: Rectify, steps: list[Step], now: datetime, say: Say) -> None:
    """Apply each step to its aggregate in time order; save the touched aggregates every SAVE_EVENTS events.

    `steps` is emptied as it is written, and a life lets go of its steps and its finding once its last step
    is saved, so what is held falls to the lives still open as the history is written.
    """
    numbers: Counter[tuple[Source, int]] = Counter()
    touched: dict[int, Finding] = {}
    ended: list[Life] = []
    started = time.perf_counter()
    total = len(steps)
    steps.reverse()  # taken from the end: the oldest first
    for done in range(1, total + 1):
        step = steps.pop()
        touched[id(step.life)] = apply_step(step, now, numbers)
        if step is step.life.steps[-1]:
            ended.append(step.life)
        if done % SAVE_EVENTS == 0 or done == total:
            application.save(*touched.values())
            touched.clear()
            for life in ended:
                life.steps, life.finding = [], None
            ended.clear()
        if done % (SAVE_EVENTS * 10) == 0 or done == total:
            rate = done / (time.perf_counter() - started)
            say(f"finding events: {done}/{total} ({rate:,.0f}/s)")


def apply_step(step: Step, now: datetime, numbers: Counter[tuple[Source, int]]) -> Finding:
    """Run one planned command on its finding (issuing it first), exactly as the application would."""
    life: Life = step.life
    if step.method == "issue":
        source = step.fields["source"]
        year = step.at.year
        numbers[(source, year)] += 1
        reference = format_reference(source, year, numbers[(source, year)])
        life.finding = Finding.issue(reference=reference, actor=step.actor, occurred_at=step.at, now=now, **step.fields)
    else:
        getattr(life.finding, step.method)(actor=step.actor, occurred_at=step.at, now=now, **step.fields)
    return life.finding
