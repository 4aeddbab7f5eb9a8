"""`bench.run`'s rebuilds: timed over a sealed log, as the service's log always is."""

from __future__ import annotations

from typing import Any

from bench import run
from bench.history import seed_history
from bench.report import Table
from service.config import build_application, load_settings
from service.read_store import open_seals


def test_a_history_just_generated_is_sealed_before_its_rebuilds_are_timed(store_url, monkeypatch):
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_WARN_EVERY": "0"})
    application = build_application(settings)
    try:
        seed_history(application, findings=20, units=10, weeks=2, seed=3, say=lambda _: None)
        head = application.recorder.max_notification_id()
    finally:
        application.close()
    sealed_when_timed: list[int] = []
    rebuild = run.rebuild

    def timed_rebuild(settings: dict[str, Any], say: Any) -> Any:  # the seals as the timing starts
        sealed_when_timed.append(seal_position(settings))
        return rebuild(settings, say)

    monkeypatch.setattr(run, "rebuild", timed_rebuild)
    monkeypatch.setattr(run, "before_multiple", lambda *args: None)  # b3aa6df's projector is not the point here
    assert seal_position(settings) < head  # generated as the bench generates it: written, not sealed

    table = Table()
    run.measure_throughput("sqlite" if store_url.startswith("sqlite:") else "postgres", settings, 1, 2, table)

    assert sealed_when_timed == [head, head]
    assert "rebuild (until caught up)" in table.render()


def seal_position(settings: dict[str, Any]) -> int:
    seals = open_seals(settings)
    try:
        return seals.position()
    finally:
        seals.datastore.close()
