"""`rectify import`: the summary and the refused rows on stdout, progress on stderr, on every store."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.application import Rectify
from service.cli import main
from tests.service.conftest import SETUP
from tests.service.helpers import last_position
from tests.service.test_import_support import (
    LEDGERS,
    at_import_moment,  # noqa: F401 - a fixture
    expected_created,
    expected_refusals,
)

pytestmark = pytest.mark.usefixtures("at_import_moment")


@pytest.fixture
def store(application: Rectify, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Rectify:
    """The command line pointed at the test's store, with the units the ledgers name."""
    application.register_unit(SETUP, code="SHY", name="上海研究院", parent="HQ")
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    return application


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def refusal_lines(name: str) -> list[str]:
    return [f"refused: {sheet} row {row} {column} {value!r}: {reason}"
            for sheet, row, column, value, reason in expected_refusals(name)]  # fmt: skip


def test_import_prints_the_summary_and_every_refused_row(store: Rectify, capsys) -> None:
    status, out, err = run(capsys, "import", str(LEDGERS / "inspection.xlsx"))

    assert status == 0, err
    created, refused = len(expected_created("inspection.xlsx")), len(expected_refusals("inspection.xlsx"))
    assert out.splitlines() == [
        f"{created + refused} rows read from 整改台账",
        f"{created} created, 0 already imported, {refused} refused",
        *refusal_lines("inspection.xlsx"),
    ]
    assert err.splitlines()[-1] == f"rows {created + refused}/{created + refused}"


def test_importing_again_records_nothing_and_says_the_rows_were_imported_already(store: Rectify, capsys) -> None:
    assert run(capsys, "import", str(LEDGERS / "list-utf8-bom.csv"))[0] == 0
    position = last_position(store)

    status, out, _ = run(capsys, "import", str(LEDGERS / "list-utf8-bom.csv"))

    assert status == 0 and last_position(store) == position
    assert out.splitlines()[1] == "0 created, 3 already imported, 1 refused"


def test_a_dry_run_records_nothing_and_says_what_would_be_created(store: Rectify, capsys) -> None:
    position = last_position(store)
    status, out, _ = run(capsys, "import", "--dry-run", str(LEDGERS / "special-audit-gb18030.csv"))
    assert status == 0 and last_position(store) == position
    assert out.splitlines()[:2] == [
        "dry run: 4 rows read from CSV",
        "3 would be created, 0 already imported, 1 refused",
    ]
    assert out.splitlines()[2:] == refusal_lines("special-audit-gb18030.csv")


def test_the_refused_rows_can_be_written_to_a_csv_report(store: Rectify, capsys, tmp_path: Path) -> None:
    report = tmp_path / "refused.csv"
    assert run(capsys, "import", str(LEDGERS / "audit.xlsx"), "--sheet", "审计问题", "--report", str(report))[0] == 0
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["sheet", "row", "column", "value", "reason"]
    assert [tuple(row) for row in rows[1:]] == [tuple(map(str, r)) for r in expected_refusals("audit.xlsx")]


def test_options_name_the_source_and_batch_of_rows_that_do_not(store: Rectify, capsys, tmp_path: Path) -> None:
    ledger = tmp_path / "台账.csv"
    ledger.write_text("问题,责任单位,整改时限\n会议记录不全,SH,2026-09-30\n", encoding="utf-8")
    status, out, _ = run(capsys, "import", str(ledger), "--source", "audit", "--batch", "第二轮审计")
    assert status == 0 and out.splitlines()[1] == "1 created, 0 already imported, 0 refused"
    again = run(capsys, "import", str(ledger), "--source", "audit")[1]
    assert again.splitlines()[1] == "1 created, 0 already imported, 0 refused"  # another batch: another finding


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--sheet", "没有这张表"], "no sheet named 没有这张表 (the workbook has: 审计问题, 说明)"),
     (["--source", "other"], None)],
)  # fmt: skip
def test_a_file_or_option_that_cannot_be_used_is_one_line_on_stderr(
    store: Rectify, capsys, argv: list[str], message: str | None
) -> None:
    status, _, err = run(capsys, "import", str(LEDGERS / "audit.xlsx"), *argv)
    assert status != 0 and "Traceback" not in err
    if message is not None:
        assert err == f"rectify: error: {LEDGERS / 'audit.xlsx'}: {message}\n"


def test_an_old_xls_or_a_missing_file_is_refused_in_one_line(store: Rectify, capsys, tmp_path: Path) -> None:
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200))
    status, _, err = run(capsys, "import", str(old))
    assert status == 1 and "save it as .xlsx" in err and len(err.splitlines()) == 1
    status, _, err = run(capsys, "import", str(tmp_path / "missing.xlsx"))
    assert status == 1 and "cannot read" in err and len(err.splitlines()) == 1


def test_a_file_without_a_ledger_header_is_refused_in_one_line(store: Rectify, capsys, tmp_path: Path) -> None:
    notes = tmp_path / "说明.csv"
    notes.write_text("本表按季度更新\n序号,备注\n1,无\n", encoding="utf-8")
    status, out, err = run(capsys, "import", str(notes))
    assert (status, out) == (1, "")
    assert err.startswith(f"rectify: error: {notes}: no ledger found") and len(err.splitlines()) == 1
