"""Files of evidence (佐证材料): attached by the unit over HTTP, kept in the store, read by whoever reads it."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

import docx
import openpyxl
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder, stream_encode_multipart

from service import create_app
from service.evidence.samples import sample_pdf, sample_png
from tests.service.helpers import API, assert_error, assigned, closed, command, history, last_position, ok

PDF = sample_pdf("Rectification report")
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)  # a Windows program's first bytes


def upload(client, finding, headers, data: bytes, filename: str = "整改报告.pdf", **form):
    """POST a file as the multipart field `file`."""
    response = client.post(
        f"{API}/findings/{finding['id']}/evidence",
        data={"file": (io.BytesIO(data), filename), **form},
        headers=headers,
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()  # the test client's encoded body (a temporary file when large)
    return response


def stored_files(application) -> list[tuple[str, int]]:
    return list(application.evidence_store.stored_evidence())


def office_file(kind: str) -> bytes:
    """A DOCX or XLSX as the office programs' libraries write them, or an OFD or plain ZIP."""
    buffer = io.BytesIO()
    if kind == "docx":
        document = docx.Document()
        document.add_paragraph("整改情况说明")
        document.save(buffer)
    elif kind == "xlsx":
        workbook = openpyxl.Workbook()
        workbook.active.append(["序号", "整改措施"])
        workbook.save(buffer)
    else:
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("OFD.xml" if kind == "ofd" else "会议纪要.txt", "<ofd:OFD/>" if kind == "ofd" else "纪要")
    return buffer.getvalue()


@pytest.fixture
def working(client, auth, issue):
    """A finding the unit is working on (assigned)."""
    finding = issue()
    assigned(client, auth, finding)
    return finding


def test_the_unit_attaches_a_file_and_the_history_names_it(client, auth, working, application):
    response = upload(client, working, auth["bj"], PDF)
    body = ok(response, 201)
    sha256 = hashlib.sha256(PDF).hexdigest()
    file = {"sha256": sha256, "filename": "整改报告.pdf", "media_type": "application/pdf", "size": len(PDF)}
    assert body["file"] == file
    assert body["status"] == "assigned" and body["version"] == 3 and body["position"] == last_position(application)
    assert response.headers["ETag"] == '"3"'
    assert response.headers["Location"].endswith(f"/findings/{working['id']}/evidence/{sha256}")
    entry = history(client, auth, working)[-1]
    assert entry["type"] == "EvidenceAttached" and entry["actor"] == "bj"
    assert entry["data"] == file
    assert stored_files(application) == [(sha256, len(PDF))]


def test_the_same_bytes_again_record_nothing_and_answer_200(client, auth, working, application):
    first = ok(upload(client, working, auth["bj"], PDF), 201)
    position = last_position(application)
    response = upload(client, working, auth["bj"], PDF, filename="另一个名字.pdf")
    again = ok(response, 200)
    assert response.headers["Idempotent-Replayed"] == "true"
    assert last_position(application) == position
    assert again["version"] == first["version"] and again["position"] == first["position"]
    assert again["file"] == first["file"]  # the name it was first attached under
    assert len(stored_files(application)) == 1


def test_a_role_other_than_the_unit_may_not_attach_and_nothing_is_stored(client, auth, working, application):
    for role in ("inspector", "reviewer", "auditor"):
        assert_error(upload(client, working, auth[role], PDF), 403)
    assert stored_files(application) == []


def test_a_unit_outside_the_subtree_hears_the_404_of_a_missing_finding(client, auth, working, application):
    outside = assert_error(upload(client, working, auth["sh"], PDF), 404)
    missing = assert_error(upload(client, {"id": str(uuid.uuid4())}, auth["bj"], PDF), 404)
    assert outside["code"] == missing["code"] == "finding_not_found"
    assert "BJ" not in outside["message"]
    assert stored_files(application) == []
    location = ok(upload(client, working, auth["bj"], PDF), 201)["file"]["sha256"]
    assert_error(client.get(f"{API}/findings/{working['id']}/evidence/{location}", headers=auth["sh"]), 404)


def test_a_finding_not_being_worked_on_takes_no_evidence(client, auth, issue, application):
    issued = issue()
    assert_error(upload(client, issued, auth["bj"], PDF), 409, "invalid_transition")
    done = issue()
    closed(client, auth, done)
    assert_error(upload(client, done, auth["bj"], PDF), 409, "invalid_transition")
    assert stored_files(application) == []


def test_a_rectified_finding_still_takes_evidence(client, auth, working):
    ok(command(client, working, "rectify", auth["bj"], measures="已整改", evidence=["凭证-001"]))
    assert ok(upload(client, working, auth["bj"], PDF), 201)["status"] == "rectified"


