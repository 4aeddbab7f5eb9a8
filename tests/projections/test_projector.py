"""The projector: exactly once across restarts, rebuilds alike, one at a time, stops on SIGTERM."""

from __future__ import annotations

import gc
import io
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.values import Actor, Role, Severity, Source, WarningLevel
from projections import standing
from projections.view import index_statements
from service.application import CommandOptions
from service.cli import main
from service.config import build_application, load_settings
from service.evidence.types import EvidencePolicy
from service.read_store import open_view
from tests.projections.conftest import catch_up

INSPECTOR = Actor("inspector", Role.INSPECTOR)
UNIT = Actor("unit", Role.UNIT, "HQ")


@pytest.fixture
def rectify(settings):
    application = build_application(settings)
    application.register_unit(INSPECTOR, code="HQ", name="集团公司")
    yield application
    application.close()


@pytest.fixture
def views(settings) -> Iterator[Callable[[], Any]]:
    """Opens the view afresh, as another process would, and closes each opened when the test ends (a
    PostgreSQL view's pool left to the garbage collector may be closed from its own worker thread)."""
    opened = []

    def open_() -> Any:
        opened.append(open_view(settings))
        return opened[-1]

    yield open_
    for view in opened:
        view.datastore.close()


def issue_and_assign(rectify, count: int) -> None:
    for number in range(count):
        result = rectify.issue_finding(
            INSPECTOR, CommandOptions(), source=Source.AUDIT, batch="审计", title=f"问题{number}",
            description="", category="", severity=Severity.GENERAL, unit="HQ", due_date=date(2030, 1, 1),
        )  # fmt: skip
        rectify.assign(result.finding["id"], UNIT, CommandOptions(), assignee="张三", note="")


def snapshot_of(settings) -> tuple[list[dict], list[dict], list[dict]]:
    """The view's rows, read as another process would, through a view closed afterwards."""
    view = open_view(settings)
    try:
        return snapshot(view)
    finally:
        view.datastore.close()


def snapshot(view) -> tuple[list[dict], list[dict], list[dict]]:
    return (
        view.select("SELECT * FROM {findings} ORDER BY id"),
        view.select("SELECT * FROM {facts} ORDER BY position"),
        view.select("SELECT * FROM {units} ORDER BY position"),
    )


def test_a_restarted_projector_resumes_where_it_stopped_and_counts_each_event_once(views, settings, rectify):
    issue_and_assign(rectify, 3)
    catch_up(settings)
    issue_and_assign(rectify, 2)
    catch_up(settings)
    view = views()
    facts = view.select("SELECT finding_id, version FROM {facts}")
    assert len(facts) == 10
    assert len({(f["finding_id"], f["version"]) for f in facts}) == 10
    assert view.position() == rectify.recorder.max_notification_id()


def test_a_rebuild_from_zero_gives_the_same_rows(settings, rectify):
    issue_and_assign(rectify, 4)
    rectify.register_unit(INSPECTOR, code="BJ", name="北京", parent="HQ")
    rectify.rename_unit(INSPECTOR, "BJ", "北京分公司")
    catch_up(settings)
    before = snapshot_of(settings)
    lines = catch_up(settings, rebuild=True)
    assert any("rebuilding from position 0" in line for line in lines)
    assert snapshot_of(settings) == before


def test_a_rebuild_in_many_batches_gives_the_same_rows(settings, rectify, monkeypatch):
    issue_and_assign(rectify, 4)  # the findings' rows are written again, their facts linked across batches
    catch_up(settings)
    before = snapshot_of(settings)
    monkeypatch.setattr("projections.runtime.REBUILD_BATCH_SIZE", 3)
    catch_up(settings, rebuild=True)
    assert snapshot_of(settings) == before


