"""Several processes writing to one store at once, as gunicorn workers do."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime

import pytest
import time_machine

from domain.values import Actor, Role, Severity, Source
from service.application import CommandOptions
from service.config import build_application, load_settings

WORKERS = 4
FINDINGS_EACH = 8
INSPECTOR = Actor("inspector", Role.INSPECTOR)


def issue_many(url: str, start: multiprocessing.synchronize.Event, now: datetime) -> list[str]:
    """One worker, at the test's moment on its clock."""
    with time_machine.travel(now, tick=True):
        return issue_when_told(url, start)


def issue_when_told(url: str, start: multiprocessing.synchronize.Event) -> list[str]:
    """Wait for the others, then issue findings as fast as it can."""
    rectify = build_application(load_settings({"RECTIFY_DATABASE_URL": url}))
    start.wait()
    references = []
    for number in range(FINDINGS_EACH):
        result = rectify.issue_finding(
            INSPECTOR,
            CommandOptions(),
            source=Source.INSPECTION,
            batch="并发",
            title=f"问题{number}",
            description="",
            category="",
            severity=Severity.GENERAL,
            unit="BJ-01",
            due_date=date(2030, 1, 1),
        )
        references.append(result.finding["reference"])
    rectify.close()
    return references


@pytest.mark.time_machine("2027-05-10T10:00:00+08:00")  # references are numbered by the year in Shanghai
def test_workers_issuing_at_once_get_distinct_consecutive_references(application, store_url):
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(WORKERS) as pool:
        pending = [pool.apply_async(issue_many, (store_url, start, datetime.now(UTC))) for _ in range(WORKERS)]
        start.set()
        references = [reference for result in pending for reference in result.get(timeout=120)]
    expected = {f"XC-2027-{n:04d}" for n in range(1, WORKERS * FINDINGS_EACH + 1)}
    assert set(references) == expected
    assert len(references) == len(expected)
