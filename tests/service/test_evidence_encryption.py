"""RECTIFY_CIPHER_KEY covers files of evidence: each chunk is stored encrypted, and read back in the clear."""

from __future__ import annotations

import hashlib
import os
from contextlib import closing
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from service.cli import main
from service.config import build_application, initialise_store, load_settings
from service.evidence.integrity import check_evidence
from service.evidence.samples import sample_pdf
from service.stores.evidence import CHUNK_SIZE
from tests.service import encrypted_store
from tests.service.helpers import API, assert_error, assigned, ok
from tests.service.tampering import RawLog, sealed
from tests.service.test_evidence import upload

# A store written with a cipher key, in place of the conftest's.
key, settings, application, app = (
    encrypted_store.key,
    encrypted_store.settings,
    encrypted_store.application,
    encrypted_store.app,
)

SCAN = b"%PDF-1.7\n" + os.urandom(2 * CHUNK_SIZE + 1000)  # a scan of three chunks
REPORT = sample_pdf("Rectification report")


@pytest.fixture
def working(client, auth, issue) -> dict[str, Any]:
    """A finding the unit is working on."""
    finding = issue()
    assigned(client, auth, finding)
    return finding


def tables(store_url: str) -> tuple[RawLog, str, str]:
    """The store reached with the database's own driver, and its files and chunks tables."""
    raw = RawLog(store_url)
    prefix = "" if raw.sqlite else raw.table.removesuffix("events")
    return raw, f"{prefix}evidence_files", f"{prefix}evidence_chunks"


def stored(store_url: str, sha256: str) -> tuple[bool, list[bytes]]:
    """Whether the file row says its chunks are encrypted, and the chunks as the database holds them."""
    raw, files, chunks = tables(store_url)
    with raw.cursor() as cursor:
        cursor.execute(raw.mark(f"SELECT content_id, encrypted FROM {files} WHERE sha256 = ?"), (sha256,))
        content, encrypted = cursor.fetchone()
        cursor.execute(raw.mark(f"SELECT data FROM {chunks} WHERE content_id = ? ORDER BY number"), (content,))
        return bool(encrypted), [bytes(row[0]) for row in cursor.fetchall()]


def chunk_count(store_url: str) -> int:
    raw, _, chunks = tables(store_url)
    with raw.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {chunks}")
        return int(cursor.fetchone()[0])


def download(client, finding, headers, sha256: str):
    return client.get(f"{API}/findings/{finding['id']}/evidence/{sha256}", headers=headers)


def verify(client, auth) -> dict[str, Any]:
    return ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))["evidence"]


def test_with_the_key_each_chunk_is_stored_encrypted_and_read_back_whole(client, auth, working, store_url):
    body = ok(upload(client, working, auth["bj"], SCAN, "扫描件.pdf"), 201)
    sha256 = hashlib.sha256(SCAN).hexdigest()
    assert (body["file"]["sha256"], body["file"]["size"]) == (sha256, len(SCAN))  # the plain bytes'
    encrypted, chunks = stored(store_url, sha256)
    assert encrypted and len(chunks) == 3
    data = b"".join(chunks)
    for start in range(0, len(SCAN), CHUNK_SIZE):
        assert SCAN[start : start + 64] not in data  # no chunk's beginning (nor the `%PDF-` header) in the clear
    assert b"%PDF-" not in data
    answer = download(client, working, auth["bj"], sha256)
    assert answer.status_code == 200 and answer.get_data() == SCAN
    assert answer.headers["Content-Length"] == str(len(SCAN))
    assert verify(client, auth) == {"ok": True, "checked": 1, "broken": [], "missing": []}


def test_the_same_file_again_is_stored_once_encrypted(client, auth, issue, working, store_url):
    first = ok(upload(client, working, auth["bj"], REPORT), 201)["file"]["sha256"]
    other = issue()
    assigned(client, auth, other)
    second = ok(upload(client, other, auth["bj"], REPORT, "同一份报告.pdf"), 201)["file"]["sha256"]
    assert first == second and chunk_count(store_url) == 1
    encrypted, chunks = stored(store_url, first)
    assert encrypted and REPORT not in chunks[0] and b"%PDF-" not in chunks[0]
    for finding in (working, other):
        assert download(client, finding, auth["bj"], first).get_data() == REPORT


