"""A rebuild loaded in several processes at once writes the rows one process writes, or leaves a view to rebuild."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from bench.history import seed_history
from domain.values import Actor, Role, Severity, Source
from projections.circular import CircularSettings, weekly_circular
from projections.facts import moment
from projections.listing import FindingFilter, list_findings
from projections.parts import FINDING_TOPICS, records_to
from projections.view import VIEW_TABLES
from projections.weeks import Week
from service.application import CommandOptions
from service.cli import main
from service.read_store import open_view
from service.rebuild_parts import PartFailed, load_in_parts, rebuild_processes
from tests.projections.conftest import catch_up

INSPECTOR = Actor("inspector", Role.INSPECTOR)
REVIEWER = Actor("reviewer", Role.REVIEWER)
OPTIONS = CommandOptions()
OVERDUE = FindingFilter(overdue=True)


@pytest.fixture
def parts(monkeypatch, settings) -> dict[str, Any]:
    """The settings of a projector that loads every rebuild, however small, in three processes."""
    monkeypatch.setattr("service.rebuild_parts.PARTS_FROM", 0)
    return settings | {"RECTIFY_REBUILD_PROCESSES": "3"}


def lived_history(rectify) -> None:
    """Findings of several units living different lives, the unit tree renamed and moved, users added between."""
    rectify.register_unit(INSPECTOR, code="HQ", name="集团公司")
    rectify.register_unit(INSPECTOR, code="BJ", name="北京", parent="HQ")
    rectify.register_unit(INSPECTOR, code="SH", name="上海", parent="HQ")
    rectify.add_user("zhang", Role.UNIT, "BJ")
    ids = []
    for number in range(12):
        unit = ("HQ", "BJ", "SH")[number % 3]
        result = rectify.issue_finding(
            INSPECTOR, OPTIONS, source=Source.AUDIT, batch="审计", title=f"问题{number}", description="",
            category="", severity=Severity.GENERAL, unit=unit, due_date=date(2030, 1, 1),
        )  # fmt: skip
        ids.append(result.finding["id"])
    rectify.rename_unit(INSPECTOR, "BJ", "北京分公司")
    rectify.add_user("li", Role.REVIEWER)
    unit_actor = Actor("zhang", Role.UNIT, "HQ")
    for number, finding_id in enumerate(ids):
        rectify.assign(finding_id, unit_actor, OPTIONS, assignee="张三", note="")
        if number % 2:
            rectify.rectify(finding_id, unit_actor, OPTIONS, measures="已整改", evidence=[])
            rectify.review(finding_id, REVIEWER, OPTIONS, outcome="accepted", comment="")
        if number % 4 == 1:
            rectify.reopen(finding_id, INSPECTOR, OPTIONS, reason="回头看")  # settled, then changed again
        if number % 5 == 0:
            rectify.withdraw(finding_id, INSPECTOR, OPTIONS, reason="误发")
    rectify.move_unit(INSPECTOR, "SH", "BJ")
    rectify.escalate(ids[2], INSPECTOR, OPTIONS, note="督办")


def every_row(settings: dict[str, Any]) -> dict[str, list[Any]]:
    """Every row of every table of the view, in an order of their own, read through a view closed afterwards."""
    view = open_view(settings)
    try:
        return {table: sorted(map(repr, view.select(f"SELECT * FROM {{{table}}}"))) for table in VIEW_TABLES}
    finally:
        view.datastore.close()


def position(settings: dict[str, Any]) -> int:
    view = open_view(settings)
    try:
        return view.position()
    finally:
        view.datastore.close()


def test_a_rebuild_in_three_processes_writes_every_row_one_process_writes(settings, parts, rectify, monkeypatch):
    """Each part's rows are written, those it holds at the end among them, however its last batch fell."""
    lived_history(rectify)
    alone = settings | {"RECTIFY_REBUILD_PROCESSES": "1"}
    catch_up(alone, rebuild=True)
    rows = every_row(settings)
    assert len(rows["findings"]) == 12 and len(rows["users"]) == 2 and len(rows["units"]) == 5
    monkeypatch.setattr("projections.parts.REBUILD_BATCH_SIZE", 1)  # this process's part: a write an event
    lines = catch_up(parts, rebuild=True)
    assert "loading the read model in 3 processes" in lines
    assert every_row(settings) == rows
    assert position(settings) == rectify.recorder.max_notification_id()
    rectify.escalate(UUID(open_finding(settings)), INSPECTOR, OPTIONS, note="再次督办")
    catch_up(parts)  # and it is followed from there as usual
    followed = every_row(settings)
    catch_up(alone, rebuild=True)
    assert every_row(settings) == followed


def open_finding(settings: dict[str, Any]) -> str:
    view = open_view(settings)
    try:
        return view.select("SELECT id FROM {findings} WHERE status = 'assigned' ORDER BY id")[0]["id"]
    finally:
        view.datastore.close()


def share(finding_id: UUID, parts: int) -> int:
    """The part a finding's events fall to, as the stores' `select_share` says: its id's last byte, modulo the parts."""
    return (finding_id.int & 0xFF) % parts


def test_each_part_reads_every_record_but_other_parts_findings_and_the_parts_share_them_out(rectify, monkeypatch):
    lived_history(rectify)
    monkeypatch.setattr("projections.parts.PAGE", 7)
    head = rectify.recorder.max_notification_id()
    everything = rectify.recorder.select_notifications(start=1, limit=head)
    findings = [record for record in everything if record.topic.startswith(FINDING_TOPICS)]
    assert len({share(record.originator_id, 3) for record in findings}) > 1  # shared out, not all in one part
    for part in range(3):
        read = [record.id for record in records_to(rectify.store, head, part, 3)]
        wanted = [r.id for r in everything if r not in findings or share(r.originator_id, 3) == part]
        assert read == wanted


