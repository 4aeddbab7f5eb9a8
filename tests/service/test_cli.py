"""The `rectify` command line, run in-process against a SQLite file."""

from __future__ import annotations

import contextlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import NotAuthenticated
from domain.values import Actor, Role
from service import cli
from service.application import Rectify
from service.cli import main
from service.config import build_application, load_settings
from tests.conftest import at_demo_moment

TOKEN = re.compile(r"^(rfy_\S+)$", re.MULTILINE)


@pytest.fixture
def store_url(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """RECTIFY_DATABASE_URL pointed at a file of this test's own (not yet initialised)."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("RECTIFY_DATABASE_URL", url)
    return url


@pytest.fixture
def initialised(store_url: str) -> str:
    assert main(["init"]) == 0
    return store_url


@pytest.fixture
def application(initialised: str) -> Iterator[Rectify]:
    """The application over the same file the command line writes to."""
    rectify = build_application(load_settings({"RECTIFY_DATABASE_URL": initialised}))
    yield rectify
    rectify.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of one command."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_init_creates_the_store_and_says_where(store_url: str, tmp_path, capsys) -> None:
    status, out, _ = run(capsys, "init")
    assert status == 0
    assert (tmp_path / "cli.db").exists()
    assert str(tmp_path / "cli.db") in out and "tables ready" in out


def test_commands_refuse_a_store_that_was_never_initialised(store_url: str, tmp_path, capsys) -> None:
    status, _, err = run(capsys, "users", "list")
    assert status != 0
    assert "rectify init" in err and "Traceback" not in err
    assert not (tmp_path / "cli.db").exists()


def test_a_unit_can_be_added_once_and_a_duplicate_fails_with_a_message(initialised: str, capsys) -> None:
    assert run(capsys, "units", "add", "HQ", "--name", "集团公司")[:2] == (0, "registered unit HQ (集团公司)\n")
    status, out, err = run(capsys, "units", "add", "HQ", "--name", "集团公司")
    assert status != 0
    assert err == "rectify: error: unit HQ is registered already\n"


def test_a_unit_under_an_unknown_parent_is_refused(initialised: str, capsys) -> None:
    status, _, err = run(capsys, "units", "add", "BJ", "--name", "北京分公司", "--parent", "NOPE")
    assert status != 0
    assert "NOPE" in err and len(err.splitlines()) == 1


def test_units_add_registers_under_the_parent(application: Rectify, capsys) -> None:
    run(capsys, "units", "add", "HQ", "--name", "集团公司")
    status, out, _ = run(capsys, "units", "add", "BJ", "--name", "北京分公司", "--parent", "HQ")
    assert status == 0 and "under HQ" in out
    assert [(u["code"], u["parent"]) for u in application.list_units()] == [("HQ", None), ("BJ", "HQ")]


def test_users_add_prints_a_token_the_application_accepts(application: Rectify, capsys) -> None:
    status, out, _ = run(capsys, "users", "add", "alice", "--role", "inspector")
    assert status == 0
    assert "will not be shown again" in out
    (token,) = TOKEN.findall(out)
    assert application.authenticate(token) == Actor("alice", Role.INSPECTOR)


def test_a_unit_user_acts_for_its_unit(application: Rectify, capsys) -> None:
    run(capsys, "units", "add", "BJ", "--name", "北京分公司")
    status, out, _ = run(capsys, "users", "add", "bj.liu", "--role", "unit", "--unit", "BJ")
    assert status == 0
    assert application.authenticate(TOKEN.findall(out)[0]) == Actor("bj.liu", Role.UNIT, "BJ")


def test_users_list_shows_each_user_with_role_unit_and_revocation(initialised: str, capsys) -> None:
    run(capsys, "units", "add", "BJ", "--name", "北京分公司")
    run(capsys, "users", "add", "alice", "--role", "inspector")
    run(capsys, "users", "add", "bj.liu", "--role", "unit", "--unit", "BJ")
    run(capsys, "users", "revoke", "alice")
    status, out, _ = run(capsys, "users", "list")
    assert status == 0
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "ROLE", "UNIT", "REVOKED"],
        ["alice", "inspector", "-", "yes"],
        ["bj.liu", "unit", "BJ", "no"],
    ]


def test_a_revoked_token_no_longer_authenticates(application: Rectify, capsys) -> None:
    token = TOKEN.findall(run(capsys, "users", "add", "alice", "--role", "reviewer")[1])[0]
    assert run(capsys, "users", "revoke", "alice")[:2] == (0, "revoked alice\n")
    with pytest.raises(NotAuthenticated):
        application.authenticate(token)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["users", "revoke", "nobody"], "no user named nobody"),
        (["users", "add", "bob", "--role", "unit"], "needs --unit"),
        (["users", "add", "bob", "--role", "unit", "--unit", "ZZ"], "unit ZZ is not registered"),
        (["units", "add", "a b", "--name", "x"], "may hold only"),
    ],
)
def test_user_errors_are_one_line_without_a_traceback(initialised: str, capsys, argv, message) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert err.startswith("rectify: error: ") and message in err and len(err.splitlines()) == 1


def test_a_duplicate_user_is_refused(initialised: str, capsys) -> None:
    run(capsys, "users", "add", "alice", "--role", "inspector")
    status, out, err = run(capsys, "users", "add", "alice", "--role", "auditor")
    assert status == 1 and "rfy_" not in out
    assert err == "rectify: error: user alice exists already\n"


def test_an_unknown_role_is_a_usage_error(initialised: str, capsys) -> None:
    status, _, err = run(capsys, "users", "add", "bob", "--role", "boss")
    assert status == 2
    assert "invalid choice: 'boss'" in err


def test_an_unsupported_database_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RECTIFY_DATABASE_URL", "mysql://localhost/rectify")
    status, _, err = run(capsys, "init")
    assert status == 1
    assert "unsupported database URL" in err and len(err.splitlines()) == 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Rectify, str]]:
    """One demo store for the tests that only read it: the application over it and what `rectify demo` printed."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(io.StringIO()) as out,
        at_demo_moment(),
    ):
        patch.setenv("RECTIFY_DATABASE_URL", url)
        assert main(["demo", "--weeks", "6", "--seed", "7"]) == 0
    rectify = build_application(load_settings({"RECTIFY_DATABASE_URL": url}))
    yield rectify, out.getvalue()
    rectify.close()