def test_a_file_stored_before_the_key_stays_plain_and_still_reads(client, auth, issue, working, store_url):
    with closing(build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))) as before:
        old = before.evidence_store.put_evidence([REPORT])  # stored by a server without the key
    assert ok(upload(client, working, auth["bj"], REPORT), 201)["file"]["sha256"] == old.sha256  # not stored again
    new = ok(upload(client, working, auth["bj"], SCAN, "扫描件.pdf"), 201)["file"]["sha256"]
    assert stored(store_url, old.sha256) == (False, [REPORT])
    assert stored(store_url, new)[0] is True
    assert download(client, working, auth["bj"], old.sha256).get_data() == REPORT
    assert download(client, working, auth["bj"], new).get_data() == SCAN
    assert verify(client, auth) == {"ok": True, "checked": 2, "broken": [], "missing": []}


def test_a_files_table_made_before_encryption_gets_the_column_on_start(store_url, key):
    """A store made by an earlier version: its file is plain, and reads after `init` adds `encrypted`."""
    raw, files, chunks = tables(store_url)
    sha256 = hashlib.sha256(REPORT).hexdigest()
    with raw.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {files} DROP COLUMN encrypted")
        cursor.execute(
            raw.mark(f"INSERT INTO {files} (sha256, size, content_id) VALUES (?, ?, 7)"), (sha256, len(REPORT))
        )
        cursor.execute(raw.mark(f"INSERT INTO {chunks} (content_id, number, data) VALUES (7, 0, ?)"), (REPORT,))
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_CIPHER_KEY": key})
    initialise_store(settings)
    assert stored(store_url, sha256) == (False, [REPORT])
    with closing(build_application(settings)) as rectify:
        assert b"".join(rectify.evidence_store.evidence_chunks(sha256, rectify.mapper.cipher)) == REPORT
        assert rectify.evidence_store.put_evidence([SCAN], rectify.mapper.cipher).new
    assert stored(store_url, hashlib.sha256(SCAN).hexdigest())[0] is True


@pytest.mark.parametrize(
    "key", ["", AESCipher.create_key(num_bytes=32)], ids=["server without a key", "server with another key"]
)
def test_a_file_encrypted_with_a_key_the_server_lacks_is_a_clear_503_not_a_500(
    client, auth, working, application, store_url, key
):
    """The server's own events read (they are its key's); the file was stored by one with another key."""
    writer_key = AESCipher.create_key(num_bytes=32)
    writer = AESCipher(Environment(env={"CIPHER_KEY": writer_key}))
    with closing(build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))) as elsewhere:
        sha256 = elsewhere.evidence_store.put_evidence([REPORT], writer).sha256
    assert ok(upload(client, working, auth["bj"], REPORT), 201)["file"]["sha256"] == sha256  # the bytes stored
    body = assert_error(download(client, working, auth["bj"], sha256), 503, "evidence_unreadable")
    assert "RECTIFY_CIPHER_KEY" in body["message"] and sha256 in body["message"]
    checked = check_evidence(application.evidence_store, application.recorder, application.mapper).answer()
    if key:  # with a key, bytes it cannot decrypt are not the bytes stored under it: broken
        assert checked == {"ok": False, "checked": 1, "broken": [sha256], "missing": []}
    else:  # without one they are not checked, and said so
        assert checked == {"ok": True, "checked": 0, "broken": [], "missing": [], "unreadable": [sha256]}
    served = verify(client, auth)
    assert served["broken"] == ([sha256] if key else [])
    assert served.get("unreadable", []) == ([] if key else [sha256])  # the API's answer carries it too


def test_rectify_verify_without_the_key_checks_the_chain_and_leaves_encrypted_files_unread(
    client, auth, working, application, store_url, monkeypatch, capsys
):
    ok(upload(client, working, auth["bj"], REPORT), 201)
    head = sealed(application, store_url)
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    monkeypatch.delenv("RECTIFY_CIPHER_KEY", raising=False)
    assert main(["verify"]) == 0
    printed = capsys.readouterr().out
    assert f"intact: {head} records" in printed
    assert "evidence: 1 encrypted file not checked" in printed and "were not looked up" in printed
    with closing(build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))) as keyless:
        check = check_evidence(keyless.evidence_store, keyless.recorder, keyless.mapper)
    sha256 = hashlib.sha256(REPORT).hexdigest()
    assert check.answer() == {
        "ok": True, "checked": 0, "broken": [], "missing": [], "unreadable": [sha256], "attached_unchecked": True,
    }  # fmt: skip
