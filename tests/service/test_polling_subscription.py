"""The stores' subscriptions (SQLite's woken by a watch of the file, PostgreSQL's by NOTIFY): in order, after a
position, seeing other connections' writes, saying what is at hand, stoppable."""

from __future__ import annotations

import threading
import time

import pytest

from domain.values import Actor, Role
from service.config import build_application, load_settings
from tests.conftest import fresh_store

ADMIN = Actor("admin", Role.ADMIN)


@pytest.fixture
def settings(store_url):
    return load_settings({"RECTIFY_DATABASE_URL": store_url})


def register(settings, *codes: str) -> None:
    """Units registered through an application of its own: another connection, as another process's would be."""
    application = build_application(settings)
    try:
        for code in codes:
            application.register_unit(ADMIN, code=code, name=code)
    finally:
        application.close()


def test_it_yields_what_follows_a_position_in_order_and_then_what_others_record(settings):
    register(settings, "A", "B", "C")
    reader = build_application(settings)
    try:
        first = reader.recorder.max_notification_id()
        register(settings, "D")
        head = reader.recorder.max_notification_id()
        with reader.recorder.subscribe(gt=first) as subscription:
            subscription._interval = 30.0  # only the NOTIFY (PostgreSQL) or the file's watch (SQLite) wakes it in time
            assert [next(subscription).id for _ in range(head - first)] == list(range(first + 1, head + 1))
            later = threading.Timer(0.05, register, (settings, "E"))
            later.start()
            started = time.monotonic()
            assert next(subscription).id == head + 1  # written by another connection while it waited
            assert time.monotonic() - started < 10
            later.join()
    finally:
        reader.close()


def test_it_says_whether_more_is_at_hand_so_a_batch_can_grow(settings):
    register(settings, "A", "B")
    reader = build_application(settings)
    try:
        with reader.recorder.subscribe(gt=0) as subscription:
            head = reader.recorder.max_notification_id()
            for _ in range(head - 1):
                next(subscription)
                assert subscription.has_buffered()
            next(subscription)
            assert not subscription.has_buffered()
    finally:
        reader.close()


def test_stopping_ends_a_wait_for_new_events_at_once(settings):
    reader = build_application(settings)
    try:
        subscription = reader.recorder.subscribe(gt=reader.recorder.max_notification_id())
        subscription._interval = 30.0  # only stop() can end the wait in time
        threading.Timer(0.05, subscription.stop).start()
        started = time.monotonic()
        with pytest.raises(StopIteration):
            next(subscription)
        assert time.monotonic() - started < 5
    finally:
        reader.close()


def test_fetching_reads_what_others_committed_without_waiting(settings):
    register(settings, "A")
    reader = build_application(settings)
    try:
        first = reader.recorder.max_notification_id()
        with reader.recorder.subscribe(gt=first) as subscription:
            subscription._interval = 30.0
            started = time.monotonic()
            assert not subscription.fetch()  # nothing new: it says so rather than wait
            register(settings, "B", "C")
            head = reader.recorder.max_notification_id()
            assert subscription.fetch()
            assert [next(subscription).id for _ in range(head - first)] == list(range(first + 1, head + 1))
            assert not subscription.has_buffered()
            assert time.monotonic() - started < 10
    finally:
        reader.close()


def watch_threads() -> int:
    return sum(thread.name == "sqlite-file-watch" for thread in threading.enumerate())


def test_one_watch_of_the_file_wakes_every_subscription_of_the_process_and_ends_with_the_last(tmp_path):
    with fresh_store("sqlite", tmp_path) as url:  # PostgreSQL's subscriptions listen for NOTIFY
        settings = load_settings({"RECTIFY_DATABASE_URL": url})
        watched_by_one_thread(settings)


def watched_by_one_thread(settings) -> None:
    register(settings, "A")
    reader = build_application(settings)
    try:
        before, head = watch_threads(), reader.recorder.max_notification_id()
        first = reader.recorder.subscribe(gt=head)
        second = reader.recorder.subscribe(gt=head)
        with first, second:
            first._interval = second._interval = 30.0
            assert watch_threads() == before + 1
            threading.Timer(0.05, register, (settings, "B")).start()
            assert (next(first).id, next(second).id) == (head + 1, head + 1)
        deadline = time.monotonic() + 10
        while watch_threads() > before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watch_threads() == before
    finally:
        reader.close()
