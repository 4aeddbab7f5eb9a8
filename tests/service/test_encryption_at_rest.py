"""RECTIFY_CIPHER_KEY: the stored events are encrypted, everything still works, and a wrong key is refused clearly."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from contextlib import closing
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from domain.values import Role
from projections.weeks import Week
from service import create_app
from service.application import Rectify
from service.cli import main
from service.config import build_application, check_cipher_key, initialise_store, load_settings
from service.read_store import following
from service.stores import CipherKeyError, sqlite_path
from tests.service import encrypted_store
from tests.service.conftest import SETUP
from tests.service.helpers import API, assert_error, assigned, command, ok
from tests.service.tampering import sealed

# A store written with a cipher key, in place of the conftest's.
key, settings, application, app = (
    encrypted_store.key,
    encrypted_store.settings,
    encrypted_store.application,
    encrypted_store.app,
)

TITLE = "小金库资金账外循环"
DESCRIPTION = "经查，财务部以会议费名义套取资金38.6万元存放于账外。"
ASSIGNEE = "王建国"
REVIEWER = "赵丽华"
MALFORMED = "RECTIFY_CIPHER_KEY must be 16, 24 or 32 bytes in base64: make one with `rectify keygen`"


def postgres_target(url: str) -> tuple[str, str]:
    """The connection URL without `?schema=`, and the schema."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="")), parse_qs(parts.query)["schema"][0]


def stored_states(url: str) -> list[bytes]:
    """Every stored event's state, as the database holds it."""
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(sqlite_path(url))) as connection:
            return [bytes(row[0]) for row in connection.execute("SELECT state FROM stored_events")]
    import psycopg

    target, schema = postgres_target(url)
    with psycopg.connect(target) as connection:
        return [bytes(row[0]) for row in connection.execute(f"SELECT state FROM {schema}.rectify_events")]


def reencrypt_last_event(url: str, key: str, other_key: str) -> None:
    """Write the log's last event again as a process with `other_key` would have."""
    decrypt, encrypt = (AESCipher(Environment(env={"CIPHER_KEY": k})) for k in (key, other_key))
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(sqlite_path(url))) as connection, connection:
            rowid, state = connection.execute("SELECT rowid, state FROM stored_events ORDER BY rowid DESC").fetchone()
            state = encrypt.encrypt(decrypt.decrypt(state))
            connection.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rowid))
        return
    import psycopg

    target, schema = postgres_target(url)
    with psycopg.connect(target) as connection:
        table = f"{schema}.rectify_events"
        position, state = connection.execute(
            f"SELECT notification_id, state FROM {table} ORDER BY notification_id DESC LIMIT 1"
        ).fetchone()
        state = encrypt.encrypt(decrypt.decrypt(state))
        connection.execute(f"UPDATE {table} SET state = %s WHERE notification_id = %s", (state, position))


def plain_forms(text: str) -> list[bytes]:
    """How a text could appear in a stored state: UTF-8, or JSON's \\u escapes."""
    return [text.encode(), json.dumps(text).strip('"').encode()]


def a_finding_through_its_life(client, auth, application: Rectify, issue) -> dict[str, Any]:
    """Issue, assign, rectify and accept (by a reviewer with a personal name) a finding; the last answer."""
    reviewer = {"Authorization": f"Bearer {application.add_user(REVIEWER, Role.REVIEWER)}"}
    finding = issue(title=TITLE, description=DESCRIPTION)
    ok(command(client, finding, "assign", auth["bj"], assignee=ASSIGNEE))
    ok(command(client, finding, "rectify", auth["bj"], measures="已退回资金并追责", evidence=["凭证-2026-118"]))
    return ok(command(client, finding, "review", reviewer, outcome="accepted", comment="整改到位"))


def test_stored_events_hold_no_plain_text_while_the_api_answers_in_the_clear(
    client, auth, application, issue, store_url
) -> None:
    closed = a_finding_through_its_life(client, auth, application, issue)
    finding = ok(client.get(f"{API}/findings/{closed['id']}", headers=auth["auditor"]))
    assert (finding["title"], finding["description"], finding["assignee"]) == (TITLE, DESCRIPTION, ASSIGNEE)
    assert finding["status"] == closed["status"]
    history = ok(client.get(f"{API}/findings/{closed['id']}/history", headers=auth["auditor"]))
    assert [entry["type"] for entry in history["events"]][:2] == ["Issued", "Assigned"]
    assert history["events"][0]["data"]["title"] == TITLE
    assert history["events"][-1]["actor"] == REVIEWER
    states = stored_states(store_url)
    assert len(states) >= 10  # units, users, the reference number and the finding's four events
    for text in (TITLE, DESCRIPTION, ASSIGNEE, REVIEWER, "北京分公司财务部", "整改到位"):
        assert not [state for state in states for form in plain_forms(text) if form in state], text


def test_the_seal_chain_covers_the_encrypted_bytes_as_stored(client, auth, application, issue, store_url, key):
    """Encrypted again with the same key the event reads the same, but it is not the record that was sealed."""
    closed = a_finding_through_its_life(client, auth, application, issue)
    head = sealed(application, store_url)
    assert ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))["checked"] == head
    reencrypt_last_event(store_url, key, key)
    verdict = ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))
    assert (verdict["ok"], verdict["position"], verdict["problem"]) == (False, head, "edited")
    history = ok(client.get(f"{API}/findings/{closed['id']}/history", headers=auth["auditor"]))
    assert history["events"][-1]["data"]["comment"] == "整改到位" and history["events"][-1]["integrity"] == "edited"


