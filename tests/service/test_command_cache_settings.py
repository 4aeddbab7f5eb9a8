"""The settings of the command path: the aggregate cache's size and SQLite's durability."""

from __future__ import annotations

import pytest

from domain.values import Actor, Role
from service.commands import CommandOptions
from service.config import build_application, load_settings
from service.loading import CheckedRepository
from tests.service.test_aggregate_cache import issued


def issue_and_assign(application) -> int:
    finding = issued(application)
    return application.assign(finding, Actor("bj", Role.UNIT, "BJ"), CommandOptions(), assignee="王芳", note="").version


def test_the_aggregate_cache_is_on_by_default(application):
    assert isinstance(application.repository, CheckedRepository)


def test_a_cache_of_size_0_leaves_commands_to_the_store_alone(application, store_url, monkeypatch):
    monkeypatch.setenv("RECTIFY_AGGREGATE_CACHE_MAXSIZE", "0")
    uncached = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    try:
        assert not isinstance(uncached.repository, CheckedRepository)
        assert issue_and_assign(uncached) == 2
    finally:
        uncached.close()


@pytest.mark.parametrize(("level", "pragma"), [("full", 2), ("normal", 1)])
def test_sqlite_synchronous_sets_each_connection_and_commands_run(application, store_url, level, pragma):
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_SQLITE_SYNCHRONOUS": level})
    rectify = build_application(settings)
    try:
        assert issue_and_assign(rectify) == 2
        if store_url.startswith("sqlite:"):
            with rectify.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == pragma
    finally:
        rectify.close()


def test_an_unknown_sqlite_synchronous_level_is_refused(store_url):
    if not store_url.startswith("sqlite:"):
        pytest.skip("a SQLite setting")
    with pytest.raises(OSError, match="full or normal"):
        build_application(load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_SQLITE_SYNCHRONOUS": "off"}))
