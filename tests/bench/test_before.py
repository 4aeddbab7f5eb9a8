"""The copy `bench.before` rebuilds the earlier projector over: the same events and seals, the view left out."""

from __future__ import annotations

from bench.before import copy_store
from bench.history import seed_history
from bench.measure import seal_history
from projections.sealer import verify
from service.config import build_application, load_settings
from service.read_store import open_seals, views_path
from tests.conftest import fresh_store


def test_the_copy_holds_every_event_and_seal_of_the_store_and_no_view(tmp_path):
    with fresh_store("sqlite", tmp_path) as url:
        settings = load_settings({"RECTIFY_DATABASE_URL": url})
        application = build_application(settings)
        try:
            seed_history(application, findings=20, units=10, weeks=2, seed=3, say=lambda _: None)
            head = application.recorder.max_notification_id()
            stored = list(application.recorder.select_notifications(1, head))
        finally:
            application.close()
        assert seal_history(settings).events == head

        copied = copy_store(url, tmp_path / "copy")  # the store's write-ahead log not checkpointed: copied too

    copy = build_application(load_settings({"RECTIFY_DATABASE_URL": copied}))
    try:
        assert list(copy.recorder.select_notifications(1, head)) == stored
        verdict = verify(copy.recorder, open_seals(load_settings({"RECTIFY_DATABASE_URL": copied})))
        assert verdict.ok and verdict.checked == head and not verdict.unsealed
    finally:
        copy.close()
    assert not views_path(copied).exists()
