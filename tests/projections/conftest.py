"""A realistic weekly circular, as the projections hand it to the renderers."""

from __future__ import annotations

from typing import Any

import pytest

FIGURE_KEYS = ("issued_this_week", "issued_to_date", "closed_this_week", "closed_to_date", "withdrawn_to_date",
               "open", "awaiting_review", "overdue", "rejected_this_week", "reopened_this_week",
               "escalated_this_week", "extended_this_week", "warned_this_week")  # fmt: skip

UNITS = (  # code, name, this week's figures in FIGURE_KEYS order, last week's
    ("SH", "上海分公司", (2, 20, 3, 19, 0, 1, 1, 0, 0, 0, 0, 0, 0), (1, 18, 2, 16, 0, 2, 1, 0, 0, 0, 0, 0, 1)),
    ("BJ", "北京分公司", (3, 31, 4, 24, 1, 6, 2, 2, 1, 0, 1, 1, 2), (2, 28, 3, 20, 1, 7, 2, 3, 0, 1, 0, 0, 1)),
    ("GZ", "广州分公司", (1, 18, 2, 12, 0, 6, 1, 1, 0, 1, 1, 0, 1), (0, 17, 1, 10, 0, 7, 2, 1, 1, 0, 0, 1, 0)),
    ("CD", "成都分公司", (2, 22, 1, 11, 2, 9, 1, 3, 1, 0, 2, 1, 2), (1, 20, 1, 10, 2, 8, 0, 2, 0, 0, 1, 0, 1)),
    ("XA", "西安分公司", (1, 16, 0, 7, 0, 9, 2, 4, 0, 0, 1, 0, 1), (0, 15, 1, 7, 0, 8, 1, 3, 0, 0, 0, 0, 1)),
    ("KM", "昆明分公司", (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
)

OVERDUE = (
    ("XC-2026-0042", "BJ-01", "北京分公司第一项目部", "公务用车使用登记不规范，存在私车公养问题", "2026-11-10", 13, 1),
    ("SJ-2026-0007", "CD", "成都分公司", "工程项目结算审核把关不严，多计工程款约38万元", "2026-11-15", 8, 2),
    ("XC-2026-0051", "XA", "西安分公司", "物资采购未按规定履行比选程序", "2026-11-18", 5, 0),
    ("SJ-2026-0011", "XA", "西安分公司", "差旅费报销超标准、附件不齐全", "2026-11-20", 3, 1),
)

LEDGER = (
    ("XC-2026-0042", "inspection", "BJ-01", "北京分公司第一项目部", "公务用车使用登记不规范，存在私车公养问题",
     "serious", "张伟", "2026-11-10", "assigned", 13, None),
    ("XC-2026-0043", "inspection", "SH", "上海分公司", "“三重一大”事项集体决策记录不完整", "general", "李娜",
     "2026-11-30", "closed", 0, "补齐会议纪要，修订议事规则并组织专题学习"),
    ("SJ-2026-0007", "audit", "CD", "成都分公司", "工程项目结算审核把关不严，多计工程款约38万元", "major", "王强",
     "2026-11-15", "assigned", 8, "已启动追回程序，追回款项12万元"),
    ("XC-2026-0051", "inspection", "XA", "西安分公司", "物资采购未按规定履行比选程序", "serious", None,
     "2026-11-18", "issued", 5, None),
    ("SJ-2026-0011", "audit", "XA", "西安分公司", "差旅费报销超标准、附件不齐全", "general", "刘洋", "2026-11-20",
     "assigned", 3, "已责令退回超标准部分"),
    ("SJ-2026-0012", "audit", "GZ", "广州分公司", "固定资产账实不符，盘亏未及时处理", "serious", "陈静",
     "2026-12-05", "rectified", 0, "完成全面盘点，盘亏资产已按程序核销"),
    ("XC-2026-0060", "inspection", "BJ", "北京分公司", "基层党支部“三会一课”落实不到位", "general", "赵敏",
     "2026-12-20", "withdrawn", 0, None),
)  # fmt: skip


def figures(values: tuple[int, ...]) -> dict[str, Any]:
    """A FIGURES dict from the counts in FIGURE_KEYS order, with the rate worked out as the projection does."""
    counted = dict(zip(FIGURE_KEYS, values, strict=True))
    denominator = counted["issued_to_date"] - counted["withdrawn_to_date"]
    rate = counted["closed_to_date"] / denominator if denominator > 0 else None
    return {**counted, "rectification_rate": rate}


def summed(rows: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The column sums of several units' counts."""
    return tuple(sum(column) for column in zip(*rows, strict=True))


def unit_entries() -> list[dict[str, Any]]:
    """The units, ranked by rate, those without a rate unranked."""
    entries = [
        {"unit": code, "name": name, "parent": "HQ", "depth": 1, "figures": figures(now), "previous": figures(before)}
        for code, name, now, before in UNITS
    ]
    rated = sorted((e for e in entries if e["figures"]["rectification_rate"] is not None),
                   key=lambda e: -e["figures"]["rectification_rate"])  # fmt: skip
    for rank, entry in enumerate(rated, start=1):
        entry["rank"] = rank
    return [{**entry, "rank": entry.get("rank")} for entry in entries]


def sample_circular() -> dict[str, Any]:
    """Week 47 of 2026 for the whole system: six units, four overdue findings, two escalated this week."""
    keys = ("reference", "source", "unit", "unit_name", "title", "severity", "assignee", "due_date", "status",
            "days_overdue", "measures")  # fmt: skip
    overdue_keys = ("reference", "unit", "unit_name", "title", "due_date", "days_overdue", "escalations")
    return {
        "week": "2026-W47", "issue_number": 12, "start": "2026-11-16", "end": "2026-11-22",
        "cutoff": "2026-11-23T00:00:00+08:00", "as_known_at": "2026-11-23T09:00:00+08:00",
        "scope": {"unit": None, "name": "全系统"},
        "totals": figures(summed([now for *_, now, _ in UNITS])),
        "previous": figures(summed([before for *_, before in UNITS])),
        "units": unit_entries(),
        "by_source": {"inspection": figures((5, 62, 6, 45, 2, 15, 4, 4, 1, 1, 2, 1, 3)),
                      "audit": figures((4, 45, 4, 28, 1, 16, 3, 6, 1, 0, 3, 1, 3))},
        "by_severity": {"general": figures((5, 58, 6, 45, 1, 12, 3, 3, 1, 0, 1, 0, 2)),
                        "serious": figures((3, 38, 3, 23, 1, 14, 3, 4, 1, 1, 2, 1, 3)),
                        "major": figures((1, 11, 1, 5, 1, 5, 1, 3, 0, 0, 2, 1, 1))},
        "overdue": [dict(zip(overdue_keys, row, strict=True)) for row in OVERDUE],
        "escalated": [
            {"reference": "SJ-2026-0007", "unit": "CD", "unit_name": "成都分公司",
             "title": "工程项目结算审核把关不严，多计工程款约38万元", "escalations": 2, "status": "assigned"},
            {"reference": "XC-2026-0042", "unit": "BJ-01", "unit_name": "北京分公司第一项目部",
             "title": "公务用车使用登记不规范，存在私车公养问题", "escalations": 1, "status": "assigned"},
        ],
        "ledger": [dict(zip(keys, row, strict=True)) for row in LEDGER],
        "settings": {"honor_rate": 0.9, "shame_rate": 0.6, "issuing_office": "整改工作领导小组办公室",
                     "closing": "各单位要切实扛起整改主体责任，对照问题清单、任务清单、责任清单逐项推进，"
                                "确保按期高质量完成整改任务。对逾期未完成整改的问题，要逐一分析原因，"
                                "明确完成时限，坚决防止敷衍整改、虚假整改。\n"
                                "领导小组办公室将持续跟踪督办，对整改不力的单位进行通报约谈。",
                     "issued_on": "2026-11-23"},
        "seal": "9f2c4e1ab07d3c5e8f61a2b4c9d0e7f3a5b6c8d9e0f1a2b3c4d5e6f708192a3b",
    }  # fmt: skip


@pytest.fixture
def circular() -> dict[str, Any]:
    """A fresh copy of the sample circular, free to change in a test."""
    return sample_circular()
