"""A ledger row's cells, each read by its column's rule; a cell that breaks it is refused, naming its column."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from domain.values import REFERENCE_PATTERN, Severity, Source, Status
from service.imports.dates import Deadline, NotADate, read_date, read_deadline
from service.imports.reasons import Unreadable
from service.imports.units import UnitNotMatched

if TYPE_CHECKING:
    from service.imports.rows import ImportContext, LedgerRow

# The longest text each field takes, as the HTTP API's schemas allow.
LIMITS = {"batch": 200, "title": 300, "description": 5000, "category": 100, "assignee": 100, "measures": 10000}
STATUS_WORDS: dict[Status, tuple[str, ...]] = {
    Status.CLOSED: (
        "已完成",
        "已整改",
        "已销号",
        "完成",
        "已办结",
        "办结",
        "整改完成",
        "已整改到位",
        "阶段性销号",
        "closedforthisstage",
        "closed",
    ),
    Status.RECTIFIED: ("待审核", "待验收", "已提交", "awaitingreview"),
    Status.ASSIGNED: ("正在整改", "整改中", "推进中", "持续整改", "部分完成", "inprogress"),
    Status.ISSUED: ("未整改", "未开始", "已下发", "待整改", "issued"),
    Status.WITHDRAWN: ("已撤回", "撤回", "已撤销", "withdrawn"),
}
STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}
SOURCE_WORDS = {"巡察": Source.INSPECTION, "巡视": Source.INSPECTION, "审计": Source.AUDIT}
SEVERITY_WORDS = {"一般": Severity.GENERAL, "较重": Severity.SERIOUS, "严重": Severity.SERIOUS,
                  "重大": Severity.MAJOR, **{s.value: s for s in Severity}}  # fmt: skip
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Refused(Unreadable):
    """A cell that cannot be read: the field whose column is at fault, and why (in English and in Chinese)."""

    def __init__(self, field: str, reason: str, reason_zh: str):
        super().__init__(reason, reason_zh)
        self.field = field

    @classmethod
    def because(cls, field: str, error: Unreadable) -> Refused:
        return cls(field, error.reason, error.reason_zh)


@dataclass
class Reading:
    """One row being read: its cells, and helpers that refuse with the right column."""

    row: LedgerRow
    context: ImportContext

    def text(self, name: str) -> str:
        """A cell as trimmed text ('' when blank); whole numbers without '.0', control characters dropped."""
        value = self.row.cells.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date):
            value = value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
        return CONTROLS.sub("", str(value)).strip()

    def limited(self, name: str, text: str) -> str:
        if len(text) > LIMITS[name]:
            raise Refused(
                name,
                f"longer than {LIMITS[name]} characters ({len(text)})",
                f"超过 {LIMITS[name]} 字（{len(text)} 字）",
            )
        return text


def unit_of(reading: Reading) -> str:
    name = "unit_code" if reading.text("unit_code") else "unit"
    if not reading.text(name):
        raise Refused("unit", "no responsible unit", "未写责任单位")
    try:
        return reading.context.units.match(reading.text(name))
    except UnitNotMatched as error:
        raise Refused.because(name, error) from None


def reference_of(reading: Reading, batch: str, unit: str, description: str) -> str:
    """The ledger's 问题编号, or a hash of batch, unit and description, so that the same row always has the same."""
    given = unicodedata.normalize("NFKC", reading.text("reference"))
    if given:
        if not REFERENCE_PATTERN.match(given):
            raise Refused(
                "reference",
                "a reference has letters, digits and . _ / - only, up to 64 characters",
                "问题编号只能含字母、数字和 . _ / -，最长 64 个字符",
            )
        return given
    digest = hashlib.sha256(f"{batch}\n{unit}\n{' '.join(description.split())}".encode()).hexdigest()
    return f"TZ-{digest[:16].upper()}"


