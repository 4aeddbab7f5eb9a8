"""The seal chain: every stored event sealed in order; verify names where an edited, removed or inserted one is."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from typing import Any

import pytest

from projections.sealer import SealConflict, Sealer
from projections.sealing import GENESIS, seal_of
from service.cli import main
from service.config import load_settings
from service.read_store import open_seals
from tests.service.helpers import API, assert_error, closed, command, ok, rectified
from tests.service.tampering import RawLog, sealed


@pytest.fixture
def log(client, auth, issue) -> list[dict[str, Any]]:
    """Findings with some history: one closed, one rectified, one just issued."""
    findings = [issue(title=f"问题{n}") for n in range(3)]
    closed(client, auth, findings[0])
    rectified(client, auth, findings[1])
    return findings


def verify(client, auth, **query: Any) -> dict[str, Any]:
    return ok(client.get(f"{API}/audit/verify", query_string=query, headers=auth["auditor"]))


def test_an_untouched_log_verifies_with_its_head(client, auth, application, store_url, log) -> None:
    head = sealed(application, store_url)
    verdict = verify(client, auth)
    assert verdict["ok"] is True and verdict["checked"] == len(RawLog(store_url).positions()) == head
    assert verdict["head"]["position"] == head and len(verdict["head"]["seal"]) == 64


def test_each_seal_chains_the_stored_bytes_of_its_event_to_the_seal_before(application, store_url, log) -> None:
    head = sealed(application, store_url)
    records = application.recorder.select_notifications(start=1, limit=head)
    kept = open_seals(load_settings({"RECTIFY_DATABASE_URL": store_url}), beside=application.recorder).between(1, head)
    previous = GENESIS
    for record in records:
        previous = seal_of(previous, record)
        assert kept[record.id] == previous


def sealed_late(application, store_url: str, grow, before_it_starts=lambda store: None) -> Sealer:
    """Run a sealer made before another sealed the log: it starts behind, and the log has grown since.

    Two sealers meet so when a projector takes over from one that lost its lock.
    """
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url})
    late = Sealer(application.recorder, open_seals(settings, beside=application.recorder))
    sealed(application, store_url)
    grow()
    store = open_seals(settings, beside=application.recorder)
    before_it_starts(store)
    head = application.recorder.max_notification_id() or 0
    with late:
        deadline = time.monotonic() + 10
        while late.error is None and store.position() < head:
            assert time.monotonic() < deadline, f"sealed {store.position()} of {head}"
            time.sleep(0.01)
    return late


def test_a_second_sealer_keeps_what_the_first_sealed_and_seals_the_rest(client, auth, application, store_url, log):
    def grow() -> None:
        ok(command(client, log[2], "assign", auth["bj"], assignee="李四"))

    sealed_late(application, store_url, grow).raise_if_stopped()
    verdict = verify(client, auth)
    assert verdict["ok"] is True and verdict["head"]["position"] == application.recorder.max_notification_id()


def test_a_second_sealer_stops_on_a_position_sealed_differently(client, auth, application, store_url, log) -> None:
    def change_first_seal(store) -> None:
        with store.transaction(commit=True) as cursor:
            update = f"UPDATE {store.seals_table} SET seal = :seal WHERE position = 1"
            cursor.execute(store.statement(update), {"seal": "0" * 64})

    def grow() -> None:
        ok(command(client, log[2], "assign", auth["bj"], assignee="李四"))

    late = sealed_late(application, store_url, grow, change_first_seal)
    with pytest.raises(SealConflict, match="position 1 is sealed differently"):
        late.raise_if_stopped()


def positions(store_url: str) -> dict[str, int]:
    stored = RawLog(store_url).positions()
    return {"first": stored[0], "middle": stored[len(stored) // 2], "last": stored[-1]}


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_verify_names_an_edited_event(client, auth, application, store_url, log, where) -> None:
    sealed(application, store_url)
    position = positions(store_url)[where]
    RawLog(store_url).edit(position, b'"', b"'")  # any change of the stored bytes, even one character
    verdict = verify(client, auth)
    assert (verdict["ok"], verdict["position"], verdict["problem"], verdict["checked"]) == (
        False,
        position,
        "edited",
        position - 1,
    )


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_verify_names_a_removed_event(client, auth, application, store_url, log, where) -> None:
    sealed(application, store_url)
    position = positions(store_url)[where]
    RawLog(store_url).delete(position)
    verdict = verify(client, auth)
    assert (verdict["ok"], verdict["position"], verdict["problem"]) == (False, position, "missing")


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_verify_names_an_inserted_event(client, auth, application, store_url, log, where) -> None:
    raw = RawLog(store_url)
    # A gap the sealer passes over (as PostgreSQL leaves one for each rolled-back insert), filled afterwards.
    position = {**positions(store_url), "last": raw.positions()[-2]}[where]
    row = raw.delete(position)
    sealed(application, store_url)
    assert verify(client, auth)["ok"] is True
    raw.insert(position, row)
    verdict = verify(client, auth)
    assert (verdict["ok"], verdict["position"], verdict["problem"]) == (False, position, "inserted")


def test_an_event_stored_after_the_last_seal_is_counted_as_not_sealed_yet(client, auth, application, store_url, log):
    sealed(application, store_url)
    ok(command(client, log[2], "assign", auth["bj"], assignee="李雷"))
    verdict = verify(client, auth)
    assert verdict["ok"] is True and verdict["unsealed"] == 1


def test_a_printed_seal_is_confirmed_and_a_changed_chain_refutes_it(client, auth, application, store_url, log):
    head = sealed(application, store_url)
    printed = verify(client, auth)["head"]
    assert verify(client, auth, **printed)["ok"] is True
    other = {"position": head - 1, "seal": printed["seal"]}  # a seal that is not the chain's at that position
    refuted = verify(client, auth, **other)
    assert (refuted["ok"], refuted["position"], refuted["problem"], refuted["checked"]) == (
        False,
        head - 1,
        "checkpoint",
        head - 2,
    )
    beyond = {"position": head + 5, "seal": printed["seal"]}
    assert verify(client, auth, **beyond)["problem"] == "checkpoint"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"position": 3}, "seal"),
        ({"position": 3, "seal": "XYZ"}, "seal"),
        ({"position": -1, "seal": "0" * 64}, "position"),
    ],
)
def test_a_malformed_checkpoint_is_refused(client, auth, log, query, field) -> None:
    assert_error(client.get(f"{API}/audit/verify", query_string=query, headers=auth["auditor"]), 422, field=field)


def test_a_unit_may_not_verify_the_whole_log(client, auth) -> None:
    assert_error(client.get(f"{API}/audit/verify", headers=auth["bj"]), 403)


def test_history_marks_the_edited_event_and_carries_the_seal(client, auth, application, store_url, log) -> None:
    sealed(application, store_url)
    finding = log[0]
    before = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))
    assert {event["integrity"] for event in before["events"]} == {"sealed"}
    assert before["seal"] == {"position": before["events"][-1]["position"], "seal": before["events"][-1]["seal"]}
    assigned = next(event for event in before["events"] if event["type"] == "Assigned")
    RawLog(store_url).edit(assigned["position"], "王芳".encode(), "张三".encode())
    after = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))
    marks = {event["position"]: event["integrity"] for event in after["events"]}
    assert marks.pop(assigned["position"]) == "edited" and set(marks.values()) == {"sealed"}


def test_a_removed_middle_event_is_reported_not_a_500(client, auth, application, store_url, log) -> None:
    sealed(application, store_url)
    finding = log[0]
    events = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))["events"]
    RawLog(store_url).delete(events[2]["position"])
    assert_error(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]), 409, "record_broken")
    answer = command(client, finding, "reopen", auth["inspector"], reason="回头看发现问题反弹")
    assert_error(answer, 409, "record_broken")
    history = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))
    assert history["missing_versions"] == [3]
    assert history["finding"]["version"] == 2
    assert [event["version"] for event in history["events"]] == [1, 2, 4]


def test_a_removed_first_event_leaves_the_rest_of_the_history_to_an_auditor(client, auth, application, store_url, log):
    finding = log[1]
    events = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))["events"]
    RawLog(store_url).delete(events[0]["position"])
    history = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))
    assert history["finding"] is None and history["missing_versions"] == [1]
    assert_error(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["bj"]), 404)


def test_rectify_verify_exits_0_when_intact_and_1_naming_the_position(
    application, store_url, log, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    head = sealed(application, store_url)
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert f"intact: {head} records" in out and f"head {head}:" in out
    printed = out.split("head ")[1].split(";")[0].split()[0]
    assert main(["verify", "--checkpoint", printed]) == 0
    RawLog(store_url).delete(3)
    assert main(["verify", "--checkpoint", printed]) == 1
    assert "BROKEN at position 3: missing" in capsys.readouterr().out


def test_rectify_verify_refuses_a_checkpoint_not_as_printed(store_url, application, monkeypatch, capsys) -> None:
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    assert main(["verify", "--checkpoint", "12:not-a-seal"]) == 1
    assert "POSITION:SEAL" in capsys.readouterr().err


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the guide's script reads a SQLite store
def test_the_auditor_guides_own_recomputation_gives_the_served_head(application, store_url, log, tmp_path) -> None:
    """docs/audit.md shows how to recompute the chain with sqlite3 and hashlib alone: it must agree."""
    head = sealed(application, store_url)
    guide = (Path(__file__).parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    script = guide.split("```python\n")[1].split("```")[0]
    events = store_url.removeprefix("sqlite:///")
    script = script.replace("var/rectify.db", events).replace("var/rectify.seals.db", events[:-3] + ".seals.db")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "docs/audit.md", "exec"), {})
    kept = open_seals(load_settings({"RECTIFY_DATABASE_URL": store_url}), beside=application.recorder).last()
    assert printed.getvalue().split() == [str(head), kept.seal]


def test_the_projectors_scheduled_check_is_logged_and_shown_by_readyz(client, application, store_url, log) -> None:
    from service.projector import ChainCheckSchedule

    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_VERIFY_EVERY": "0.01"})
    head = sealed(application, store_url)
    said: list[str] = []
    schedule = ChainCheckSchedule(settings, open_seals(settings, beside=application.recorder), said.append)
    assert ok(client.get("/readyz"))["seals"] == {"position": head, "lag": 0, "last_check": None}
    time.sleep(0.02)
    schedule.run_if_due(application, rebuilding=True)  # due, but a rebuild is reading the log: later
    assert said == []
    schedule.run_if_due(application)
    assert said[-1].startswith(f"seal chain intact over {head} records")
    assert ok(client.get("/readyz"))["seals"]["last_check"]["ok"] is True
    RawLog(store_url).edit(head - 1, b'"', b"'")
    time.sleep(0.02)
    schedule.run_if_due(application)
    assert said[-1].startswith(f"SEAL CHAIN BROKEN at position {head - 1}: edited")
    check = ok(client.get("/readyz"))["seals"]["last_check"]
    assert (check["ok"], check["position"], check["problem"]) == (False, head - 1, "edited")
    off = ChainCheckSchedule(settings | {"RECTIFY_VERIFY_EVERY": "0"}, schedule.seals, said.append)
    off.run_if_due(application)
    assert len(said) == 2


def test_seals_taken_from_the_end_of_their_table_show_as_inserted_records(client, auth, application, store_url, log):
    """Removing the last seals (to hide a record appended behind the service's back) leaves the sealer's position."""
    head = sealed(application, store_url)
    seals = open_seals(load_settings({"RECTIFY_DATABASE_URL": store_url}), beside=application.recorder)
    with seals.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {seals.seals_table} WHERE position >= {head - 1}")
    verdict = verify(client, auth)
    assert (verdict["ok"], verdict["position"], verdict["problem"]) == (False, head - 1, "inserted")


def audit_of(client, auth, finding) -> list[dict[str, Any]]:
    query = {"finding": finding["id"], "min_position": finding["position"]}
    return ok(client.get(f"{API}/audit", query_string=query, headers=auth["auditor"]))["items"]


def test_audit_entries_carry_their_seals_and_show_what_was_changed_or_removed(
    client, auth, application, store_url, log, projector
) -> None:
    head = sealed(application, store_url)
    # Read once the view has projected the whole log: the sealer and the projector run apart.
    finding = ok(client.get(f"{API}/findings/{log[0]['id']}", headers=auth["auditor"])) | {"position": head}
    entries = audit_of(client, auth, finding)
    kept = open_seals(load_settings({"RECTIFY_DATABASE_URL": store_url}), beside=application.recorder)
    assert [entry["seal"] for entry in entries] == [
        kept.between(e["position"], e["position"])[e["position"]] for e in entries
    ]
    assert {entry["integrity"] for entry in entries} == {"sealed"}
    assigned, rectified = entries[1], entries[2]
    assert assigned["data"]["assignee"] == "王芳"
    raw = RawLog(store_url)
    raw.edit(assigned["position"], "王芳".encode(), "张三".encode())
    raw.delete(rectified["position"])
    after = {entry["position"]: entry for entry in audit_of(client, auth, finding)}
    assert (after[assigned["position"]]["integrity"], after[assigned["position"]]["data"]["assignee"]) == (
        "edited",
        "张三",
    )
    gone = after[rectified["position"]]
    assert (gone["integrity"], gone["data"], gone["type"], gone["actor"]) == ("missing", None, "Rectified", "bj")
    csv_text = client.get(f"{API}/audit", query_string={"format": "csv"}, headers=auth["auditor"]).get_data(
        as_text=True
    )
    header, *rows = csv_text.lstrip("\ufeff").splitlines()
    assert header.split(",")[-2:] == ["seal", "integrity"]
    assert any(row.endswith(",edited") for row in rows) and any(row.endswith(",missing") for row in rows)


def test_rectify_verify_needs_no_key_and_names_a_first_record_that_no_longer_decodes(
    application, store_url, log, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    monkeypatch.setenv("RECTIFY_CIPHER_KEY", "")
    sealed(application, store_url)
    RawLog(store_url).edit(1, b"{", b"\x00garbage{")
    assert main(["verify"]) == 1
    assert "BROKEN at position 1: edited" in capsys.readouterr().out
