"""Aggregates cached in each worker stay true to the store: other workers' changes, revocations, moves, holes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import InvalidTransition, NotAuthenticated, RecordBroken
from domain.values import Actor, Outcome, Role, Severity, Source
from service.application import Rectify
from service.commands import CommandOptions
from service.config import build_application, load_settings
from service.stores import application_env
from tests.service.tampering import RawLog

INSPECTOR = Actor("inspector", Role.INSPECTOR)
UNIT_BJ = Actor("bj", Role.UNIT, "BJ")
REVIEWER = Actor("reviewer", Role.REVIEWER)


@pytest.fixture
def other_worker(application: Rectify, store_url: str) -> Iterator[Rectify]:
    """A second application on the same store, as another worker or host runs it."""
    rectify = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    yield rectify
    rectify.close()


def issued(application: Rectify) -> Any:
    result = application.issue_finding(
        INSPECTOR,
        CommandOptions(),
        source=Source.INSPECTION,
        severity=Severity.GENERAL,
        title="公务接待超标准",
        description="接待费用超出标准。",
        batch="2026年第三轮巡察",
        category="作风建设",
        unit="BJ-01",
        due_date=application.clock().date() + timedelta(days=365),
    )
    return result.finding["id"]


def step(application: Rectify, finding: Any, rng: random.Random) -> None:
    """The next command of the finding's life, as its status allows."""
    status = application.get_finding(finding, INSPECTOR)["status"].value
    if status == "rectified":
        outcome = rng.choice([Outcome.ACCEPTED, Outcome.REJECTED])
        application.review(finding, REVIEWER, CommandOptions(), outcome=outcome, comment="佐证材料不足")
    elif status == "closed":
        application.reopen(finding, INSPECTOR, CommandOptions(), reason="回头看发现问题反弹")
    elif status == "assigned" and rng.random() < 0.5:
        application.rectify(finding, UNIT_BJ, CommandOptions(), measures="已整改", evidence=[])
    else:
        application.assign(finding, UNIT_BJ, CommandOptions(), assignee=rng.choice(["王芳", "李明"]), note="")


def test_commands_interleaved_across_two_workers_leave_both_at_the_stored_state(application, other_worker, store_url):
    finding = issued(application)
    workers = [application, other_worker]
    for seed in range(3):
        rng = random.Random(seed)
        for _turn in range(12):
            step(rng.choice(workers), finding, rng)
        settings = load_settings({"RECTIFY_DATABASE_URL": store_url})
        fresh = Rectify(env=application_env(settings) | {"AGGREGATE_CACHE_MAXSIZE": "0"})  # reads only the store
        try:
            stored = fresh.get_finding(finding, INSPECTOR)
        finally:
            fresh.close()
        assert application.get_finding(finding, INSPECTOR) == stored
        assert other_worker.get_finding(finding, INSPECTOR) == stored


def test_a_refused_command_leaves_the_cached_finding_as_it_was(application):
    finding = issued(application)
    application.assign(finding, UNIT_BJ, CommandOptions(), assignee="王芳", note="")
    with pytest.raises(InvalidTransition):  # no review before a fix is reported
        application.review(finding, REVIEWER, CommandOptions(), outcome=Outcome.ACCEPTED, comment="")
    state = application.get_finding(finding, INSPECTOR)
    assert (state["status"].value, state["version"]) == ("assigned", 2)


def test_a_token_revoked_in_one_worker_is_refused_at_once_by_another(application, other_worker):
    token = application.add_user("clerk", Role.UNIT, "BJ")
    assert other_worker.authenticate(token).name == "clerk"
    application.revoke_user("clerk")
    with pytest.raises(NotAuthenticated):
        other_worker.authenticate(token)


def test_a_unit_moved_in_one_worker_changes_what_a_unit_token_reaches_in_another(application, other_worker):
    assert other_worker.in_scope(UNIT_BJ, "BJ-01")
    application.move_unit(Actor("setup", Role.ADMIN), "BJ-01", "SH")
    assert not other_worker.in_scope(UNIT_BJ, "BJ-01")
    assert other_worker.in_scope(Actor("sh", Role.UNIT, "SH"), "BJ-01")


def test_an_event_removed_under_a_warm_cache_is_reported_not_hidden(application, other_worker, store_url):
    finding = issued(application)
    for assignee in ("王芳", "李明", "张伟"):
        application.assign(finding, UNIT_BJ, CommandOptions(), assignee=assignee, note="")
    assert other_worker.get_finding(finding, INSPECTOR)["version"] == 4  # both caches warm at version 4
    positions = {n.originator_version: n.id for n in application.store.select_positioned_events(finding)}
    RawLog(store_url).delete(positions[3])
    for worker in (application, other_worker):
        with pytest.raises(RecordBroken):
            worker.get_finding(finding, INSPECTOR)
        with pytest.raises(RecordBroken):
            worker.assign(finding, UNIT_BJ, CommandOptions(), assignee="赵磊", note="")


def test_an_event_removed_after_the_cached_version_is_reported_too(application, other_worker, store_url):
    finding = issued(application)
    assert other_worker.get_finding(finding, INSPECTOR)["version"] == 1  # cached at version 1
    for assignee in ("王芳", "李明", "张伟"):
        application.assign(finding, UNIT_BJ, CommandOptions(), assignee=assignee, note="")
    positions = {n.originator_version: n.id for n in application.store.select_positioned_events(finding)}
    RawLog(store_url).delete(positions[2])
    with pytest.raises(RecordBroken):
        other_worker.get_finding(finding, INSPECTOR)


def test_a_unit_moved_above_a_cached_chain_changes_what_it_reaches_in_another_worker(application, other_worker):
    sh = Actor("sh", Role.UNIT, "SH")
    assert not other_worker.in_scope(sh, "BJ-01")  # BJ-01 > BJ > HQ, all cached in the other worker now
    application.move_unit(Actor("setup", Role.ADMIN), "BJ", "SH")
    assert other_worker.in_scope(sh, "BJ-01")
    assert other_worker.unit_and_ancestors("BJ-01") == ["BJ-01", "BJ", "SH", "HQ"]


def test_a_last_event_rewritten_under_a_warm_cache_is_read_from_the_store(application, other_worker, store_url):
    finding = issued(application)
    application.assign(finding, UNIT_BJ, CommandOptions(), assignee="李明", note="")
    assert other_worker.get_finding(finding, INSPECTOR)["assignee"] == "李明"  # both caches warm at version 2
    position = max(n.id for n in application.store.select_positioned_events(finding))
    RawLog(store_url).edit(position, "李明".encode(), "赵磊".encode())
    for worker in (application, other_worker):
        assert worker.get_finding(finding, INSPECTOR)["assignee"] == "赵磊"
