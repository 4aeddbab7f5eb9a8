"""The generated history (`bench.history`, `bench.stores.writing_application`): the application without its cache
records what the service's own application records, and the writer lets go of each life once it is written."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from bench.history import HISTORY_NOW, seed_history, write_steps
from bench.lives import plan_life
from bench.stores import writing_application
from bench.tree import unit_tree
from service.config import build_application, load_settings
from service.loading import CheckedRepository


def finding_records(application: Any) -> list[tuple[Any, ...]]:
    """Every stored finding event in log order, its state without the moment it was made."""
    records = []
    for notification in application.recorder.select_notifications(start=1, limit=100_000):
        if notification.topic.startswith("rectify:Finding."):
            state = json.loads(notification.state)
            state.pop("timestamp")
            records.append((notification.id, notification.originator_id, notification.originator_version,
                            notification.topic, state))  # fmt: skip
    return records


def test_the_writing_application_records_the_finding_events_the_service_application_records(store_url):
    stored = []
    for url, make in ((store_url, build_application), ("memory:", writing_application)):
        application = make(load_settings({"RECTIFY_DATABASE_URL": url}))
        assert isinstance(application.repository, CheckedRepository) == (make is build_application)
        try:
            seed_history(application, findings=60, units=30, weeks=4, seed=5, say=lambda _: None)
            stored.append(finding_records(application))
        finally:
            application.close()
    cached, uncached = stored
    assert len(cached) > 60 * 2 and uncached == cached


def test_each_life_lets_go_of_its_steps_and_finding_once_written_and_every_step_is_written():
    application = writing_application(load_settings({"RECTIFY_DATABASE_URL": "memory:"}))
    rng, tree = random.Random(3), unit_tree(30)
    start = HISTORY_NOW - timedelta(weeks=4)
    lives = [plan_life(rng, HISTORY_NOW, start, tree) for _ in range(40)]
    steps = sorted((step for life in lives for step in life.steps), key=lambda step: step.at)
    planned = [step.at.isoformat() for step in steps]
    try:
        write_steps(application, steps, HISTORY_NOW, lambda _: None)
        records = finding_records(application)
    finally:
        application.close()
    assert steps == [] and all(life.steps == [] and life.finding is None for life in lives)
    # Each save holds a thousand steps, each finding's together: the log is in time order save by save.
    assert sorted(record[4]["occurred_at"]["_data_"] for record in records) == planned