def test_rectify_verify_checks_an_encrypted_log_without_its_key(
    client, auth, application, issue, store_url, monkeypatch, capsys
) -> None:
    a_finding_through_its_life(client, auth, application, issue)
    head = sealed(application, store_url)
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    monkeypatch.delenv("RECTIFY_CIPHER_KEY", raising=False)
    assert main(["verify"]) == 0
    assert f"intact: {head} records" in capsys.readouterr().out


def test_without_a_key_the_same_texts_are_stored_in_the_clear(store_url: str) -> None:
    """The check above would find them: it looks at the right bytes."""
    with closing(build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))) as rectify:
        rectify.register_unit(SETUP, code="HQ", name="集团公司")
        rectify.add_user(REVIEWER, Role.REVIEWER)
    states = b"".join(stored_states(store_url))
    assert any(form in states for form in plain_forms("集团公司"))
    assert any(form in states for form in plain_forms(REVIEWER))


def test_the_projector_builds_the_list_and_the_circular_from_the_encrypted_log(
    client, auth, application, issue, settings
) -> None:
    closed = a_finding_through_its_life(client, auth, application, issue)
    with following(settings):
        listed = ok(client.get(f"{API}/findings?q=小金库&min_position={closed['position']}", headers=auth["auditor"]))
        week = Week.containing(datetime.now(ZoneInfo("Asia/Shanghai")), ZoneInfo("Asia/Shanghai")).label
        query = {"week": week, "min_position": closed["position"], "ledger": "all"}
        circular = ok(client.get(f"{API}/circulars/weekly", query_string=query, headers=auth["auditor"]))
    assert [item["title"] for item in listed["items"]] == [TITLE]
    assert [row["title"] for row in circular["ledger"]] == [TITLE]
    assert circular["totals"]["closed_this_week"] == 1


@pytest.mark.parametrize("reader", ["no key", "another key"])
def test_a_store_written_with_one_key_is_refused_with_no_key_or_another(
    application, settings, reader, monkeypatch, capsys
) -> None:
    other = {"no key": "", "another key": AESCipher.create_key(num_bytes=32)}[reader]
    wrong = settings | {"RECTIFY_CIPHER_KEY": other}
    expected = "the stored events are encrypted" if reader == "no key" else "not the key the stored events were"
    with pytest.raises(CipherKeyError, match=expected):
        check_cipher_key(wrong)
    token = application.add_user(REVIEWER, Role.REVIEWER)
    client = create_app(wrong | {"TESTING": True}).test_client()  # a worker starts without touching its store
    for path in ("/api/v1/units", "/api/v1/findings"):
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})  # the token's user is in the log
        assert "RECTIFY_CIPHER_KEY" in assert_error(answer, 503, "event_unreadable")["message"]
    capsys.readouterr()  # what the server logged
    monkeypatch.setenv("RECTIFY_DATABASE_URL", settings["RECTIFY_DATABASE_URL"])
    monkeypatch.setenv("RECTIFY_CIPHER_KEY", other)
    for argv in (["users", "list"], ["init"], ["project", "--until-caught-up"]):
        assert main(argv) == 1, argv
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and err.startswith("rectify: error: ") and expected in err, (argv, err)
        assert "Traceback" not in out + err


def test_a_key_on_a_store_written_without_one_is_refused(store_url: str, key: str) -> None:
    plain = load_settings({"RECTIFY_DATABASE_URL": store_url})
    with closing(build_application(plain)) as writer:
        writer.register_unit(SETUP, code="HQ", name="集团公司")
    with pytest.raises(CipherKeyError, match="not the key the stored events were written with"):
        initialise_store(plain | {"RECTIFY_CIPHER_KEY": key})


def test_an_event_written_with_another_key_is_a_503_naming_the_key_not_a_500(
    client, auth, application, issue, key, store_url
) -> None:
    finding = issue(title=TITLE)
    assigned(client, auth, finding)
    reencrypt_last_event(store_url, key, AESCipher.create_key(num_bytes=32))
    for path in (f"{API}/findings/{finding['id']}", f"{API}/findings/{finding['id']}/history"):
        body = assert_error(client.get(path, headers=auth["auditor"]), 503, "event_unreadable")
        assert "RECTIFY_CIPHER_KEY" in body["message"]
    response = command(client, finding, "rectify", auth["bj"], measures="已整改")
    assert_error(response, 503, "event_unreadable")


@pytest.mark.parametrize(
    "malformed",
    ["not a key", base64.b64encode(b"ten bytes!").decode(), AESCipher.create_key(num_bytes=32)[:-2]],
    ids=["not-base64", "wrong-size", "truncated"],
)
def test_a_malformed_key_is_one_line_naming_keygen(store_url: str, malformed: str, monkeypatch, capsys) -> None:
    with pytest.raises(CipherKeyError, match=re.escape(MALFORMED)):
        build_application(load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_CIPHER_KEY": malformed}))
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    monkeypatch.setenv("RECTIFY_CIPHER_KEY", malformed)
    assert main(["users", "list"]) == 1
    _, err = capsys.readouterr()
    assert err == f"rectify: error: {MALFORMED}\n"


def test_keygen_prints_a_new_key_that_opens_an_encrypted_store(store_url: str, capsys) -> None:
    assert main(["keygen"]) == 0
    first, warning = capsys.readouterr()
    assert main(["keygen"]) == 0
    second, _ = capsys.readouterr()
    assert first != second and len(base64.b64decode(first.strip(), validate=True)) == 32
    assert first.count("\n") == 1 and "keep this key safe" in warning
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_CIPHER_KEY": first.strip()})
    with closing(build_application(settings)) as writer:
        writer.register_unit(SETUP, code="HQ", name="集团公司")
    with closing(build_application(settings)) as reader:
        assert [unit["name"] for unit in reader.list_units()] == ["集团公司"]