def test_demo_seeds_a_unit_tree_findings_and_a_user_for_every_role(demo: tuple[Rectify, str]) -> None:
    application, out = demo
    assert re.search(r"^findings: (\d+)/\1  events: (\d+)/\2$", out, re.MULTILINE)  # progress reaches the end
    units = {unit["code"]: unit["parent"] for unit in application.list_units()}
    assert len(units) == 26 and units["HQ"] is None and units["BJ"] == "HQ" and units["BJ-01"] == "BJ"
    assert 150 <= int(re.search(r"seeded 26 units, (\d+) findings", out).group(1)) <= 210
    assert int(re.search(r"long-term (\d+)", out).group(1)) > 0
    assert int(re.search(r"files of evidence attached: (\d+)", out).group(1)) > 0
    actors = [application.authenticate(token) for token in re.findall(r"rfy_\S+", out)]
    assert {actor.role for actor in actors} == set(Role) - {Role.SYSTEM}
    assert Actor("bj.liu", Role.UNIT, "BJ") in actors


def test_demo_findings_have_events_in_time_order_and_never_in_the_future(demo: tuple[Rectify, str]) -> None:
    application, _ = demo
    now = datetime.now(UTC)
    timelines: dict[UUID, list[datetime]] = defaultdict(list)
    for event in finding_events(application):
        timelines[event.originator_id].append(event.occurred_at)
    assert all(times == sorted(times) and times[-1] <= now for times in timelines.values())


def test_demo_findings_lead_varied_lives(demo: tuple[Rectify, str]) -> None:
    application, _ = demo
    events = list(finding_events(application))
    kinds = {type(event).__name__ for event in events}
    assert {"Issued", "Assigned", "Rectified", "Reviewed", "Escalated", "DeadlineExtended", "Withdrawn"} <= kinds
    outcomes = {str(event.outcome) for event in events if type(event).__name__ == "Reviewed"}
    assert outcomes == {"accepted", "rejected"}
    rectifiers = {event.actor for event in events if type(event).__name__ == "Rectified"}
    reviewers = {event.actor for event in events if type(event).__name__ == "Reviewed"}
    assert rectifiers and reviewers and not rectifiers & reviewers


def finding_events(application: Rectify) -> Iterator[Any]:
    """Every finding event in the store, in log order."""
    for notification in application.recorder.select_notifications(start=1, limit=100_000):
        if notification.topic.startswith("rectify:Finding."):
            yield application.mapper.to_domain_event(notification)


def test_demo_refuses_to_seed_the_same_store_twice(initialised: str, capsys) -> None:
    assert run(capsys, "demo", "--weeks", "1")[0] == 0
    status, _, err = run(capsys, "demo", "--weeks", "1")
    assert status == 1
    assert "demo data already" in err and len(err.splitlines()) == 1


def test_serve_initialises_the_store_then_execs_gunicorn_without_preload(
    store_url: str, tmp_path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: executed.append(argv))
    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # serve sets it: noted here so that monkeypatch restores it after
    status, out, _ = run(capsys, "serve", "--bind", "127.0.0.1:8123", "--workers", "3")
    assert cli.os.environ["WEB_CONCURRENCY"] == "3"  # each worker's share of the rate limits counts on it
    assert status == 0 and (tmp_path / "cli.db").exists()
    assert "http://127.0.0.1:8123/api/v1/docs" in out and "rectify users add NAME --role" in out
    (argv,) = executed
    assert argv[1:3] == ["-m", "gunicorn"] and argv[-1] == "wsgi:app"
    assert "--preload" not in argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123" and argv[argv.index("--workers") + 1] == "3"


def test_serve_rejects_a_malformed_bind_address(store_url: str, capsys) -> None:
    status, _, err = run(capsys, "serve", "--bind", "8000")
    assert status == 1 and "HOST:PORT" in err


def test_default_workers_follow_the_cpus_but_stay_few() -> None:
    assert 3 <= cli.default_workers() <= 8
