"""The document's tabled parts: 二、各单位进展 (the ranking), 三、存在问题, and the ledger attachment (附件)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from projections.reports import sentences
from projections.reports.docx_layout import BODY, SUBHEADING, TITLE, Composer, landscape_section
from projections.reports.docx_tables import Columns, table
from projections.reports.labels import LEDGER_COLUMNS, Labels
from projections.reports.ranking import RankingRow, listed, ranking_rows
from projections.reports.rates import percent, points, rate_trend, threshold

RANKING_FIGURES = ("issued_to_date", "closed_to_date", "open", "overdue")
# 156 mm, the type area's width: rank, unit, four figures, rate, change; the unit column widens for long names.
# (A ninth column, for long-term items, leaves an English unit edition no room: they follow in a line of their own.)
RANKING = Columns((12, 36, 19, 19, 15, 15, 18, 22), names={1})
# The attachment's columns: the ledger's, less the unit code and the evidence files (named under the measures
# instead: a thirteenth column leaves no room); 243 mm, the landscape type area's width.
ATTACHMENT_KEYS = tuple(key for key in LEDGER_COLUMNS if key not in ("unit", "evidence"))
ATTACHMENT = Columns(
    (10, 26, 12, 30, 46, 12, 15, 22, 15, 12, 11, 32), left={4, 11}, names={3}, wrapping={4, 11}, size=9
)  # 小五: twelve columns on one landscape page
WORDS = {"source": "source", "severity": "severity", "status": "status", "warning": "warning"}


def progress(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """二、各单位进展: the ranking table (one level and the total), then the units on the 红榜 and on the 黑榜."""
    composer.heading(labels("progress"))
    composer.paragraph(labels("ranking_intro"), keep=True)
    headers = [labels("rank"), labels("unit_short"), *(labels(k) for k in RANKING_FIGURES)]
    rows = [ranking_row(row) for row in ranking_rows(circular, labels)]
    table(composer, [*headers, labels("rate_short"), labels("trend_points")], rows, RANKING)
    settings = circular["settings"]
    for number, (band, key) in enumerate((("honor", "honour_roll"), ("shame", "watch_list")), start=1):
        names = labels("list_sep").join(listed(circular, key))
        rule = labels(f"{band}_rule", rate=threshold(settings[f"{band}_rate"]))
        line = labels("band_line", rule=rule, names=names or labels("none"))
        composer.paragraph([(labels.numbered(number, labels(band)) + labels("run_in"), SUBHEADING), (line, BODY)])
    if long_term := sentences.long_term_by_unit(circular, labels):
        heading = labels.numbered(3, labels("long_term_heading")) + labels("run_in")
        composer.paragraph([(heading, SUBHEADING), (long_term, BODY)])


def ranking_row(row: RankingRow) -> list[str]:
    """One row of the ranking table: a peer's rank, or a dash for the own row, nothing for the total."""
    rate = row.figures["rectification_rate"]
    before = (row.previous or {}).get("rectification_rate")
    moved = points(rate, before)
    change = "—" if moved is None else f"{rate_trend(rate, before)} {abs(moved)}" if moved else str(abs(moved))
    rank = "" if row.kind == "total" else "—" if row.rank is None else str(row.rank)
    return [rank, row.name, *(str(row.figures[k]) for k in RANKING_FIGURES), percent(rate), change]


def problems(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """三、存在问题: the overdue and escalated findings and the warnings in force, then the findings by unit."""
    composer.heading(labels("problems"))
    composer.paragraph(sentences.problems_summary(circular, labels))
    warned = sentences.warnings_in_force(circular, labels)
    if warned:
        composer.paragraph(warned)
    grouped = problems_by_unit(circular, labels)
    if grouped:
        composer.paragraph(labels("problems_lead"), keep=True)
    for number, (name, lines) in enumerate(grouped.items(), start=1):
        composer.heading(labels.numbered(number, name), SUBHEADING)
        for line in lines:
            composer.paragraph(line)


def problems_by_unit(circular: Mapping[str, Any], labels: Labels) -> dict[str, list[str]]:
    """Each unit's overdue findings, then those escalated this week that are not overdue, in sentences."""
    escalated = {item["reference"] for item in circular["escalated"]}
    overdue = {item["reference"] for item in circular["overdue"]}
    grouped: dict[str, list[str]] = {}
    for item in circular["overdue"]:
        line = sentences.overdue_item(item, labels, item["reference"] in escalated)
        grouped.setdefault(unit_label(item), []).append(line)
    for item in circular["escalated"]:
        if item["reference"] not in overdue:
            grouped.setdefault(unit_label(item), []).append(sentences.escalated_item(item, labels))
    return grouped


def unit_label(item: Mapping[str, Any]) -> str:
    """A unit as a heading names it: its name, or its code when the name is missing."""
    return str(item.get("unit_name") or item["unit"])


def attachment_name(circular: Mapping[str, Any], labels: Labels) -> str | None:
    """未销号及长期坚持问题清单 for the open (and long-term) findings, 整改台账 for all; None without a ledger."""
    if circular.get("ledger") is None:
        return None
    return labels("ledger_open" if circular.get("ledger_scope") == "open" else "ledger_all")


def attachment(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """附件: the ledger as given (open findings by default), one row a finding, on landscape pages."""
    name = attachment_name(circular, labels)
    if name is None:
        return
    landscape_section(composer.document)
    composer.heading(labels("attachment"), indent=False)
    composer.paragraph(name, TITLE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    headers = [labels(key) for key in ATTACHMENT_KEYS]
    rows = [attachment_row(number, entry, labels) for number, entry in enumerate(circular["ledger"], start=1)]
    table(composer, headers, rows, ATTACHMENT)


def attachment_row(number: int, entry: Mapping[str, Any], labels: Labels) -> list[str]:
    """One finding in the attachment: codes in words, no days overdue for a finding that is not."""
    cells = {"number": str(number), "days_overdue": str(entry.get("days_overdue") or "")}
    for key, method in WORDS.items():
        cells[key] = getattr(labels, method)(entry.get(key))
    cells["status"] = labels.ledger_status(entry.get("status"), entry.get("term"))
    cells["due_date"] = labels.time_limit(entry.get("due_date"), entry.get("term"))
    if entry.get("evidence"):
        files = labels("evidence_line", names=labels("list_sep").join(entry["evidence"]))
        cells["measures"] = "\n".join(filter(None, [cell_text(entry.get("measures")), files]))
    return [cells[key] if key in cells else cell_text(entry.get(key)) for key in ATTACHMENT_KEYS]


def cell_text(value: Any) -> str:
    """A value as a table cell shows it: nothing for None."""
    return "" if value is None else str(value)
