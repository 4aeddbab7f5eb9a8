"""The projector's CPU per event while it follows commands (`bench.following`): taken from the projector of
`rectify serve` between two catch-ups, and judged against b3aa6df's."""

from __future__ import annotations

import argparse
import uuid

import psycopg
import pytest

from bench import commands
from bench.following import Following, follow, report
from tests.conftest import POSTGRES_URL


def run(tree: str, events: int, cpu_seconds: float, failures: dict[str, int] | None = None) -> Following:
    return Following("sqlite", tree, events, cpu_seconds, 10.0, 40.0, failures or {})


@pytest.mark.parametrize(("cpu_now", "met"), [(0.9, True), (1.0, True), (1.1, False)])
def test_the_target_is_half_of_b3aa6df_s_cpu_per_event(cpu_now, met, capsys):
    assert report([run("this tree", 100, cpu_now), run("b3aa6df", 50, 1.0)]) is met  # 20 ms an event before: half is 10
    assert ("met" if met else "MISSED") in capsys.readouterr().out.splitlines()[-1]


def test_an_answer_other_than_200_misses_it_whatever_the_cpu(capsys):
    assert not report([run("this tree", 100, 0.1, {"500": 1}), run("b3aa6df", 100, 1.0)])


@pytest.mark.long  # serves and loads: `make test-long`
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_served_projector_s_cpu_is_taken_over_every_event_the_load_recorded(store, tmp_path, monkeypatch, request):
    if store == "postgres":
        request.getfixturevalue("postgres_available")
        monkeypatch.setattr(commands, "SCHEMA", f"test_following_{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(commands, "ROOT", tmp_path / "commands")
    args = argparse.Namespace(
        rate=20.0, clients=4, processes=1, seconds=1.5, warmup=0.3, findings_per_client=5, postgres_url=POSTGRES_URL
    )
    try:
        following = follow(store, None, args)
    finally:
        if store == "postgres":
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {commands.SCHEMA} CASCADE")  # type: ignore[arg-type]
    assert following.store == store and following.failures == {}
    assert following.events >= following.command_rate * args.seconds * 0.5  # a command records one event
    assert 0 < following.cpu_seconds < following.seconds
