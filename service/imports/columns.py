"""The ledger's columns: the names offices give them, and finding the header row under a title and notes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

# Each field the import reads, and the headers offices write for it (compared after `header_key`); the
# English ones are the service's own ledger's in English (lang=en), so that it reads back too.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "description": (
        "问题描述",
        "finding",
        "问题",
        "问题内容",
        "存在问题",
        "具体问题",
        "问题表现",
        "主要问题",
        "问题事项",
    ),
    "title": ("问题标题", "问题名称", "问题概述"),
    "reference": ("问题编号", "编号", "问题序号", "reference"),
    "number": ("序号", "no."),
    "unit": ("责任单位", "责任部门", "责任科室", "整改责任单位", "整改单位", "整改责任部门", "unit"),
    "unit_code": ("单位代码", "单位编码", "unitcode"),
    "assignee": ("责任人", "整改责任人", "具体责任人", "assignee"),
    "due_date": ("整改时限", "完成时限", "整改期限", "完成时间", "整改完成时限", "计划完成时间", "duedate"),
    "measures": ("整改措施", "整改举措", "具体措施", "measures"),
    "status": ("整改情况", "整改进展", "完成情况", "整改状态", "整改进度", "status"),
    "category": ("问题类别", "类别", "问题类型", "问题分类"),
    "source": ("问题来源", "来源", "source"),
    "severity": ("严重程度", "问题等级", "severity"),
    "issued_on": ("发现时间", "下发时间", "反馈时间", "交办时间"),
    "batch": ("批次", "巡察轮次", "审计项目"),
}
CANONICAL = {field: headers[0] for field, headers in SYNONYMS.items()}  # a column's name when the ledger has none
BY_HEADER = {header: field for field, headers in SYNONYMS.items() for header in headers}
HEADER_SEARCH_ROWS = 12  # the header row may sit under a title, a subtitle and a few lines of notes
# A parenthesised note in a header: 整改时限（年月日）, 责任单位(盖章).
NOTE = re.compile(r"[（(【\[].*?[）)】\]]")
LAYOUT = re.compile(r"[\s*＊:：]")


def header_key(text: Any) -> str:
    """A header as compared: half-width (NFKC), lower case, without spaces, stars, colons and notes in brackets."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return LAYOUT.sub("", NOTE.sub("", folded))


def field_of(header: Any) -> str | None:
    """The field a header names, or None."""
    return BY_HEADER.get(header_key(header))


def columns_of(row: Sequence[Any]) -> dict[str, int]:
    """The fields a row names, by column index; the first column of a field wins."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = field_of(cell)
        if field is not None and field not in found:
            found[field] = index
    return found


def is_header(columns: Mapping[str, int]) -> bool:
    """A header names the problem itself and at least one more column (序号 alone is not enough)."""
    return ("description" in columns or "title" in columns) and len(columns) >= 2


def find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int]] | None:
    """The index of the header row among the first rows, and its columns; None when no row looks like one."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = columns_of(row)
        if is_header(columns):
            return index, columns
    return None