def test_a_small_rebuild_or_one_process_loads_in_the_projectors_own_runner(settings):
    assert rebuild_processes(settings | {"RECTIFY_REBUILD_PROCESSES": "4"}, head=19_999) == 1
    assert rebuild_processes(settings | {"RECTIFY_REBUILD_PROCESSES": "4"}, head=20_000) == 4
    assert rebuild_processes(settings | {"RECTIFY_REBUILD_PROCESSES": "1"}, head=10**6) == 1


@pytest.mark.parametrize("wrong", ["two", "0", "-1", "1.5"])
def test_a_wrong_number_of_processes_is_said_before_the_projector_starts(settings, monkeypatch, capsys, wrong):
    monkeypatch.setenv("RECTIFY_DATABASE_URL", settings["RECTIFY_DATABASE_URL"])
    monkeypatch.setenv("RECTIFY_REBUILD_PROCESSES", wrong)
    assert main(["project", "--until-caught-up"]) == 1
    assert f"RECTIFY_REBUILD_PROCESSES must be a whole number of processes, 1 or more, not '{wrong}'" in (
        capsys.readouterr().err
    )
    assert position(settings) == 0


def test_a_failed_part_is_said_in_one_line_by_the_command(settings, rectify, monkeypatch, capsys):
    lived_history(rectify)
    monkeypatch.setattr("service.rebuild_parts.PARTS_FROM", 0)
    monkeypatch.setattr("service.rebuild_parts.PART_COMMAND", [sys.executable, "-c", "import sys; sys.exit(7)"])
    monkeypatch.setenv("RECTIFY_DATABASE_URL", settings["RECTIFY_DATABASE_URL"])
    monkeypatch.setenv("RECTIFY_REBUILD_PROCESSES", "2")
    assert main(["project", "--rebuild", "--until-caught-up"]) == 1
    said = capsys.readouterr().err
    assert "the rebuild's load failed in part 1 (exit 7); the read model is rebuilt from zero" in said


def test_a_load_stopped_half_way_leaves_the_view_to_be_rebuilt_by_the_next_start(settings, parts, rectify):
    lived_history(rectify)
    catch_up(settings, rebuild=True)
    alone = every_row(settings)
    stop = threading.Event()
    stop.set()  # told to stop before this process's part is written
    from service.projector import run_projector

    lines: list[str] = []
    run_projector(parts, stop, lines.append, rebuild=True)
    assert position(settings) == 0
    catch_up(settings)  # an ordinary start: the view is not current, so it is rebuilt
    assert every_row(settings) == alone


def test_a_part_that_fails_fails_the_rebuild_and_leaves_the_view_to_be_rebuilt(settings, parts, rectify, monkeypatch):
    lived_history(rectify)
    catch_up(settings, rebuild=True)
    alone = every_row(settings)
    failing = [sys.executable, "-c", "import sys; sys.exit(7)"]  # what the other processes run
    monkeypatch.setattr("service.rebuild_parts.PART_COMMAND", failing)
    more_than_a_pipe_holds = {"RECTIFY_ISSUING_OFFICE": "整改办" * 40_000}  # the write waits for a reader that ends
    with pytest.raises(PartFailed, match=r"load failed in part \d \(exit 7\)"):
        catch_up(parts | more_than_a_pipe_holds, rebuild=True)
    assert position(settings) == 0
    catch_up(settings | {"RECTIFY_REBUILD_PROCESSES": "1"})  # an ordinary start: the view is rebuilt
    assert every_row(settings) == alone


def test_a_view_loaded_but_not_yet_indexed_or_counted_answers_as_it_does_once_the_rebuild_ends(parts, rectify):
    """The rebuild's target is judged when the view holds every event (docs/decisions.md): its answers must then
    be right, though slower, before the indexes are built and the circular's weeks counted."""
    seed_history(rectify, findings=60, units=10, weeks=4, seed=5, say=lambda _: None)
    head = rectify.recorder.max_notification_id()
    emptied = open_view(parts, create_tables=True)
    emptied.reset()  # as a rebuild starts: bare tables, no indexes, the circular's counts waiting
    emptied.datastore.close()
    assert load_in_parts(parts, head=head, parts=3, stop=threading.Event(), say=lambda _: None)
    view = open_view(parts)
    try:
        assert view.position() == head and view.counts_loading()
        zone, known = ZoneInfo(parts["RECTIFY_TIMEZONE"]), datetime.now(UTC)
        span = view.select("SELECT MIN(occurred_at) AS first, MAX(occurred_at) AS last FROM {facts}")[0]
        weeks = [Week.containing(moment(span["first"]), zone)]
        while weeks[-1].cutoff < moment(span["last"]) + timedelta(weeks=1):
            weeks.append(Week.containing(weeks[-1].cutoff + timedelta(days=1), zone))

        def answers() -> list[Any]:
            circulars = [
                weekly_circular(view, week, known, scope, CircularSettings(), ledger="all")
                for week in weeks
                for scope in (None, "B01")
            ]
            today = known.astimezone(zone).date()
            lists = [list_findings(view, where, today, None, 50) for where in (FindingFilter(), OVERDUE)]
            return [circulars, lists]

        loaded = answers()
        view.finish_rebuild()
        assert not view.counts_loading()
        assert answers() == loaded
        assert len(weeks) >= 5 and loaded[0][-2]["totals"]["issued_to_date"] == 60 and loaded[1][0][0]
    finally:
        view.datastore.close()
