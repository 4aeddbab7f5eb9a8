"""Realistic weekly circulars, as the projections hand them to the renderers.

The sample is the whole system of a group (集团公司, code HQ) in week 47 of 2026:
six branches directly below it (the peers, ranked), the group's own findings (its 本级
row), and three units further down (level "below"). Its figures hold together the
way the projection's do: peers and the own row add up to the totals, so do the
sources and the severities; last week's state is this week's less the week's events;
the ledger lists every finding open at the cut-off, with the warnings in force.
`unit_edition()` is the same week for 北京分公司's subtree, `quiet_week()` a week in
which nothing happened.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import cycle
from typing import Any

import docx
import openpyxl
import pytest
from docx.document import Document
from openpyxl import Workbook

from projections.reports import render

COUNTS = ("issued_this_week", "issued_to_date", "closed_this_week", "closed_to_date", "withdrawn_to_date", "open",
          "awaiting_review", "overdue", "rejected_this_week", "reopened_this_week", "escalated_this_week",
          "extended_this_week", "warned_this_week", "long_term_open", "long_term_closed_this_week")  # fmt: skip
COLOURS = ("green", "yellow", "red")
WEEK = ("issued", "closed", "rejected", "reopened", "escalated", "extended", "warned")
NO_EVENTS = (0, 0, 0, 0, 0, 0, 0)

# code, name, parent, level; then a spec: the state at the cut-off (issued, closed, withdrawn, awaiting review,
# overdue), the week's events in WEEK order, the warnings in force (green, yellow, red), and last week's awaiting
# review, overdue and events. Figures are rolled up the tree, except HQ's, which are the group's own findings.
UNITS = (
    ("XA", "西安分公司", "HQ", "peer", (30, 27, 1, 1, 0), (0, 5, 0, 0, 0, 0, 0), (1, 0, 0),
     (1, 0, (1, 4, 0, 0, 0, 0, 0))),
    ("GZ", "广州分公司", "HQ", "peer", (20, 18, 0, 1, 0), (1, 3, 0, 0, 0, 1, 1), (0, 1, 0),
     (0, 1, (0, 2, 0, 0, 1, 0, 1))),
    ("SH", "上海分公司", "HQ", "peer", (41, 29, 1, 3, 1), (2, 7, 0, 1, 0, 0, 1), (0, 1, 0),
     (2, 1, (2, 5, 1, 0, 0, 1, 1))),
    ("BJ", "北京分公司", "HQ", "peer", (47, 21, 1, 4, 2), (3, 6, 1, 1, 1, 1, 3), (1, 2, 1),
     (3, 2, (2, 3, 0, 0, 1, 0, 2))),
    ("CD", "成都分公司", "HQ", "peer", (16, 1, 0, 2, 2), (2, 1, 1, 0, 2, 0, 2), (0, 1, 2),
     (1, 1, (1, 0, 0, 0, 1, 0, 1))),
    ("KM", "昆明分公司", "HQ", "peer", (0, 0, 0, 0, 0), NO_EVENTS, (0, 0, 0), (0, 0, NO_EVENTS)),
    ("HQ", "集团公司", None, "own", (6, 4, 0, 0, 0), (1, 2, 0, 0, 0, 0, 0), (0, 0, 0),
     (1, 0, (0, 1, 0, 0, 0, 0, 0))),
    ("BJ-01", "北京分公司第一项目部", "BJ", "below", (20, 9, 0, 2, 1), (1, 3, 1, 0, 1, 0, 2), (1, 1, 1),
     (1, 1, (1, 1, 0, 0, 1, 0, 1))),
    ("BJ-02", "北京分公司第二项目部", "BJ", "below", (18, 8, 1, 1, 0), (1, 2, 0, 1, 0, 1, 1), (0, 1, 0),
     (1, 0, (1, 1, 0, 0, 0, 0, 1))),
    ("BJ-02-1", "第二项目部物资设备科", "BJ-02", "below", (5, 2, 0, 0, 0), (0, 1, 0, 0, 0, 0, 0), (0, 0, 0),
     (0, 0, NO_EVENTS)),
)  # fmt: skip
# Long-term items (长期坚持), rolled up like the rest: open at the cut-off, and closed in stages (阶段性销号) this week.
LONG_TERM = {"BJ": (2, 1), "BJ-01": (1, 1), "BJ-02": (1, 0), "SH": (1, 0), "XA": (0, 1), "HQ": (1, 0)}
# The long-term items the ledger lists: open ones and those closed in stages, which go on (same columns as NAMED).
LONG_TERM_NAMED = (
    ("XC-2026-0015", "inspection", "BJ-01", "落实中央八项规定精神长效机制不健全", "general", "张伟", "2026-12-31",
     "assigned", 0, "已制定实施细则，持续开展监督检查", None),
    ("XC-2026-0016", "inspection", "BJ-01", "廉洁风险防控体系有待完善", "serious", "李娜", None, "closed", 0,
     "首期排查廉洁风险点46个，制定防控措施", None),
    ("XC-2026-0066", "inspection", "BJ-02", "作风建设常态化长效化机制有待健全", "general", "马丽", "2027-03-31",
     "assigned", 0, None, None),
    ("SJ-2026-0020", "audit", "SH", "内部审计发现问题整改长效机制未建立", "general", "刘洋", None, "assigned", 0,
     None, None),
    ("XC-2026-0071", "inspection", "XA", "基层党组织标准化规范化建设需持续推进", "general", "周敏", None, "closed", 0,
     "首期达标验收完成", None),
    ("XC-2026-0009", "inspection", "HQ", "意识形态工作责任制落实需长期坚持", "general", "赵敏", None, "assigned", 0,
     "建立季度分析研判制度", None),
)  # fmt: skip
# How a scope's totals split by source and severity; the last of each takes what the others leave.
SPLITS = {
    None: {
        "by_source": {"inspection": ((98, 64, 2, 7, 2), (6, 15, 1, 1, 1, 1, 4), (1, 3, 1),
                                     (8, 2, (4, 10, 1, 0, 2, 1, 3))), "audit": None},
        "by_severity": {"general": ((90, 64, 2, 6, 1), (5, 14, 1, 1, 0, 1, 3), (1, 3, 0),
                                    (6, 1, (3, 9, 0, 0, 1, 0, 2))),
                        "serious": ((52, 30, 1, 4, 2), (3, 8, 1, 1, 1, 1, 2), (1, 2, 1),
                                    (2, 2, (2, 5, 1, 0, 1, 1, 2))),
                        "major": None},
    },
    "BJ": {
        "by_source": {"inspection": ((30, 14, 1, 3, 1), (2, 4, 1, 1, 1, 0, 2), (1, 1, 1),
                                     (2, 1, (1, 2, 0, 0, 1, 0, 1))), "audit": None},
        "by_severity": {"general": ((25, 13, 1, 2, 1), (2, 4, 0, 1, 0, 1, 1), (1, 1, 0), (1, 1, (1, 2, 0, 0, 0, 0, 1))),
                        "serious": ((16, 6, 0, 2, 1), (1, 2, 1, 0, 1, 0, 2), (0, 1, 1), (1, 1, (1, 1, 0, 0, 1, 0, 1))),
                        "major": None},
    },
}  # fmt: skip

# The findings open at the cut-off that the lists name; the other open findings are filled in from FILLER.
# reference, source, unit, title, severity, assignee, due date, status, days overdue, measures, warning
NAMED = (
    ("SJ-2026-0007", "audit", "CD", "工程项目结算审核把关不严，多计工程款约38万元", "major", "王强", "2026-11-06",
     "assigned", 16, "已启动追回程序，追回款项12万元", "red"),
    ("XC-2026-0042", "inspection", "BJ-01", "公务用车使用登记不规范，存在私车公养问题", "serious", "张伟",
     "2026-11-10", "assigned", 12, None, "red"),
    ("XC-2026-0051", "inspection", "CD", "物资采购未按规定履行比选程序", "serious", None, "2026-11-18", "issued", 4,
     None, "red"),
    ("XC-2026-0038", "inspection", "BJ", "党委会议事规则未及时修订", "general", "赵敏", "2026-11-20", "assigned", 2,
     "已起草修订稿，待党委会审议", None),
    ("SJ-2026-0011", "audit", "SH", "差旅费报销超标准、附件不齐全", "general", "刘洋", "2026-11-21", "assigned", 1,
     "已责令退回超标准部分", None),
    ("SJ-2026-0012", "audit", "GZ", "固定资产账实不符，盘亏未及时处理", "serious", "陈静", "2026-11-30",
     "rectified", 0, "完成全面盘点，盘亏资产已按程序核销", "yellow"),
    ("XC-2026-0063", "inspection", "BJ-02", "“三重一大”事项集体决策记录不完整", "general", "李娜", "2026-12-01",
     "assigned", 0, "补齐会议纪要，修订议事规则", "yellow"),
    ("XC-2026-0070", "inspection", "XA", "基层党支部“三会一课”落实不到位", "general", "周敏", "2026-12-10",
     "assigned", 0, "制定年度学习计划，建立台账", "green"),
)  # fmt: skip
FILLER = (  # title, severity, measures
    ("财务报销审批流程执行不严格", "general", "修订报销管理办法，开展专项培训"),
    ("办公用房超标准配置", "serious", "已腾退超标面积120平方米"),
    ("招投标资料归档不完整", "general", None),
    ("安全生产责任制落实不到位", "serious", "层层签订安全生产责任书"),
    ("公务接待清单填写不规范", "general", "规范接待审批单和清单"),
    ("专项资金未按规定用途使用", "major", "已将资金调回原渠道"),
    ("干部选拔任用程序不规范", "serious", None),
    ("合同签订滞后于业务发生", "general", "建立合同会签提醒机制"),
    ("工程变更签证审批不及时", "general", "明确变更签证审批时限"),
    ("物资出入库手续不健全", "general", None),
    ("信息系统账号权限管理混乱", "serious", "清理离职人员账号37个"),
    ("应收账款清收不力", "general", "成立清收专班，逐户落实责任人"),
    ("劳务派遣用工管理不规范", "general", None),
)
PEOPLE = ("马丽", "黄磊", "吴静", "郑涛", "冯雪", "何军", None, "高峰", "林娟")
SETTINGS = {
    "honor_rate": 0.9, "shame_rate": 0.6, "issuing_office": "整改工作领导小组办公室",
    "closing": "各单位要切实扛起整改主体责任，对照问题清单、任务清单、责任清单逐项推进，确保按期高质量完成整改任务。"
               "对逾期未完成整改的问题，要逐一分析原因，明确完成时限，坚决防止敷衍整改、虚假整改。\n"
               "领导小组办公室将持续跟踪督办，对整改不力的单位进行通报约谈。",
    "issued_on": "2026-11-23", "document_prefix": "整改办", "recipients": "各单位",
    "masthead": "整改工作领导小组办公室文件", "issuing_office_en": "Rectification Leading Group Office",
    "closing_en": "Every unit is to take charge of its own rectification and work through the lists of findings, "
                  "tasks and responsibilities item by item, so that every finding is rectified on time and well.\n"
                  "The office will keep following up and will call in units whose rectification falls behind.",
    "document_prefix_en": "Rectification Office", "recipients_en": "All units",
    "masthead_en": "Rectification Leading Group Office",
}  # fmt: skip
SEAL = {"position": 4817, "seal": "9f2c4e1ab07d3c5e8f61a2b4c9d0e7f3a5b6c8d9e0f1a2b3c4d5e6f708192a3b"}


def figures(state: tuple[int, ...], week: tuple[int, ...], warnings: tuple[int, ...]) -> dict[str, Any]:
    """A FIGURES dict from the state at the cut-off, the week's events and the warnings in force."""
    issued, closed, withdrawn, awaiting, overdue = state
    events = dict(zip(WEEK, week, strict=True))
    counted = issued - withdrawn
    return {
        "issued_this_week": events["issued"], "issued_to_date": issued, "closed_this_week": events["closed"],
        "closed_to_date": closed, "withdrawn_to_date": withdrawn,
        "rectification_rate": closed / counted if counted > 0 else None,
        "open": issued - closed - withdrawn, "awaiting_review": awaiting, "overdue": overdue,
        "rejected_this_week": events["rejected"], "reopened_this_week": events["reopened"],
        "escalated_this_week": events["escalated"], "extended_this_week": events["extended"],
        "warned_this_week": events["warned"], "warnings": dict(zip(COLOURS, warnings, strict=True)),
        "long_term_open": 0, "long_term_closed_this_week": 0,
    }  # fmt: skip


