"""Reading one ledger row is a pure function: headers, dates, units and statuses, each rule on its own."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.values import Severity, Source, Status
from service.imports.columns import field_of, find_header
from service.imports.dates import NotADate, read_date, read_deadline
from service.imports.reading import read_sheets
from service.imports.rows import ImportContext, LedgerRow, PlannedFinding, Refusal, interpret
from service.imports.units import UnitDirectory, UnitNotMatched

ZONE = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2026, 7, 1, 10, 0, tzinfo=ZONE)
UNITS = UnitDirectory(
    [
        {"code": "HQ", "name": "集团公司"},
        {"code": "BJ", "name": "北京分公司"},
        {"code": "BJ-01", "name": "北京分公司财务部"},
        {"code": "SH", "name": "上海分公司"},
        {"code": "SHY", "name": "上海研究院"},
    ]
)
HEADERS = {"description": "问题描述", "unit": "责任单位", "due_date": "整改时限", "status": "整改情况"}
days = st.dates(min_value=date(1970, 1, 1), max_value=date(2099, 12, 31))


def context(**overrides: Any) -> ImportContext:
    values: dict[str, Any] = {"units": UNITS, "moment": MOMENT, "zone": ZONE, "batch": "第三轮巡察"}
    values |= {"source": Source.INSPECTION, "long_term": True}
    return ImportContext(**(values | overrides))


def row(**cells: Any) -> LedgerRow:
    values = {"description": "差旅费报销审核不严。超标准报销3笔", "unit": "北京分公司", "due_date": "2026-09-30"}
    return LedgerRow("台账", 5, values | cells, HEADERS)


def planned(**cells: Any) -> PlannedFinding:
    outcome = interpret(row(**cells), context())
    assert isinstance(outcome, PlannedFinding), outcome
    return outcome


def refused(**cells: Any) -> Refusal:
    outcome = interpret(row(**cells), context())
    assert isinstance(outcome, Refusal), outcome
    return outcome


@pytest.mark.parametrize(
    ("header", "field"),
    [("问题", "description"), ("存在问题", "description"), ("具体问题", "description"), ("问题内容", "description"),
     ("问题描述 ", "description"), ("问题标题", "title"), ("问题编号", "reference"), ("序号", "number"),
     ("责任部门", "unit"), ("整改责任单位", "unit"), ("责任科室", "unit"), ("整改责任人", "assignee"),
     ("完成时限", "due_date"), ("整改\n期限", "due_date"), ("完成时间（年月日）", "due_date"), ("整改措施", "measures"),
     ("整改进展", "status"), ("完成情况", "status"), ("类别", "category"), ("来源", "source"),
     ("下发时间", "issued_on"), ("＊发现时间", "issued_on"), ("责 任 单 位", "unit")],
)  # fmt: skip
def test_headers_are_recognised_by_their_synonyms_whatever_the_spacing_and_width(header: str, field: str) -> None:
    assert field_of(header) == field


def test_the_header_row_is_found_under_a_title_and_notes_and_serial_numbers_alone_are_not_one() -> None:
    rows = [
        ["2026年巡察整改台账"],
        [],
        ["序号", "备注"],
        ["填报单位：", None],
        ["序号", "问题", "责任单位"],
        [1, "x", "y"],
    ]
    assert find_header(rows) == (4, {"number": 0, "description": 1, "unit": 2})


@given(days)
def test_every_written_form_of_a_day_reads_as_that_day(day: date) -> None:
    forms = [day, datetime.combine(day, datetime.min.time()), (day - date(1899, 12, 30)).days, day.isoformat(),
             f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}",
             f"{day.year}/{day.month}/{day.day}",
             f"{day:%Y%m%d}", f" {day.year} 年 {day.month} 月 {day.day} 日 ", f"{day.isoformat()} 00:00:00",
             f"{day.year}－{day.month:02d}－{day.day:02d}"]  # fmt: skip
    for form in forms:
        assert read_date(form) == day, form


@given(st.integers(2000, 2099), st.integers(1, 12), st.integers(1, 31))
def test_a_day_the_calendar_lacks_is_refused_not_moved(year: int, month: int, day: int) -> None:
    text = f"{year}年{month}月{day}日"
    if day <= calendar.monthrange(year, month)[1]:
        assert read_date(text) == date(year, month, day)
    else:
        with pytest.raises(NotADate, match="not a day of the calendar"):
            read_date(text)


@given(days, st.integers(1, 12))
def test_end_of_month_is_the_last_day_of_that_month_in_the_issue_year(issued_on: date, month: int) -> None:
    due = read_deadline(f"{month}月底").due_on(issued_on)
    assert due == date(issued_on.year, month, calendar.monthrange(issued_on.year, month)[1])


@given(days)
def test_immediate_and_long_term_words_read_against_the_issue_date(issued_on: date) -> None:
    assert read_deadline("立行立改").due_on(issued_on) == issued_on
    assert (read_deadline("长期坚持").long_term, read_deadline("长期坚持").due_on(issued_on)) == (True, None)
    both = read_deadline("立行立改并长期坚持")
    assert (both.long_term, both.due_on(issued_on)) == (True, issued_on)
    stage = read_deadline("长期坚持（首期 2026-12-31）")
    assert (stage.long_term, stage.due_on(issued_on)) == (True, date(2026, 12, 31))


@pytest.mark.parametrize("value", ["下月底", "2026-02-30", "13月底", "尽快", 12.5, "3000-01-01", 99999])
def test_what_is_no_date_is_refused(value: Any) -> None:
    with pytest.raises(NotADate):
        read_deadline(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [("BJ-01", "BJ-01"), ("bj-01", "BJ-01"), ("ＢＪ－０１", "BJ-01"), ("北京分公司", "BJ"), (" 北京分公司 ", "BJ"),
     ("北京", "BJ"), ("北京公司", "BJ"), ("北京分公司财务部", "BJ-01"), ("北京分公司财务", "BJ-01"), ("集团", "HQ"),
     ("上海研究院", "SHY"), ("上海分公司", "SH")],
)  # fmt: skip
def test_units_are_matched_by_code_full_name_or_short_name(text: str, code: str) -> None:
    assert UNITS.match(text) == code


def test_an_ambiguous_short_name_is_refused_with_the_candidates_named() -> None:
    with pytest.raises(UnitNotMatched) as refusal:
        UNITS.match("上海")
    assert "上海分公司（SH）" in str(refusal.value) and "上海研究院（SHY）" in str(refusal.value)


@pytest.mark.parametrize(
    ("word", "status"),
    [("已完成", Status.CLOSED), ("已整改", Status.CLOSED), ("已销号", Status.CLOSED), ("正在整改", Status.ASSIGNED),
     ("整改中", Status.ASSIGNED), ("未整改", Status.ISSUED), (None, Status.ISSUED), ("待审核", Status.RECTIFIED),
     ("已撤回", Status.WITHDRAWN), (" 已 完成 ", Status.CLOSED)],
)  # fmt: skip
def test_the_status_column_names_the_status_to_reach(word: str | None, status: Status) -> None:
    assert planned(status=word).status is status


def test_a_row_becomes_a_finding_with_the_first_sentence_as_its_title() -> None:
    finding = planned(assignee="张三 ", measures="追回费用", severity="较重", category="财经管理")
    assert finding.fields["title"] == "差旅费报销审核不严"
    assert finding.fields["description"] == "差旅费报销审核不严。超标准报销3笔"
    assert (finding.fields["unit"], finding.fields["due_date"], finding.fields["severity"]) == (
        "BJ",
        date(2026, 9, 30),
        Severity.SERIOUS,
    )
    assert (finding.assignee, finding.measures, finding.issued_at) == ("张三", "追回费用", MOMENT)


def test_the_reference_is_the_ledgers_own_or_a_hash_that_the_same_row_always_gets() -> None:
    assert planned(reference="SJ-2025-001").reference == "SJ-2025-001"
    assert planned().reference == planned(status="已完成", assignee="李四").reference
    assert planned().reference.startswith("TZ-")
    assert planned().reference != planned(unit="上海分公司").reference
    assert refused(reference="审计-1").column == "问题编号"


def test_without_an_issue_date_a_passed_due_date_is_the_issue_day() -> None:
    finding = planned(due_date="2026-03-31")
    assert (finding.issued_at, finding.fields["due_date"]) == (datetime(2026, 3, 31, tzinfo=ZONE), date(2026, 3, 31))


def test_with_an_issue_date_a_due_date_before_it_is_refused() -> None:
    refusal = refused(issued_on="2026-04-01", due_date="2026-03-31")
    assert (refusal.column, refusal.value) == ("整改时限", "2026-03-31")
    assert "before the issue date 2026-04-01" in refusal.reason


def test_an_issue_date_in_the_future_is_refused() -> None:
    assert refused(issued_on=MOMENT.date() + timedelta(days=1)).reason == "in the future"


def test_long_term_rows_are_refused_while_the_application_cannot_record_them() -> None:
    outcome = interpret(row(due_date="长期坚持"), context(long_term=False))
    assert isinstance(outcome, Refusal) and outcome.column == "整改时限" and "long-term" in outcome.reason


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [({"description": None}, "问题描述", "no description of the problem"),
     ({"unit": "天津分公司"}, "责任单位", "no registered unit is called 天津分公司 (nor has that code)"),
     ({"unit": None}, "责任单位", "no responsible unit"),
     ({"due_date": None}, "整改时限", "no due date (write a date, 立行立改 or 长期坚持)"),
     ({"due_date": "2026-02-30"}, "整改时限", "2026-02-30 is not a day of the calendar"),
     ({"status": "基本完成"}, "整改情况", None),
     ({"severity": "很严重"}, "严重程度", "a severity is 一般, 较重 or 重大"),
     ({"source": "外部检查"}, "问题来源", "a source is 巡察 (inspection) or 审计 (audit)"),
     ({"assignee": "张" * 101}, "责任人", "longer than 100 characters (101)")],
)  # fmt: skip
def test_a_bad_row_is_refused_with_its_column_value_and_reason(cells: dict, column: str, reason: str | None) -> None:
    refusal = refused(**cells)
    assert (refusal.sheet, refusal.row, refusal.column) == ("台账", 5, column)
    assert refusal.value == ("" if next(iter(cells.values())) is None else str(next(iter(cells.values()))).strip())
    if reason is not None:
        assert refusal.reason == reason


@given(st.text(max_size=30), st.text(max_size=30), st.one_of(st.none(), st.text(max_size=12), days, st.integers()))
def test_any_row_is_either_a_finding_or_a_refusal(description: str, unit: str, due: Any) -> None:
    outcome = interpret(row(description=description, unit=unit, due_date=due), context())
    assert isinstance(outcome, PlannedFinding | Refusal)
    if isinstance(outcome, PlannedFinding):
        assert outcome.fields["description"] and outcome.fields["title"]
        assert outcome.fields["due_date"] is None or outcome.fields["due_date"] >= outcome.issued_at.date()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_text_ledgers_are_read_in_each_encoding_and_separator_excel_saves(encoding: str, delimiter: str) -> None:
    rows = [
        ["整改台账"],
        ["序号", "问题", "责任单位", "整改时限"],
        ["1", "会议记录不全，缺少签字", "上海分公司", "2026年9月30日"],
    ]
    data = "\r\n".join(delimiter.join(row) for row in rows).encode(encoding)
    (sheet,) = read_sheets(data)
    assert sheet.rows == [["整改台账"], ["序号", "问题", "责任单位", "整改时限"],
                          ["1", "会议记录不全，缺少签字", "上海分公司", "2026年9月30日"]]  # fmt: skip