def test_a_rebuild_holding_more_rows_than_it_keeps_writes_them_before_letting_go(settings, rectify, monkeypatch):
    """Loading, a finding's row is written when it settles or the load ends; rows let go of before then (past
    CACHE_LIMIT) are written first, and read back when their finding changes again."""
    issue_and_assign(rectify, 4)
    catch_up(settings)
    before = snapshot_of(settings)
    monkeypatch.setattr("projections.runtime.REBUILD_BATCH_SIZE", 3)
    monkeypatch.setattr("projections.projection.CACHE_LIMIT", 1)
    catch_up(settings, rebuild=True)
    assert snapshot_of(settings) == before


def test_rows_copied_in_bulk_are_the_rows_written_one_by_one(settings, rectify, monkeypatch):
    issue_and_assign(rectify, 4)
    catch_up(settings)
    before = snapshot_of(settings)
    monkeypatch.setattr("projections.stores.COPY_FROM", 1)  # PostgreSQL copies every batch, replacing rows
    monkeypatch.setattr("projections.runtime.REBUILD_BATCH_SIZE", 3)
    catch_up(settings, rebuild=True)
    assert snapshot_of(settings) == before


def test_findings_closed_or_withdrawn_then_changed_again_in_a_later_batch_keep_their_rows(
    views, settings, rectify, monkeypatch
):
    """A written row of a settled finding is let go, and read back from the view when the finding changes again."""
    issue_and_assign(rectify, 3)
    catch_up(settings)
    ids = [UUID(row["id"]) for row in views().select("SELECT id FROM {findings} ORDER BY issued_position")]
    reviewer = Actor("reviewer", Role.REVIEWER)
    for finding_id in ids[:2]:
        rectify.rectify(finding_id, UNIT, CommandOptions(), measures="已整改", evidence=[])
        rectify.review(finding_id, reviewer, CommandOptions(), outcome="accepted", comment="")
    rectify.withdraw(ids[2], INSPECTOR, CommandOptions(), reason="误发")
    catch_up(settings)
    rectify.reopen(ids[0], INSPECTOR, CommandOptions(), reason="回头看")
    rectify.escalate(ids[0], INSPECTOR, CommandOptions(), note="督办")
    catch_up(settings)
    followed = snapshot_of(settings)
    assert [row["status"] for row in followed[0] if row["id"] == str(ids[0])] == ["assigned"]
    monkeypatch.setattr("projections.runtime.REBUILD_BATCH_SIZE", 2)
    catch_up(settings, rebuild=True)
    assert snapshot_of(settings) == followed


def test_a_row_written_again_for_each_kind_of_event_is_the_row_a_rebuild_writes_once(settings, rectify):
    """Writing a finding's row again sets only the columns a later event changes: after each kind of finding
    event, followed in a batch of its own, the row is the one a rebuild writes whole, once."""
    result = rectify.issue_finding(
        INSPECTOR, CommandOptions(), source=Source.AUDIT, batch="审计", title="问题", description="",
        category="", severity=Severity.GENERAL, unit="HQ", due_date=date(2030, 1, 1),
    )  # fmt: skip
    finding_id = result.finding["id"]
    catch_up(settings)
    reviewer, options = Actor("reviewer", Role.REVIEWER), CommandOptions()
    steps = {
        "Assigned": lambda: rectify.assign(finding_id, UNIT, options, assignee="张三", note=""),
        "Warned": lambda: rectify.warn(finding_id, WarningLevel.YELLOW),
        "DeadlineExtended": lambda: rectify.extend(
            finding_id, INSPECTOR, options, due_date=date(2031, 6, 30), reason="延期"
        ),
        "Warned again": lambda: rectify.warn(finding_id, WarningLevel.RED),
        "Escalated": lambda: rectify.escalate(finding_id, INSPECTOR, options, note="督办"),
        "EvidenceAttached": lambda: rectify.attach_evidence(
            finding_id,
            UNIT,
            options,
            upload=io.BytesIO(b"%PDF-1.4 evidence"),
            filename="整改报告.pdf",
            policy=EvidencePolicy(1024 * 1024, frozenset({"pdf"})),
        ),  # fmt: skip
        "Rectified": lambda: rectify.rectify(finding_id, UNIT, options, measures="已整改", evidence=[]),
        "Reviewed, rejected": lambda: rectify.review(finding_id, reviewer, options, outcome="rejected", comment="否"),
        "Rectified again": lambda: rectify.rectify(finding_id, UNIT, options, measures="再次整改", evidence=[]),
        "Reviewed, accepted": lambda: rectify.review(finding_id, reviewer, options, outcome="accepted", comment=""),
        "Reopened": lambda: rectify.reopen(finding_id, INSPECTOR, options, reason="回头看"),
        "Withdrawn": lambda: rectify.withdraw(finding_id, INSPECTOR, options, reason="误发"),
    }
    for name, step in steps.items():
        step()
        catch_up(settings)  # the row is there already: written again with this event's change
        followed = snapshot_of(settings)
        catch_up(settings, rebuild=True)  # one batch: the row written once, every column as the events left it
        assert snapshot_of(settings) == followed, f"after {name}"
    [row] = followed[0]
    assert (row["status"], row["evidence"], row["rejections"], row["reopenings"]) == ("withdrawn", "整改报告.pdf", 1, 1)


