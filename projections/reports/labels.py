"""The words, number formats and rate bands of the weekly circular, in Chinese (the default) and English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
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

# The ledger's columns, in order; `rectify import` reads the same headers back.
LEDGER_COLUMNS = ("reference", "source", "unit", "unit_name", "title", "severity", "assignee", "due_date", "status",
                  "days_overdue", "measures")  # fmt: skip

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "reference": "问题编号", "source": "问题来源", "unit": "单位代码", "unit_name": "责任单位", "title": "问题描述",
        "severity": "严重程度", "assignee": "责任人", "due_date": "整改时限", "status": "整改状态",
        "days_overdue": "逾期天数", "measures": "整改措施", "escalations": "督办次数",
        "issued_this_week": "本周下发", "issued_to_date": "累计下发", "closed_this_week": "本周销号",
        "closed_to_date": "累计销号", "withdrawn_to_date": "累计撤回", "rectification_rate": "整改率",
        "open": "在改", "awaiting_review": "待审核", "overdue": "逾期", "rejected_this_week": "本周退回",
        "reopened_this_week": "本周重新打开", "escalated_this_week": "本周督办", "extended_this_week": "本周延期",
        "warned_this_week": "本周预警", "rank": "排名", "parent": "上级单位", "category": "类别",
        "title_doc": "关于整改工作进展情况的通报（第{n}期）", "as_of": "截至{date}", "issue": "第{n}期",
        "period": "统计周期：{start} 至 {end}（{week}）", "known": "数据截至 {as_known_at}", "seal": "校验码",
        "scope": "范围：", "ledger": "整改台账", "summary": "汇总", "total": "合计",
        "overview": "一、总体情况", "progress": "二、各单位进展", "problems": "三、存在问题",
        "requirements": "四、下步要求", "by_source": "分来源情况", "by_severity": "分严重程度情况",
        "overdue_list": "逾期问题清单", "escalated_list": "本周督办问题", "honor": "红榜", "shame": "黑榜",
        "honor_rule": "整改率{rate}及以上", "shame_rule": "整改率低于{rate}", "none": "无",
        "vs_last_week": "较上周", "this_week": "本周", "attachment": "附件", "attachment_note": "附件：整改台账",
        "days": "{n}天", "points": "{n}个百分点",
        "generated": "本通报依据截至{as_known_at}记录的数据生成，数据校验码：{seal}",
    },
    "en": {
        "reference": "Reference", "source": "Source", "unit": "Unit code", "unit_name": "Unit", "title": "Finding",
        "severity": "Severity", "assignee": "Assignee", "due_date": "Due date", "status": "Status",
        "days_overdue": "Days overdue", "measures": "Measures", "escalations": "Escalations",
        "issued_this_week": "Issued this week", "issued_to_date": "Issued to date",
        "closed_this_week": "Closed this week", "closed_to_date": "Closed to date",
        "withdrawn_to_date": "Withdrawn to date", "rectification_rate": "Rectification rate", "open": "Open",
        "awaiting_review": "Awaiting review", "overdue": "Overdue", "rejected_this_week": "Rejected this week",
        "reopened_this_week": "Reopened this week", "escalated_this_week": "Escalated this week",
        "extended_this_week": "Extended this week", "warned_this_week": "Warned this week", "rank": "Rank",
        "parent": "Parent unit", "category": "Category",
        "title_doc": "Circular on the Progress of Rectification (No. {n})", "as_of": "As of {date}",
        "issue": "No. {n}", "period": "Period: {start} to {end} ({week})", "known": "Data as known at {as_known_at}",
        "seal": "Seal", "scope": "Scope: ", "ledger": "Ledger", "summary": "Summary", "total": "Total",
        "overview": "I. Overview", "progress": "II. Progress by Unit", "problems": "III. Problems",
        "requirements": "IV. Next Steps", "by_source": "By source", "by_severity": "By severity",
        "overdue_list": "Overdue findings", "escalated_list": "Escalated this week", "honor": "Honour roll",
        "shame": "Watch list", "honor_rule": "rate of {rate} or more", "shame_rule": "rate below {rate}",
        "none": "None", "vs_last_week": "vs last week", "this_week": "this week", "attachment": "Attachment",
        "attachment_note": "Attachment: Ledger", "days": "{n} days",
        "points": "{n} pts",
        "generated": "Built from the records known at {as_known_at}; seal: {seal}",
    },
}  # fmt: skip

for _lang, _prose in PROSE.items():
    TEXT[_lang].update(_prose)

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
        """The text for `key`, with `values` put into its placeholders."""
        return TEXT[self.lang][key].format(**values)

    def status(self, code: str | None) -> str:
        """A finding status as people read it."""
        return STATUSES[self.lang].get(code or "", code or "")

    def source(self, code: str | None) -> str:
        """A finding source (inspection or audit) as people read it."""
        return SOURCES[self.lang].get(code or "", code or "")

    def severity(self, code: str | None) -> str:
        """A finding severity as people read it."""
        return SEVERITIES[self.lang].get(code or "", code or "")

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

    def numbered(self, n: int, text: str) -> str:
        """A second-level heading: （一）text, or (1) text."""
        return f"（{chinese_numeral(n)}）{text}" if self.lang == "zh" else f"({n}) {text}"

    def ledger_headers(self) -> list[str]:
        """The ledger's header row."""
        return [self(column) for column in LEDGER_COLUMNS]


def xml_text(text: str) -> str:
    """Text without the characters that XML 1.0, and so Word and Excel files, cannot hold."""
    return NOT_XML.sub("", text)


def chinese_numeral(n: int) -> str:
    """一 to 九十九, as headings count."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def threshold(rate: float) -> str:
    """A configured threshold rate as a percentage without needless decimals: 0.9 is 90%."""
    return f"{rate * 100:g}%"


def rate_band(rate: float | None, settings: Mapping[str, Any]) -> str:
    """honor, shame, middle or none: where a rectification rate stands against the circular's thresholds."""
    if rate is None:
        return "none"
    if rate >= settings["honor_rate"]:
        return "honor"
    return "shame" if rate < settings["shame_rate"] else "middle"


def ranked(units: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Units in rank order, those without a rate last."""
    return sorted(units, key=lambda unit: (unit["rank"] is None, unit["rank"] or 0))


def in_band(units: list[Mapping[str, Any]], settings: Mapping[str, Any], band: str) -> list[Mapping[str, Any]]:
    """The ranked units whose rate stands in `band`: honor for the 红榜, shame for the 黑榜."""
    return [unit for unit in ranked(units) if rate_band(unit["figures"]["rectification_rate"], settings) == band]


def trend(current: float | None, previous: float | None) -> str:
    """▲, ▼ or – for a figure against last week's."""
    if current is None or previous is None or current == previous:
        return "–"
    return "▲" if current > previous else "▼"
