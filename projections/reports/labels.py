"""The words of the weekly circular in Chinese (the default) and English: labels, dates, moments and counts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from projections.reports.prose import PROSE

LANGS = ("zh", "en")

STATUSES = {
    "zh": {"issued": "已下发", "assigned": "整改中", "rectified": "待审核", "closed": "已销号", "withdrawn": "已撤回"},
    "en": {"issued": "Issued", "assigned": "In progress", "rectified": "Awaiting review", "closed": "Closed",
           "withdrawn": "Withdrawn"},
}  # fmt: skip
SOURCES = {"zh": {"inspection": "巡察", "audit": "审计"}, "en": {"inspection": "Inspection", "audit": "Audit"}}
SEVERITIES = {
    "zh": {"general": "一般", "serious": "较重", "major": "重大"},
    "en": {"general": "General", "serious": "Serious", "major": "Major"},
}
WARNINGS = {
    "zh": {"red": "红色", "yellow": "黄色", "green": "绿色"},
    "en": {"red": "Red", "yellow": "Yellow", "green": "Green"},
}
COLOURS = ("red", "yellow", "green")  # as a document names them: the most urgent first

# The ledger's columns, in order; `rectify import` reads the same headers back (序号 is not taken for a reference).
LEDGER_COLUMNS = ("number", "reference", "source", "unit", "unit_name", "title", "severity", "assignee", "due_date",
                  "status", "days_overdue", "warning", "measures", "evidence")  # fmt: skip

LABEL_TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "number": "序号", "reference": "问题编号", "source": "问题来源", "unit": "单位代码", "unit_name": "责任单位",
        "title": "问题描述", "severity": "严重程度", "assignee": "责任人", "due_date": "整改时限",
        "status": "整改状态", "days_overdue": "逾期天数", "warning": "预警", "measures": "整改措施",
        "evidence": "佐证材料", "evidence_line": "佐证材料：{names}",
        "escalations": "督办次数", "issued_this_week": "本周下发", "issued_to_date": "累计下发",
        "closed_this_week": "本周销号", "closed_to_date": "累计销号", "withdrawn_to_date": "累计撤回",
        "rectification_rate": "整改率", "open": "在改", "awaiting_review": "待审核", "overdue": "逾期",
        "rejected_this_week": "本周退回", "reopened_this_week": "重新交办", "escalated_this_week": "本周督办",
        "extended_this_week": "本周延期", "warned_this_week": "本周预警", "warnings": "预警",
        "rank": "排名", "unit_short": "单位", "unit_full": "单位名称", "category": "类别", "board": "红黑榜",
        "title_doc": "关于{scope}整改工作进展情况的通报（第{n}期）", "title_scope": "{name}",
        "whole_system": "全系统", "own_row": "{name}本级", "total": "合计", "summary": "汇总",
        "document_number": "{prefix}〔{year}〕{n}号{suffix}", "recipients": "{names}：",
        "default_prefix": "整改办", "default_recipients": "各单位", "default_masthead": "{office}文件",
        "overview": "一、总体情况", "progress": "二、各单位进展", "problems": "三、存在问题",
        "requirements": "四、下步要求", "by_source": "分来源情况", "by_severity": "分严重程度情况",
        "overdue_list": "逾期问题清单", "escalated_list": "本周督办问题", "honor": "红榜", "shame": "黑榜",
        "honor_rule": "整改率{rate}及以上", "shame_rule": "整改率低于{rate}", "none": "无",
        "vs_last_week": "较上周", "flat": "持平", "attachment": "附件", "attachment_note": "附件：{name}",
        "ledger_open": "未销号及长期坚持问题清单", "ledger_all": "整改台账", "summary_title": "各单位整改进展汇总",
        "sheet_title": "{scope}{name}　截至{end}（数据截至{known}）", "sheet_scope": "{name}",
        "period": "统计周期：{period}", "points": "{n}个百分点", "page_footer": "第 &P 页，共 &N 页",
        "generated": "本通报依据截至{moment}记录的数据生成，数据校验码：{seal}", "known": "数据截至{moment}",
        "seal_note": "数据校验码：{seal}",
        "warn_short": {"red": "红", "yellow": "黄", "green": "绿"}, "warning_column": "{colour}预警",
        "long_term_open": "长期坚持", "long_term_closed_this_week": "本周阶段性销号", "long_term": "长期坚持",
        "long_term_due": "长期坚持（首期 {due}）", "staged": "阶段性销号", "long_term_heading": "长期坚持问题",
    },
    "en": {
        "number": "No.", "reference": "Reference", "source": "Source", "unit": "Unit code", "unit_name": "Unit",
        "title": "Finding", "severity": "Severity", "assignee": "Assignee", "due_date": "Due date",
        "status": "Status", "days_overdue": "Days overdue", "warning": "Warning", "measures": "Measures",
        "evidence": "Evidence files", "evidence_line": "Evidence: {names}",
        "escalations": "Escalations", "issued_this_week": "Issued this week", "issued_to_date": "Issued to date",
        "closed_this_week": "Closed this week", "closed_to_date": "Closed to date",
        "withdrawn_to_date": "Withdrawn to date", "rectification_rate": "Rectification rate", "open": "Open",
        "awaiting_review": "Awaiting review", "overdue": "Overdue", "rejected_this_week": "Rejected this week",
        "reopened_this_week": "Reopened", "escalated_this_week": "Escalated this week",
        "extended_this_week": "Extended this week", "warned_this_week": "Warned this week", "warnings": "Warnings",
        "rank": "Rank", "unit_short": "Unit", "unit_full": "Unit name", "category": "Category", "board": "List",
        "title_doc": "Circular on Rectification Progress{scope} (No. {n})", "title_scope": " at {name}",
        "whole_system": "the whole system", "own_row": "{name} (own)", "total": "Total", "summary": "Summary",
        "document_number": "{prefix} [{year}] No. {n}{suffix}", "recipients": "To: {names}",
        "default_prefix": "Rectification Office", "default_recipients": "All units",
        "default_masthead": "Rectification Office", "default_office": "Rectification Office",
        "default_closing": "Every unit is to rectify each finding on the list by its deadline.",
        "overview": "I. Overview", "progress": "II. Progress by Unit", "problems": "III. Problems",
        "requirements": "IV. Next Steps", "by_source": "By source", "by_severity": "By severity",
        "overdue_list": "Overdue findings", "escalated_list": "Escalated this week", "honor": "Honour roll",
        "shame": "Watch list", "honor_rule": "rate of {rate} or more", "shame_rule": "rate below {rate}",
        "none": "None", "vs_last_week": "vs last week", "flat": "no change", "attachment": "Attachment",
        "attachment_note": "Attachment: {name}", "ledger_open": "Open and long-term findings",
        "ledger_all": "Ledger of findings",
        "summary_title": "Progress by unit", "sheet_title": "{scope}{name}, as of {end} (data as known at {known})",
        "sheet_scope": "{name}: ", "period": "Period: {period}", "points": "{n} pts",
        "page_footer": "Page &P of &N",
        "generated": "Built from the records known at {moment}; seal: {seal}", "known": "Data as known at {moment}",
        "seal_note": "Seal: {seal}",
        "warn_short": {"red": "Red", "yellow": "Yellow", "green": "Green"}, "warning_column": "{colour} warnings",
        "long_term_open": "Long term", "long_term_closed_this_week": "Closed for a stage this week",
        "long_term": "Long-term", "long_term_due": "Long-term (first stage {due})", "staged": "Closed for this stage",
        "long_term_heading": "Long-term items",
    },
}  # fmt: skip

# The labels and the clauses of the prose, looked up alike; a test checks that no clause takes a label's key.
TEXT: dict[str, dict[str, Any]] = {lang: LABEL_TEXT[lang] | PROSE[lang] for lang in LANGS}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip
DIGITS = "零一二三四五六七八九"
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class UnsupportedLanguage(ValueError):
    """The circular has no labels in the language asked for."""


@dataclass(frozen=True)
class Labels:
    """The circular's words in one language."""

    lang: str

    @classmethod
    def of(cls, lang: str) -> Labels:
        """The labels for `lang`, which must be one of LANGS."""
        if lang not in LANGS:
            raise UnsupportedLanguage(f"no labels for language {lang!r}; use one of {', '.join(LANGS)}")
        return cls(lang)

    def __call__(self, key: str, **values: Any) -> str:
        """The text for `key` with `values` put in; a (singular, plural) pair is chosen by the count `n`."""
        text = TEXT[self.lang][key]
        if isinstance(text, tuple):
            text = text[0] if values.get("n") == 1 else text[1]
        return str(text).format(**values)

    def words(self, key: str) -> dict[str, str]:
        """A table of words, such as the short names of the warning colours."""
        return dict(TEXT[self.lang][key])

    def status(self, code: str | None) -> str:
        """A finding status as people read it."""
        return STATUSES[self.lang].get(code or "", code or "")

    def ledger_status(self, code: str | None, term: str | None) -> str:
        """A ledger row's status: a long-term item accepted by its reviewer is 阶段性销号, as it goes on."""
        return self("staged") if term == "long" and code == "closed" else self.status(code)

    def time_limit(self, due_date: str | None, term: str | None) -> str:
        """A ledger row's 整改时限 in words: 长期坚持, or 长期坚持（首期 2026-12-31）; a fixed term's date as it is."""
        if term != "long":
            return due_date or ""
        return self("long_term_due", due=due_date) if due_date else self("long_term")

    def source(self, code: str | None) -> str:
        """A finding source (inspection or audit) as people read it."""
        return SOURCES[self.lang].get(code or "", code or "")

    def severity(self, code: str | None) -> str:
        """A finding severity as people read it."""
        return SEVERITIES[self.lang].get(code or "", code or "")

    def warning(self, colour: str | None) -> str:
        """A warning's colour as people read it; nothing when there is no warning."""
        return WARNINGS[self.lang].get(colour or "", colour or "")

    def month_day(self, iso_date: str) -> str:
        """11月22日, or 22 November."""
        day = date.fromisoformat(iso_date[:10])
        return f"{day.month}月{day.day}日" if self.lang == "zh" else f"{day.day} {MONTHS_EN[day.month - 1]}"

    def full_date(self, iso_date: str) -> str:
        """2026年11月23日, or 23 November 2026."""
        day = date.fromisoformat(iso_date[:10])
        return (
            f"{day.year}年{self.month_day(iso_date)}" if self.lang == "zh" else f"{self.month_day(iso_date)} {day.year}"
        )

    def moment(self, iso_moment: str, zone_of: str) -> str:
        """2026年11月23日09:00, or 23 November 2026, 09:00: in the zone of `zone_of` (the week's cut-off)."""
        when = datetime.fromisoformat(iso_moment).astimezone(datetime.fromisoformat(zone_of).tzinfo)
        clock = f"{when.hour:02d}:{when.minute:02d}"
        day = self.full_date(when.date().isoformat())
        return f"{day}{clock}" if self.lang == "zh" else f"{day}, {clock}"

    def period(self, start: str, end: str) -> str:
        """2026年11月16日至11月22日, or 16 to 22 November 2026."""
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if self.lang == "zh":
            tail = self.month_day(end) if first.year == last.year else self.full_date(end)
            return f"{self.full_date(start)}至{tail}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day} to {self.full_date(end)}"
        return f"{self.month_day(start) if first.year == last.year else self.full_date(start)} to {self.full_date(end)}"

    def numbered(self, n: int, text: str) -> str:
        """A second-level heading: （一）text, or (1) text."""
        return f"（{chinese_numeral(n)}）{text}" if self.lang == "zh" else f"({n}) {text}"

    def ledger_headers(self) -> list[str]:
        """The ledger's header row."""
        return [self(column) for column in LEDGER_COLUMNS]


def as_of(circular: Mapping[str, Any]) -> str:
    """The day the figures stand at (截至): the week's last, or the day known at if the week had not ended then;
    a circular from a build that did not say is read as of its week's last day."""
    return str(circular.get("as_of") or circular["end"])


def seal_token(circular: Mapping[str, Any]) -> str | None:
    """The seal of the log a circular was built from, as printed: `12345:9f86d0…` (position, then the seal).

    `rectify verify --checkpoint` and `GET /audit/verify?position=&seal=` take it back.
    """
    seal = circular.get("seal")
    return f"{seal['position']}:{seal['seal']}" if seal else None


def xml_text(text: str) -> str:
    """Text without the characters that XML 1.0, and so Word and Excel files, cannot hold."""
    return NOT_XML.sub("", text)


def chinese_numeral(n: int) -> str:
    """一 to 九十九, as headings count."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