@pytest.mark.parametrize("older", ["another fingerprint", "no layout table"])
def test_a_view_built_in_another_layout_is_rebuilt_when_the_projector_starts(
    views, settings, rectify, capsys, monkeypatch, older
):
    monkeypatch.setenv("RECTIFY_DATABASE_URL", settings["RECTIFY_DATABASE_URL"])
    issue_and_assign(rectify, 2)
    catch_up(settings)
    view = views()
    before = snapshot(view)
    with view.write() as cursor:
        if older == "no layout table":  # as views were built before layouts were recorded
            cursor.execute(f"DROP TABLE {view.tables['layout']}")
        else:
            cursor.execute(f"UPDATE {view.tables['layout']} SET fingerprint = 'older'")
    assert main(["project", "--status"]) == 0
    assert "built in another version's layout" in capsys.readouterr().out
    lines = catch_up(settings)
    assert any("built by another version" in line for line in lines)
    assert any("rebuilding from position 0" in line for line in lines)
    assert snapshot_of(settings) == before
    assert views().is_current()
    assert main(["project", "--status"]) == 0
    assert "layout" not in capsys.readouterr().out


def test_a_view_in_this_layout_is_resumed_not_rebuilt(settings, rectify):
    issue_and_assign(rectify, 1)
    catch_up(settings)
    issue_and_assign(rectify, 1)
    lines = catch_up(settings)
    assert not any("rebuild" in line for line in lines)


def schema_names(view, kind: str) -> set[str]:
    """The names of the view's store's tables or indexes."""
    if view.placeholder == "?":
        rows = view.select("SELECT name FROM sqlite_master WHERE type = :kind", {"kind": kind})
    elif kind == "table":
        rows = view.select(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = :s", {"s": view.datastore.schema}
        )
    else:
        rows = view.select(
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = :s", {"s": view.datastore.schema}
        )
    return {row["name"] for row in rows}


def wanted_indexes(view) -> set[str]:
    return {statement.split(" IF NOT EXISTS ")[1].split(" ON ")[0] for statement in index_statements(view.tables)}


def test_a_rebuild_loads_bare_tables_then_indexes_them_and_resumes_the_garbage_collector(views, settings, rectify):
    issue_and_assign(rectify, 2)
    catch_up(settings, rebuild=True)
    view = views()
    assert wanted_indexes(view) <= schema_names(view, "index")
    assert not {name for name in schema_names(view, "table") if name.endswith("_replaced")}
    assert gc.isenabled()