def both_weeks(spec: tuple[Any, ...], quiet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """This week's and last week's figures from a spec: last week had fewer issued, the week's closures still open.

    A quiet week has no events and no warnings, and nothing is overdue in it or the week before.
    """
    state, week, warnings, (awaiting_then, overdue_then, week_then) = spec
    if quiet:
        state, week, warnings, awaiting_then, overdue_then = (*state[:4], 0), NO_EVENTS, (0, 0, 0), state[3], 0
    issued, closed, withdrawn = state[:3]
    events = dict(zip(WEEK, week, strict=True))
    then = (issued - events["issued"], closed - events["closed"] + events["reopened"], withdrawn, awaiting_then,
            overdue_then)  # fmt: skip
    return figures(state, week, warnings), figures(then, week_then, warnings)


def combined(parts: list[dict[str, Any]], sign: int = 1, start: dict[str, Any] | None = None) -> dict[str, Any]:
    """FIGURES added up (sign 1) or taken from `start` (sign -1), the rate worked out again."""
    base = start or {key: 0 for key in COUNTS} | {"warnings": dict.fromkeys(COLOURS, 0)}
    counts = {key: base[key] + sign * sum(part[key] for part in parts) for key in COUNTS}
    colours = {c: base["warnings"][c] + sign * sum(part["warnings"][c] for part in parts) for c in COLOURS}
    counted = counts["issued_to_date"] - counts["withdrawn_to_date"]
    rate = counts["closed_to_date"] / counted if counted > 0 else None
    return {**counts, "rectification_rate": rate, "warnings": colours}


ROWS = {row[0]: row for row in UNITS}


def rolled(code: str, quiet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit's figures, this week and last, as the table gives them; last week the week's staged ones were open."""
    now, then = both_weeks(ROWS[code][4:], quiet)
    going, staged = LONG_TERM.get(code, (0, 0))
    staged = 0 if quiet else staged
    return now | {"long_term_open": going, "long_term_closed_this_week": staged}, then | {
        "long_term_open": going + staged
    }


def children(code: str) -> list[str]:
    """The units directly below `code` (HQ's own row stands for the group's own findings, not a child)."""
    return [row[0] for row in UNITS if row[2] == code]


def own(code: str, quiet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit's own findings: its figures less those of the units directly below it."""
    if code == "HQ":
        return rolled(code, quiet)
    now, then = rolled(code, quiet)
    below = [rolled(child, quiet) for child in children(code)]
    return combined([b[0] for b in below], -1, now), combined([b[1] for b in below], -1, then)


def subtree(code: str) -> list[str]:
    """`code` and every unit below it, parents first."""
    return [code, *(unit for child in children(code) for unit in subtree(child))]


def build(scope: str | None, quiet: bool = False) -> dict[str, Any]:
    """The circular of week 47 for the whole system (scope None) or one peer's subtree."""
    root = scope or "HQ"
    members = subtree("HQ") if scope is None else subtree(scope)
    peers = [code for code in members if ROWS[code][2] == root]
    own_now, own_then = own(root, quiet)
    totals = combined([rolled(c, quiet)[0] for c in peers] + [own_now])
    previous = combined([rolled(c, quiet)[1] for c in peers] + [own_then])
    units = unit_entries(members, peers, root, (own_now, own_then), quiet)
    number = "整改办〔2026〕12号" + (f"-{scope}" if scope else "")
    return {
        "week": "2026-W47", "issue_number": 12, "document_number": number,
        "start": "2026-11-16", "end": "2026-11-22", "as_of": "2026-11-22", "cutoff": "2026-11-23T00:00:00+08:00",
        "as_known_at": "2026-11-23T09:00:00+08:00",
        "scope": {"unit": scope, "name": ROWS[scope][1] if scope else None},
        "totals": totals, "previous": previous, "units": units,
        "honour_roll": [u["unit"] for u in units if u["level"] == "peer" and rated(u, 0.9, 2)],
        "watch_list": [u["unit"] for u in units if u["level"] == "peer" and rated(u, -1, 0.6)],
        "by_source": split(SPLITS[scope]["by_source"], totals, quiet),
        "by_severity": split(SPLITS[scope]["by_severity"], totals, quiet),
        **lists(members, quiet),
        "settings": dict(SETTINGS), "seal": SEAL,
    }  # fmt: skip


def rated(unit: dict[str, Any], low: float, high: float) -> bool:
    """Whether a unit's rate is at least `low` and below `high`."""
    rate = unit["figures"]["rectification_rate"]
    return rate is not None and low <= rate < high


def unit_entries(
    members: list[str], peers: list[str], root: str, own_figures: tuple[Any, Any], quiet: bool
) -> list[dict[str, Any]]:
    """Peers ranked by rate (those without one unranked), the root's own row, then the units further down."""
    entries = []
    for code in members:
        level = "own" if code == root else "peer" if code in peers else "below"
        now, then = own_figures if level == "own" else rolled(code, quiet)
        entries.append({"unit": code, "name": ROWS[code][1], "parent": None if level == "own" else ROWS[code][2],
                        "level": level, "rank": None, "figures": now, "previous": then})  # fmt: skip
    ranked = sorted((e for e in entries if e["level"] == "peer" and e["figures"]["rectification_rate"] is not None),
                    key=lambda e: -e["figures"]["rectification_rate"])  # fmt: skip
    for rank, entry in enumerate(ranked, start=1):
        entry["rank"] = rank
    order = {"peer": 0, "own": 1, "below": 2}
    return sorted(entries, key=lambda e: (order[e["level"]], e["rank"] is None, e["rank"] or 0))


def split(shares: dict[str, Any], totals: dict[str, Any], quiet: bool) -> dict[str, Any]:
    """A scope's figures by source or severity; the last name takes what the others leave of the totals."""
    named = {name: both_weeks(spec, quiet)[0] for name, spec in shares.items() if spec is not None}
    rest = combined(list(named.values()), -1, totals)
    return {name: named.get(name, rest) for name in shares}


def lists(members: list[str], quiet: bool) -> dict[str, Any]:
    """The overdue and escalated lists and the ledger of open findings, of the units in scope."""
    names = {row[0]: row[1] for row in UNITS}
    keys = ("reference", "source", "unit", "title", "severity", "assignee", "due_date", "status", "days_overdue",
            "measures", "warning")  # fmt: skip
    ledger = [dict(zip(keys, row, strict=True)) | {"term": "fixed"} for row in NAMED if row[2] in members]
    ledger += [dict(zip(keys, row, strict=True)) | {"term": "long"} for row in LONG_TERM_NAMED if row[2] in members]
    for code in members:
        ledger += filler(code, [e for e in ledger if e["unit"] == code], quiet)
    if quiet:
        ledger = [e | {"days_overdue": 0, "warning": None} | later(e) for e in ledger]
    overdue = [e for e in ledger if e["days_overdue"] > 0]
    escalations = {"SJ-2026-0007": 2, "XC-2026-0042": 1}
    escalated = [] if quiet else [e for e in ledger if e["reference"] in escalations]
    return {
        "overdue": [{"reference": e["reference"], "unit": e["unit"], "unit_name": names[e["unit"]], "title": e["title"],
                     "due_date": e["due_date"], "days_overdue": e["days_overdue"],
                     "escalations": escalations.get(e["reference"], 0)}
                    for e in sorted(overdue, key=lambda e: -e["days_overdue"])],
        "escalated": [{"reference": e["reference"], "unit": e["unit"], "unit_name": names[e["unit"]],
                       "title": e["title"], "escalations": escalations[e["reference"]], "status": e["status"]}
                      for e in escalated],
        "ledger": [e | {"unit_name": names[e["unit"]]}
                   for e in sorted(ledger, key=lambda e: (e["unit"], e["reference"]))],
        "ledger_scope": "open",
    }  # fmt: skip


def later(entry: dict[str, Any]) -> dict[str, Any]:
    """A due date after the cut-off for a finding that was overdue, so that nothing is in a quiet week."""
    return {"due_date": "2026-12-18"} if entry["due_date"] and entry["due_date"] < "2026-11-23" else {}


def filler(code: str, named: list[dict[str, Any]], quiet: bool) -> list[dict[str, Any]]:
    """The open findings of a unit that the lists do not name: as many as its own open figure says."""
    figures_now = own(code, quiet)[0]
    awaiting = figures_now["awaiting_review"] - sum(e["status"] == "rectified" for e in named)
    colours = [c for c in COLOURS for _ in range(figures_now["warnings"][c] - sum(e["warning"] == c for e in named))]
    entries = []
    titles = cycle(FILLER[len(code) % len(FILLER) :] + FILLER[: len(code) % len(FILLER)])
    for n in range(figures_now["open"] - sum(e["status"] != "closed" for e in named)):
        title, severity, measures = next(titles)
        warning = colours[n] if n < len(colours) else None
        due = {"green": "2026-12-09", "yellow": "2026-11-29", "red": "2026-11-22", None: "2026-12-31"}[warning]
        status = "rectified" if n >= len(colours) and n - len(colours) < awaiting else "assigned"
        number = 100 + 20 * UNITS.index(ROWS[code]) + n
        reference = f"{'SJ' if n % 3 == 2 else 'XC'}-2026-{number:04d}"
        entries.append({"reference": reference, "source": "audit" if reference.startswith("SJ") else "inspection",
                        "unit": code, "title": title, "severity": severity, "assignee": PEOPLE[number % len(PEOPLE)],
                        "due_date": due, "status": status, "days_overdue": 0,
                        "measures": measures if status == "rectified" else None, "warning": warning,
                        "term": "fixed"})  # fmt: skip
    return entries


def sample_circular() -> dict[str, Any]:
    """Week 47 of 2026 for the whole system: six peers and the group's own findings, five overdue, two escalated."""
    return build(None)


def unit_edition() -> dict[str, Any]:
    """The same week for 北京分公司's subtree: two departments as peers, 北京分公司本级, a section further down."""
    return build("BJ")


def quiet_week() -> dict[str, Any]:
    """The same units in a week in which nothing happened: no events, nothing overdue, no warnings."""
    return build(None, quiet=True)


@pytest.fixture
def circular() -> dict[str, Any]:
    """A fresh copy of the sample circular, free to change in a test."""
    return sample_circular()


# What a reader sees of each format, for the tests.


class VisibleText(HTMLParser):
    """The text of an HTML page a person sees: everything outside <style>, <script> and <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("style", "script", "head")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("style", "script", "head")

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def page_text(page: str) -> str:
    """An HTML page's visible text, one piece a line."""
    parser = VisibleText()
    parser.feed(page)
    return "\n".join(parser.parts)


def word(circular: dict[str, Any], lang: str = "zh") -> Document:
    """The circular rendered as DOCX and read back with python-docx."""
    return docx.Document(io.BytesIO(render(circular, "docx", lang)[0]))


def document_text(document: Document) -> str:
    """Every paragraph of a Word document: body, table cells, page footers; one a line."""
    cells = [cell for table in document.tables for row in table.rows for cell in row.cells]
    footers = [p for s in document.sections for f in (s.footer, s.even_page_footer) for p in f.paragraphs]
    paragraphs = [*document.paragraphs, *(p for cell in cells for p in cell.paragraphs), *footers]
    return "\n".join(p.text for p in paragraphs if p.text)


def workbook(circular: dict[str, Any], lang: str = "zh") -> Workbook:
    """The circular rendered as XLSX and read back with openpyxl."""
    return openpyxl.load_workbook(io.BytesIO(render(circular, "xlsx", lang)[0]))


def workbook_text(book: Workbook) -> str:
    """Every sheet name and cell of a workbook, and its printed headers and footers; one a line."""
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    printed = [
        part.text or "" for sheet in book.worksheets for part in (sheet.oddFooter.center, sheet.oddHeader.center)
    ]
    return "\n".join([*book.sheetnames, *cells, *printed])


def csv_rows(circular: dict[str, Any], lang: str = "zh") -> list[list[str]]:
    """The circular rendered as CSV, parsed."""
    return list(csv.reader(io.StringIO(render(circular, "csv", lang)[0].decode("utf-8-sig"))))


def shown(circular: dict[str, Any], fmt: str, lang: str = "zh") -> str:
    """What a reader sees of the circular in one format and language, as text."""
    if fmt == "html":
        return page_text(render(circular, "html", lang)[0].decode("utf-8"))
    if fmt == "docx":
        return document_text(word(circular, lang))
    if fmt == "xlsx":
        return workbook_text(workbook(circular, lang))
    return "\n".join(",".join(row) for row in csv_rows(circular, lang))


@pytest.fixture
def view(store_url: str) -> Iterator[Any]:
    """The read model's view over the test's store, closed afterwards."""
    from service.config import load_settings
    from service.read_store import open_view

    read_model = open_view(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    yield read_model
    read_model.datastore.close()


@pytest.fixture
def settings(store_url: str) -> dict[str, Any]:
    """The service's settings over the test's store."""
    from service.config import load_settings

    return load_settings({"RECTIFY_DATABASE_URL": store_url})


@pytest.fixture
def rectify(settings: dict[str, Any]) -> Iterator[Any]:
    """The application over the test's store."""
    from service.config import build_application

    application = build_application(settings)
    yield application
    application.close()


def catch_up(settings: dict[str, Any], **options: Any) -> list[str]:
    """What a projector does when it (re)starts: follow the log up to its head (from zero with rebuild=True);
    the lines it said."""
    from service.projector import run_projector

    lines: list[str] = []
    run_projector(settings, threading.Event(), lines.append, until_caught_up=True, **options)
    return lines
