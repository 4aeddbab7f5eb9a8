"""`rectify audit`: the audit entries on the terminal, and the same CSV as the HTTP API, on both stores."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from service.cli import main
from tests.service.helpers import API, assigned, ok


@pytest.fixture
def cli_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The command line pointed at the test's store."""
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    return store_url


def caught_up(client, auth, position: int) -> None:
    """Wait until the projector has written everything up to `position`."""
    ok(client.get(f"{API}/audit", query_string={"min_position": position, "limit": 1}, headers=auth["auditor"]))


# Where a table line's words are: each moment is two (its date, then its time).
TYPE, REFERENCE = 5, 6


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `rectify audit` (what the requests before it logged is left out)."""
    capsys.readouterr()
    status = main(["audit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_audit_prints_every_matching_entry_as_a_table(cli_store, client, auth, issue, projector, capsys):
    first, second = issue(title="公务接待超标准"), issue(unit="SH")
    caught_up(client, auth, assigned(client, auth, first)["position"])
    status, out, _ = run(capsys, "--type", "Issued")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["position", "recorded_at", "occurred_at", "type", "finding", "unit", "actor", "data"]
    assert [line.split()[REFERENCE] for line in lines[1:3]] == [first["reference"], second["reference"]]
    assert "inspector (inspector)" in lines[1] and "公务接待超标准" in lines[1]
    assert lines[-1].startswith("2 entries (read model at position")
    _, out, _ = run(capsys, "--finding", first["reference"])
    assert [line.split()[TYPE] for line in out.splitlines()[1:-1]][-2:] == ["Issued", "Assigned"]
    assert "bj (unit)" in out.splitlines()[-2]


def test_audit_filters_backdated_entries_and_a_units_subtree(cli_store, client, auth, issue, projector, capsys):
    backdated = issue(occurred_at=days_ago(10))
    elsewhere = issue(unit="SH")
    caught_up(client, auth, elsewhere["position"])
    _, out, _ = run(capsys, "--backdated-over", "5")
    assert [line.split()[REFERENCE] for line in out.splitlines()[1:-1]] == [backdated["reference"]]
    _, out, _ = run(capsys, "--unit", "SH", "--type", "Issued", "--actor", "inspector")
    assert [line.split()[REFERENCE] for line in out.splitlines()[1:-1]] == [elsewhere["reference"]]


def test_audit_writes_the_same_csv_as_the_http_api(cli_store, client, auth, issue, projector, capsys, tmp_path):
    caught_up(client, auth, assigned(client, auth, issue(title="差旅费=报销"))["position"])
    status, out, _ = run(capsys, "--csv", str(tmp_path / "audit.csv"))
    assert status == 0 and "wrote the audit entries to" in out
    served = client.get(f"{API}/audit", query_string={"format": "csv"}, headers=auth["auditor"])
    written = (tmp_path / "audit.csv").read_bytes()
    assert written == served.data
    rows = list(csv.reader(io.StringIO(written.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4 + 2  # the header, the units' registrations, the issue and the assignment


def test_audit_csv_to_standard_output_is_the_file_alone(cli_store, client, auth, issue, projector, capsysbinary):
    caught_up(client, auth, issue()["position"])
    capsysbinary.readouterr()
    assert main(["audit", "--type", "Issued", "--csv", "-"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert header[:2] == ["position", "finding_id"] and len(rows) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "yesterday"], "--since: Not a valid datetime."),
        (["--occurred-until", "2026-01-01T00:00:00"], "--occurred-until: Not a valid aware datetime."),
        (["--backdated-over", "-1"], "--backdated-over: Must be greater than or equal to 0"),
        (["--finding", "not a reference"], "--finding: Letters, digits"),
        (["--unit", "NOWHERE"], "unit NOWHERE is not registered"),
    ],
)
def test_bad_filters_fail_with_one_line_naming_the_option(cli_store, application, capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    assert err.startswith("rectify: error: ") and message in err and err.count("\n") == 1, err