def test_a_rebuild_that_fails_at_its_end_keeps_no_counts_and_is_done_again_by_the_next_start(
    views, settings, rectify, monkeypatch
):
    issue_and_assign(rectify, 3)
    catch_up(settings)
    before = snapshot_of(settings)
    count_all = standing.count_all

    def counted_then_failed(*args: Any) -> None:  # the indexes made and every week counted, then the store fails
        count_all(*args)
        raise OSError("the store went away")

    monkeypatch.setattr(standing, "count_all", counted_then_failed)
    with pytest.raises(OSError, match="went away"):
        catch_up(settings, rebuild=True)
    view = views()
    assert view.counts_loading() and not view.is_current()
    monkeypatch.undo()
    catch_up(settings)
    view = views()
    assert view.is_current()
    assert snapshot(view) == before
    assert wanted_indexes(view) <= schema_names(view, "index")


def test_a_rebuild_stopped_before_its_end_is_mended_by_the_next_start(views, settings, rectify):
    issue_and_assign(rectify, 2)
    catch_up(settings)
    before = snapshot_of(settings)
    views().reset()  # as a rebuild leaves the view if stopped at once: bare tables, old ones aside
    catch_up(settings)
    view = views()
    assert snapshot(view) == before
    assert wanted_indexes(view) <= schema_names(view, "index")
    assert not {name for name in schema_names(view, "table") if name.endswith("_replaced")}


