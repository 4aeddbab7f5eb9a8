"""What the circular says about itself, the same in every format: masthead, number, title, recipients, signature."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projections.reports.labels import Labels

NUMBER = re.compile(r"〔(?P<year>\d{4})〕\d+号(?P<suffix>.*)$")
TITLE_LINE = 20  # characters of 二号 (22 pt) that fit the 156 mm type area
TITLE_BREAKS = ("整改工作", "进展情况", "（第")  # where a Chinese title may turn a line: between whole words


@dataclass(frozen=True)
class FrontMatter:
    """The front matter (版头) and the signature of one circular in one language."""

    masthead: str  # 发文机关标志
    number: str  # 发文字号
    title: str
    recipients: str  # 主送机关, with its colon
    scope: str  # 全系统, or the unit whose subtree the circular covers
    issuer: str
    issued_on: str
    closing: tuple[str, ...]


def setting(circular: Mapping[str, Any], key: str, labels: Labels) -> str:
    """A setting in the circular's language (`key_en` for English), or nothing when the office has not set it."""
    settings = circular["settings"]
    return str(settings.get(key if labels.lang == "zh" else f"{key}_en") or "").strip()


def front_matter(circular: Mapping[str, Any], labels: Labels) -> FrontMatter:
    """The circular's front matter and signature, from its settings and scope."""
    scope_name = (circular["scope"].get("name") or circular["scope"]["unit"]) if circular["scope"].get("unit") else None
    issuer = setting(circular, "issuing_office", labels) or labels("default_office")
    closing = setting(circular, "closing", labels) or labels("default_closing")
    return FrontMatter(
        masthead=setting(circular, "masthead", labels) or labels("default_masthead", office=issuer),
        number=document_number(circular, labels),
        title=labels(
            "title_doc",
            scope=labels("title_scope", name=scope_name) if scope_name else "",
            n=circular["issue_number"],
        ),
        recipients=labels("recipients", names=setting(circular, "recipients", labels) or labels("default_recipients")),
        scope=scope_name or labels("whole_system"),
        issuer=issuer,
        issued_on=labels.full_date(circular["settings"]["issued_on"]),
        closing=tuple(line.strip() for line in closing.splitlines() if line.strip()),
    )


def title_lines(title: str) -> list[str]:
    """A Chinese title too long for one line, turned at the word boundary that gives the most even lines.

    GB/T 9704 asks that a title's lines keep words whole and stand symmetrically;
    left to itself, a word processor turns the line wherever the 21st character
    falls, which can split 「（第8期）」. English titles wrap at spaces as they are.
    """
    if len(title) <= TITLE_LINE:
        return [title]
    cuts = [title.find(word) for word in TITLE_BREAKS if 0 < title.find(word)]
    fitting = [cut for cut in cuts if cut <= TITLE_LINE and len(title) - cut <= TITLE_LINE]
    if not fitting:
        return [title]
    cut = min(fitting, key=lambda at: abs(len(title) - 2 * at))
    return [title[:cut], title[cut:]]


def document_number(circular: Mapping[str, Any], labels: Labels) -> str:
    """整改办〔2026〕12号 as the JSON gives it; in English, its year and suffix under the English prefix."""
    given = str(circular.get("document_number") or "")
    if labels.lang == "zh" and given:
        return given
    parts = NUMBER.search(given)
    unit = circular["scope"].get("unit")
    year = parts["year"] if parts else circular["settings"]["issued_on"][:4]
    suffix = parts["suffix"] if parts else (f"-{unit}" if unit else "")
    prefix = setting(circular, "document_prefix", labels) or labels("default_prefix")
    return labels("document_number", prefix=prefix, year=year, n=circular["issue_number"], suffix=suffix)
