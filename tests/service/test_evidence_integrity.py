"""Files of evidence are checked by verify, and large ones go through without being held whole in memory."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tracemalloc

import pytest

from service.cli import main
from service.config import build_application, load_settings
from service.evidence.samples import sample_pdf, sample_png
from tests.conftest import at_demo_moment
from tests.service.console_helpers import signed_in
from tests.service.helpers import API, assigned, ok
from tests.service.tampering import RawLog

PDF = sample_pdf("Rectification report")
PNG = sample_png(200, 30, 30)


def upload(client, finding, headers, stream, filename: str):
    response = client.post(
        f"{API}/findings/{finding['id']}/evidence",
        data={"file": (stream, filename)},
        headers=headers,
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()  # the test client's encoded body (a temporary file when large)
    return response


def verify(client, auth) -> dict:
    return ok(client.get(f"{API}/audit/verify", headers=auth["auditor"]))


def change_stored_bytes(store_url: str, sha256: str) -> None:
    """Overwrite the first chunk of a stored file, as someone with the database's password could."""
    raw = RawLog(store_url)
    prefix = raw.table.removesuffix("events") if not raw.sqlite else ""
    files, chunks = f"{prefix}evidence_files", f"{prefix}evidence_chunks"
    with raw.cursor() as cursor:
        cursor.execute(raw.mark(f"SELECT content_id FROM {files} WHERE sha256 = ?"), (sha256,))
        (content,) = cursor.fetchone()
        forge = f"UPDATE {chunks} SET data = ? WHERE content_id = ? AND number = 0"
        cursor.execute(raw.mark(forge), (b"forged " + PNG, content))


@pytest.fixture
def attached(client, auth, issue) -> list[str]:
    """Two files attached to a finding the unit works on: their sha256."""
    finding = issue()
    assigned(client, auth, finding)
    return [
        ok(upload(client, finding, auth["bj"], io.BytesIO(data), name), 201)["file"]["sha256"]
        for data, name in ((PDF, "报告.pdf"), (PNG, "照片.png"))
    ]


def test_verify_rehashes_every_stored_file_and_names_a_changed_one(client, auth, store_url, attached):
    intact = verify(client, auth)
    assert intact["ok"] is True
    assert intact["evidence"] == {"ok": True, "checked": 2, "broken": [], "missing": []}
    change_stored_bytes(store_url, attached[0])
    broken = verify(client, auth)
    assert broken["ok"] is False
    assert broken["evidence"] == {"ok": False, "checked": 2, "broken": [attached[0]], "missing": []}


def test_rectify_verify_exits_1_naming_a_changed_file(store_url, attached, monkeypatch, capsys):
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    assert main(["verify"]) == 0
    assert "evidence intact: 2 stored files" in capsys.readouterr().out
    change_stored_bytes(store_url, attached[1])
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "evidence BROKEN" in out and f"{attached[1]}: the stored bytes no longer hash to it" in out


def test_verify_names_an_attached_file_whose_bytes_are_gone(client, auth, store_url, attached):
    raw = RawLog(store_url)
    files = f"{raw.table.removesuffix('events')}evidence_files" if not raw.sqlite else "evidence_files"
    with raw.cursor() as cursor:
        cursor.execute(raw.mark(f"DELETE FROM {files} WHERE sha256 = ?"), (attached[0],))
    verdict = verify(client, auth)
    assert verdict["ok"] is False
    assert verdict["evidence"] == {"ok": False, "checked": 1, "broken": [], "missing": [attached[0]]}


def test_a_large_upload_and_its_download_are_never_held_whole_in_memory(client, auth, issue, tmp_path):
    finding = issue()
    assigned(client, auth, finding)
    path, digest = tmp_path / "扫描件.pdf", hashlib.sha256()
    with path.open("wb") as file:
        for chunk in [b"%PDF-1.7\n", *(os.urandom(1024 * 1024) for _ in range(15))]:
            file.write(chunk)
            digest.update(chunk)
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            body = ok(upload(client, finding, auth["bj"], stream, path.name), 201)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        response = client.get(f"{API}/findings/{finding['id']}/evidence/{body['file']['sha256']}", headers=auth["bj"])
        served = hashlib.sha256()
        for chunk in response.response:
            served.update(chunk)
        response.close()
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert body["file"]["sha256"] == digest.hexdigest() == served.hexdigest()
    assert body["file"]["size"] == path.stat().st_size
    assert upload_peak < 4 * 1024 * 1024, f"uploading 15 MB peaked at {upload_peak / 1024 / 1024:.1f} MB"
    assert download_peak < 4 * 1024 * 1024, f"downloading 15 MB peaked at {download_peak / 1024 / 1024:.1f} MB"


def test_the_demo_attaches_pdfs_and_photos_that_verify_and_download(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path}/demo.db"
    monkeypatch.setenv("RECTIFY_DATABASE_URL", url)
    with at_demo_moment():
        assert main(["demo", "--weeks", "2"]) == 0
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert re.search(r"evidence intact: [1-9][0-9]* stored files", capsys.readouterr().out)
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": url}))
    try:
        events = [application.mapper.to_domain_event(n) for n in application.recorder.select_notifications(1, 10**6)]
        attached = [event for event in events if type(event).__name__ == "EvidenceAttached"]
        assert {event.media_type for event in attached} == {"application/pdf", "image/png"}
        for event in attached:
            data = b"".join(application.evidence_store.evidence_chunks(event.sha256))
            assert hashlib.sha256(data).hexdigest() == event.sha256 and len(data) == event.size
            whole = (b"%PDF-", b"%%EOF\n") if event.media_type == "application/pdf" else (b"\x89PNG", b"IEND\xaeB`\x82")
            assert data.startswith(whole[0]) and data.endswith(whole[1])  # whole files, as viewers read them
    finally:
        application.close()


def test_stored_bytes_no_event_names_are_listed_apart_and_fail_nothing(
    client, auth, store_url, attached, application, monkeypatch, capsys
):
    # As a crash between storing an upload's bytes and recording its event leaves them.
    left = application.evidence_store.put_evidence(iter([b"%PDF-1.4 upload cut short"]), application.mapper.cipher)
    verdict = verify(client, auth)
    assert verdict["ok"] is True
    assert verdict["evidence"] == {"ok": True, "checked": 3, "broken": [], "missing": [], "unattached": [left.sha256]}
    assert left.sha256 not in attached
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    assert main(["verify"]) == 0
    assert "evidence: 1 stored file no event names (nobody's evidence, not a fault)" in capsys.readouterr().out
    signed_in(client, auth, "auditor")
    page = client.get("/console/audit/verify").get_data(as_text=True)
    assert 'data-verdict="intact"' in page and 'data-evidence="unattached"' in page and "另有 1 个已存储的文件" in page