def test_status_prints_the_position_and_the_lag(settings, rectify, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFY_DATABASE_URL", settings["RECTIFY_DATABASE_URL"])
    issue_and_assign(rectify, 1)
    assert main(["project", "--status"]) == 0
    head = rectify.recorder.max_notification_id()
    assert f"position 0, log at {head}, lag {head}" in capsys.readouterr().out
    catch_up(settings)
    assert main(["project", "--status"]) == 0
    assert f"position {head}, log at {head}, lag 0" in capsys.readouterr().out


def start_projector(url: str) -> subprocess.Popen[str]:
    env = os.environ | {"RECTIFY_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "project"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            break
        line = process.stdout.readline()
        if text in line:
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"the projector never said {text!r}")


@contextmanager
def holder_and_waiter(url: str) -> Iterator[tuple[subprocess.Popen[str], subprocess.Popen[str]]]:
    """Two projectors of one store: the first feeding the view, the second waiting for its lock."""
    with start_projector(url) as first:
        wait_for_line(first, "projecting from position")
        with start_projector(url) as second:
            wait_for_line(second, "waiting for it to stop")
            yield first, second


@pytest.mark.long  # processes signalled or killed: `make test-long`
def test_a_second_projector_waits_for_the_first_and_sigterm_stops_each_cleanly(views, settings, rectify):
    issue_and_assign(rectify, 1)
    with holder_and_waiter(settings["RECTIFY_DATABASE_URL"]) as (first, second):
        issue_and_assign(rectify, 1)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        wait_for_line(second, "projecting from position")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    view = views()
    assert view.position() == rectify.recorder.max_notification_id()


@pytest.mark.long  # processes signalled or killed: `make test-long`
def test_a_projector_waiting_for_the_lock_stops_on_sigterm_without_waiting_for_the_lock(settings, rectify):
    issue_and_assign(rectify, 1)
    with holder_and_waiter(settings["RECTIFY_DATABASE_URL"]) as (first, second):
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0  # while the first still holds the lock: it would never come
        wait_for_line(second, "stopped while waiting for the lock")
        assert first.poll() is None  # the holder goes on
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0


@pytest.mark.long  # processes signalled or killed: `make test-long`
def test_a_supervised_projector_stops_and_frees_the_lock_when_its_parent_dies(settings, rectify, tmp_path):
    issue_and_assign(rectify, 1)
    env = os.environ | {"RECTIFY_DATABASE_URL": settings["RECTIFY_DATABASE_URL"], "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "orphan.log"

    def said() -> str:
        return log.read_text() if log.exists() else ""

    # A shell stands for `rectify serve`'s master: it starts the projector, names itself its parent, and is killed.
    command = f'RECTIFY_PROJECTOR_PARENT=$$ "{sys.executable}" -m service.cli project > "{log}" 2>&1 & echo $!; wait'
    with subprocess.Popen(["sh", "-c", command], env=env, stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        orphan = int(parent.stdout.readline())
        try:
            deadline = time.monotonic() + 20
            while "projecting from position" not in said() and time.monotonic() < deadline:
                time.sleep(0.1)
            parent.kill()
            parent.wait(timeout=10)
            deadline = time.monotonic() + 5
            while os.path.exists(f"/proc/{orphan}") and "stopped at position" not in said():
                assert time.monotonic() < deadline, "the orphaned projector still runs"
                time.sleep(0.1)
            assert "parent process" in said()
            with start_projector(settings["RECTIFY_DATABASE_URL"]) as successor:  # the lock is free again
                wait_for_line(successor, "projecting from position", timeout=10)
                successor.send_signal(signal.SIGTERM)
                assert successor.wait(timeout=20) == 0
        finally:
            try:
                os.kill(orphan, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.long  # processes signalled or killed: `make test-long`
def test_a_projector_killed_mid_batch_resumes_without_skipping_or_double_counting(settings, rectify):
    issue_and_assign(rectify, 60)
    with start_projector(settings["RECTIFY_DATABASE_URL"]) as killed:
        wait_for_line(killed, "projecting from position")
        killed.kill()  # SIGKILL: no clean stop, whatever batch was open is lost with the process
        killed.wait(timeout=20)
    catch_up(settings)
    resumed = snapshot_of(settings)
    catch_up(settings, rebuild=True)
    assert snapshot_of(settings) == resumed
    assert len(resumed[1]) == 120


def test_the_projectors_warning_schedule_records_due_warnings_once_per_run_interval(views, settings, rectify):
    from datetime import timedelta

    from service.projector import WarningSchedule

    result = rectify.issue_finding(
        INSPECTOR, CommandOptions(), source=Source.AUDIT, batch="审计", title="临期问题",
        description="", category="", severity=Severity.GENERAL, unit="HQ",
        due_date=rectify.clock().astimezone(rectify.timezone).date() + timedelta(days=3),
    )  # fmt: skip
    catch_up(settings)
    said: list[str] = []
    schedule = WarningSchedule(settings | {"RECTIFY_WARN_EVERY": "3600"}, said.append)
    view = views()
    schedule.run_if_due(rectify, view)
    schedule.run_if_due(rectify, view)  # not due again for an hour
    assert [line.split(":")[0] for line in said] == [f"warned {result.finding['reference']} (HQ)"]
    assert rectify.get_finding(result.finding["id"], INSPECTOR)["warnings"] == ["yellow"]
    off = WarningSchedule(settings | {"RECTIFY_WARN_EVERY": "0"}, said.append)
    off.run_if_due(rectify, view)
    assert len(said) == 1


def test_the_sqlite_view_frees_the_pages_of_dropped_tables_without_writing_them(tmp_path):
    settings = load_settings({"RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path / 'rectify.db'}"})
    view = open_view(settings, create_tables=True)
    with view.write() as cursor:  # zeroing every freed page would write a replaced table's pages once more
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 2  # FAST
    view.datastore.close()


def test_a_projector_closes_the_view_and_the_seals_it_opened(settings, rectify, monkeypatch):
    # A PostgreSQL pool left open is closed by the garbage collector, at any moment, on any thread: once on
    # its own worker thread, which cannot join itself.
    import service.projector

    opened = []

    def recorded(open_):
        def open_and_record(*args, **kwargs):
            opened.append(open_(*args, **kwargs))
            return opened[-1]

        return open_and_record

    monkeypatch.setattr(service.projector, "open_view", recorded(service.projector.open_view))
    monkeypatch.setattr(service.projector, "open_seals", recorded(service.projector.open_seals))
    issue_and_assign(rectify, 1)
    catch_up(settings)
    assert len(opened) >= 2
    assert [store.datastore.pool.closed for store in opened] == [True] * len(opened)