def test_a_file_over_the_limit_is_413_before_it_is_read_and_nothing_is_stored(application, store_url, auth, issue):
    app = create_app({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_EVIDENCE_MAX_MB": "1"}, application=application)
    client = app.test_client()
    finding = ok(client.post(f"{API}/findings", json=finding_body(), headers=auth["inspector"]), 201)
    assigned(client, auth, finding)
    big = PDF + bytes(2 * 1024 * 1024)
    body = assert_error(upload(client, finding, auth["bj"], big), 413, "body_too_large")
    assert "RECTIFY_EVIDENCE_MAX_MB" in body["message"]
    just_over = PDF + bytes(1024 * 1024)  # within the multipart allowance, so the file itself is measured
    assert_error(upload(client, finding, auth["bj"], just_over), 413, "evidence_too_large", field="file")
    assert stored_files(application) == []


def test_a_chunked_body_is_cut_off_past_the_files_limit_and_nothing_is_stored(application, store_url, auth, issue):
    app = create_app({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_EVIDENCE_MAX_MB": "1"}, application=application)
    finding = ok(app.test_client().post(f"{API}/findings", json=finding_body(), headers=auth["inspector"]), 201)
    assigned(app.test_client(), auth, finding)
    big = FileStorage(io.BytesIO(PDF + bytes(8 * 1024 * 1024)), filename="big.pdf")
    body, _, boundary = stream_encode_multipart({"file": big})
    path = f"{API}/findings/{finding['id']}/evidence"
    environ = EnvironBuilder(path=path, method="POST", headers=auth["bj"]).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update(
        {
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
        }
    )
    response = app.response_class.from_app(app, environ, buffered=True)
    read = body.tell()
    body.close()
    assert_error(response, 413, "body_too_large")
    assert read < 2 * 1024 * 1024, read  # read up to the limit, not to the end
    assert stored_files(application) == []


def test_the_general_body_limit_does_not_apply_to_evidence(client, auth, working):
    two_megabytes = PDF + bytes(2 * 1024 * 1024)  # over RECTIFY_MAX_BODY_KB (1024)
    assert ok(upload(client, working, auth["bj"], two_megabytes), 201)["file"]["size"] == len(two_megabytes)
    assert_error(command(client, working, "assign", auth["bj"], assignee="王" * 600_000), 413, "body_too_large")


@pytest.mark.parametrize("data", [PROGRAM, b"\x7fELF\x02\x01\x01" + bytes(100), b"#!/bin/sh\nrm -rf /\n", b""])
def test_a_program_named_pdf_is_refused_by_its_content(client, auth, working, application, data):
    body = assert_error(upload(client, working, auth["bj"], data, filename="整改报告.pdf"), 415)
    assert body["code"] == "evidence_type_not_allowed" and "file" in body["errors"]
    assert stored_files(application) == []


@pytest.mark.parametrize(
    ("kind", "media_type"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ofd", "application/ofd"),
        ("zip", "application/zip"),
    ],
)
def test_office_files_are_told_apart_by_what_their_zip_holds(client, auth, working, kind, media_type):
    body = ok(upload(client, working, auth["bj"], office_file(kind), filename="材料.bin"), 201)
    assert body["file"]["media_type"] == media_type


def test_photos_are_accepted_and_the_media_type_is_the_contents_not_the_names(client, auth, working):
    body = ok(upload(client, working, auth["bj"], sample_png(10, 120, 200), filename="现场照片.jpg"), 201)
    assert body["file"]["media_type"] == "image/png"


def test_download_answers_the_bytes_with_their_type_and_the_name_as_an_attachment(client, auth, working):
    name = "../材料/整改报告（第1版）.pdf"  # the folder part is not kept
    sha256 = ok(upload(client, working, auth["bj"], PDF, filename=name), 201)["file"]["sha256"]
    in_full = "filename*=UTF-8''" + "%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A%EF%BC%88%E7%AC%AC1%E7%89%88%EF%BC%89.pdf"
    for reader in ("bj", "inspector", "reviewer", "auditor", "admin"):
        response = client.get(f"{API}/findings/{working['id']}/evidence/{sha256}", headers=auth[reader])
        assert response.status_code == 200, reader
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Length"] == str(len(PDF))
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="')
        assert disposition.endswith(in_full)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_not_attached_to_that_finding_is_404(client, auth, working, issue):
    sha256 = ok(upload(client, working, auth["bj"], PDF), 201)["file"]["sha256"]
    other = issue()
    assert_error(client.get(f"{API}/findings/{other['id']}/evidence/{sha256}", headers=auth["auditor"]), 404)
    assert_error(client.get(f"{API}/findings/{working['id']}/evidence/{'0' * 64}", headers=auth["auditor"]), 404)
    assert_error(client.get(f"{API}/findings/{working['id']}/evidence/not-a-hash", headers=auth["auditor"]), 404)


def test_a_fix_may_name_attached_files_and_naming_one_not_attached_is_422(client, auth, working):
    sha256 = ok(upload(client, working, auth["bj"], PDF), 201)["file"]["sha256"]
    unattached = hashlib.sha256(b"never sent").hexdigest()
    refused = command(client, working, "rectify", auth["bj"], measures="已整改", evidence=[sha256, unattached])
    assert_error(refused, 422, "evidence_not_attached", field="evidence")
    fixed = ok(command(client, working, "rectify", auth["bj"], measures="已整改", evidence=[sha256, "会议纪要第3期"]))
    assert fixed["evidence"] == [sha256, "会议纪要第3期"] and fixed["status"] == "rectified"


def test_a_body_without_the_file_or_with_unknown_fields_is_422(client, auth, working, application):
    path = f"{API}/findings/{working['id']}/evidence"
    response = client.post(path, data={}, headers=auth["bj"], content_type="multipart/form-data")
    assert_error(response, 422, field="file")
    assert_error(upload(client, working, auth["bj"], PDF, note="x"), 422, field="note")
    assert_error(upload(client, working, auth["bj"], PDF, occurred_at="2999-01-01T00:00:00+08:00"), 422)
    assert stored_files(application) == []


def finding_body(**overrides):
    from tests.service.conftest import finding_body as body

    return body(**overrides)


def test_a_plain_field_named_file_is_422_not_taken_for_a_file(client, auth, working):
    path = f"{API}/findings/{working['id']}/evidence"
    response = client.post(path, data={"file": "%PDF-1.4"}, headers=auth["bj"], content_type="multipart/form-data")
    assert_error(response, 422, field="file")