def timing(reading: Reading) -> tuple[datetime, date | None, bool]:
    """When the finding was issued, its due date, and whether it is long-term."""
    context = reading.context
    if not reading.text("due_date"):
        raise Refused(
            "due_date", "no due date (write a date, 立行立改 or 长期坚持)", "未写整改时限（写日期、立行立改或长期坚持）"
        )
    try:
        deadline = read_deadline(reading.row.cells["due_date"])
    except NotADate as error:
        raise Refused.because("due_date", error) from None
    issued_at = issue_moment(reading) if reading.text("issued_on") else default_issue_moment(context, deadline)
    issued_on = issued_at.astimezone(context.zone).date()
    try:
        due_date = deadline.due_on(issued_on)
    except NotADate as error:
        raise Refused.because("due_date", error) from None
    if due_date is not None and due_date < issued_on:
        raise Refused(
            "due_date",
            f"due {due_date} is before the issue date {issued_on}",
            f"整改时限 {due_date} 早于下发日期 {issued_on}",
        )
    if deadline.long_term and not context.long_term:
        raise Refused(
            "due_date",
            "long-term items (长期坚持) cannot be recorded by this version of the service yet",
            "本版本尚不能记录长期坚持的问题",
        )
    return issued_at, due_date, deadline.long_term


def default_issue_moment(context: ImportContext, deadline: Deadline) -> datetime:
    """Without an issue date: the import's moment, or the due date's first moment when it has passed already."""
    today = context.moment.astimezone(context.zone).date()
    due = deadline.due_on(today)
    if due is not None and due < today:
        return datetime.combine(due, time(), context.zone)
    return context.moment


def issue_moment(reading: Reading) -> datetime:
    """The 发现时间/下发时间: a day (at 00:00 where the office is) or a moment; never after the import."""
    context, value = reading.context, reading.row.cells["issued_on"]
    try:
        day = read_date(value)
    except NotADate as error:
        raise Refused.because("issued_on", error) from None
    at = value.time() if isinstance(value, datetime) else time()
    moment = datetime.combine(day, at, context.zone)
    if moment > context.moment:
        raise Refused("issued_on", "in the future", "日期晚于导入的时刻")
    return moment


def status_of(reading: Reading) -> Status:
    word = re.sub(r"\s+", "", reading.text("status")).lower()
    if not word:
        return Status.ISSUED
    if word in STATUS_BY_WORD:
        return STATUS_BY_WORD[word]
    known = "、".join(w for words in STATUS_WORDS.values() for w in words if w.isascii() is False)
    raise Refused(
        "status", f"not a status this import knows (one of {known})", f"不是可导入的整改状态（可写：{known}）"
    )


def source_of(reading: Reading) -> Source:
    text = reading.text("source")
    if not text:
        if reading.context.source is None:
            raise Refused(
                "source",
                "no source: give --source inspection|audit or a 问题来源 column",
                "未写问题来源：导入时选择巡察或审计，或加“问题来源”列",
            )
        return reading.context.source
    for word, source in SOURCE_WORDS.items():
        if word in text:
            return source
    if text.lower() in set(Source):
        return Source(text.lower())
    raise Refused("source", "a source is 巡察 (inspection) or 审计 (audit)", "问题来源应为巡察或审计")


def severity_of(reading: Reading) -> Severity:
    text = reading.text("severity").lower()
    if not text:
        return Severity.GENERAL
    if text.removesuffix("问题") in SEVERITY_WORDS:
        return SEVERITY_WORDS[text.removesuffix("问题")]
    raise Refused("severity", "a severity is 一般, 较重 or 重大", "问题等级应为一般、较重或重大")


def category_of(reading: Reading) -> str:
    category = reading.limited("category", reading.text("category"))
    if category and reading.context.categories and category not in reading.context.categories:
        raise Refused(
            "category",
            f"not one of the categories: {', '.join(reading.context.categories)}",
            f"不是规定的问题类别：{'、'.join(reading.context.categories)}",
        )
    return category
