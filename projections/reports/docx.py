"""The weekly circular as a Word document laid out the way offices write it (GB/T 9704-2012)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH

from projections.reports.docx_layout import (
    BODY,
    HEADING,
    INDENT,
    NOTE,
    SUBHEADING,
    TITLE,
    Composer,
    landscape_section,
    prepare,
)
from projections.reports.labels import Labels, in_band, percent, ranked, threshold, trend, xml_text

RIGHT, CENTER = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
DIRECTIONS = {"▲": "up", "▼": "down", "–": "same"}
OVERVIEW_FIGURES = ("issued_to_date", "issued_this_week", "closed_to_date", "closed_this_week", "withdrawn_to_date",
                    "open", "awaiting_review", "overdue")  # fmt: skip
WEEK_FIGURES = ("rejected_this_week", "reopened_this_week", "escalated_this_week", "extended_this_week",
                "warned_this_week")  # fmt: skip
RANKING_FIGURES = ("issued_to_date", "closed_to_date", "open", "overdue")
RANKING_WIDTHS_MM = (13, 35, 19, 19, 14, 14, 18, 24)  # 156 mm: the width of the type area
LEDGER_KEYS = ("reference", "source", "unit_name", "title", "severity", "assignee", "due_date", "status",
               "days_overdue", "measures")  # fmt: skip
LEDGER_WIDTHS_MM = (12, 30, 14, 28, 46, 14, 16, 24, 16, 13, 30)  # 243 mm: the landscape type area


def render_docx(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The circular as a .docx file in `lang` (zh or en)."""
    labels = Labels.of(lang)
    composer = Composer(docx.Document(), lang)
    prepare(composer)
    for part in (heading, overview, progress, problems, requirements, signature, attachment):
        part(composer, circular, labels)
    describe(composer.document, circular, labels)
    buffer = io.BytesIO()
    composer.document.save(buffer)
    return buffer.getvalue()


def describe(document: WordDocument, circular: Mapping[str, Any], labels: Labels) -> None:
    """The file's own properties: title, issuing office, the moment the figures were known, the seal."""
    properties = document.core_properties
    properties.title, properties.keywords = labels("title_doc", n=circular["issue_number"]), circular["week"]
    properties.author = properties.last_modified_by = issuer(circular)
    properties.created = properties.modified = datetime.fromisoformat(circular["as_known_at"]).astimezone(UTC)
    properties.comments = labels("generated", as_known_at=circular["as_known_at"], seal=circular.get("seal") or "—")


def issuer(circular: Mapping[str, Any]) -> str:
    """The office that issues the circular."""
    return xml_text(str(circular["settings"]["issuing_office"]))


def heading(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """The title, centred, and the date the figures stand at."""
    composer.paragraph(labels("title_doc", n=circular["issue_number"]), TITLE, indent=False, align=CENTER)
    composer.paragraph(labels("as_of", date=labels.month_day(circular["end"])), SUBHEADING, indent=False, align=CENTER)
    composer.paragraph("", indent=False)


def overview(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """一、总体情况: the totals, the rate, what is overdue, and how that moved since last week."""
    totals, previous = circular["totals"], circular["previous"]
    composer.paragraph(labels("overview"), HEADING)
    composer.paragraph(
        labels(
            "overview_totals",
            date=labels.month_day(circular["end"]),
            scope=circular["scope"]["name"],
            rate=percent(totals["rectification_rate"]),
            rate_change=change(labels, "rate", totals["rectification_rate"], previous["rectification_rate"]),
            overdue_change=change(labels, "count", totals["overdue"], previous["overdue"]),
            **{key: totals[key] for key in OVERVIEW_FIGURES},
        )  # fmt: skip
    )
    composer.paragraph(labels("overview_week", **{key: totals[key] for key in WEEK_FIGURES}))
    categories(composer, circular, labels)


def categories(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """（一）by source and （二）by severity, each a run-in heading and one sentence."""
    groups = (("by_source", labels.source, "source_item"), ("by_severity", labels.severity, "severity_item"))
    for number, (key, words, item) in enumerate(groups, start=1):
        items = [category(labels, item, words(code), f) for code, f in circular[key].items()]
        numbered = labels.numbered(number, labels(key)) + labels("run_in")
        composer.paragraph([(numbered, SUBHEADING), (labels("item_sep").join(items) + labels("stop"), BODY)])


def category(labels: Labels, item: str, name: str, figures: Mapping[str, Any]) -> str:
    """One source's or severity's figures in a sentence."""
    return labels(item, name=name, rate=percent(figures["rectification_rate"]), **figures)


def change(labels: Labels, kind: str, now: float | None, before: float | None) -> str:
    """How a figure moved since last week, in words; nothing when last week had no such figure."""
    if now is None or before is None:
        return ""
    arrow = trend(now, before)  # ▲, ▼ or –
    size = f"{abs(now - before) * 100:.1f}" if kind == "rate" else str(abs(int(now) - int(before)))
    return labels(f"{kind}_{ {'▲': 'up', '▼': 'down', '–': 'same'}[arrow] }", n=size)


def progress(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """二、各单位进展: the ranking table, then the units on the 红榜 and on the 黑榜."""
    composer.paragraph(labels("progress"), HEADING)
    composer.paragraph(labels("ranking_intro"))
    headers = [labels("rank"), labels("unit_name"), *(labels(k) for k in RANKING_FIGURES)]
    rows = [ranking_row(unit, labels) for unit in ranked(circular["units"])]
    composer.table([*headers, labels("rate_short"), labels("trend_points")], rows, RANKING_WIDTHS_MM)
    settings = circular["settings"]
    for number, band in enumerate(("honor", "shame"), start=1):
        names = labels("list_sep").join(u["name"] for u in in_band(circular["units"], settings, band))
        rule = labels(f"{band}_rule", rate=threshold(settings[f"{band}_rate"]))
        line = labels("band_line", rule=rule, names=names or labels("none"))
        composer.paragraph([(labels.numbered(number, labels(band)) + labels("run_in"), SUBHEADING), (line, BODY)])


def ranking_row(unit: Mapping[str, Any], labels: Labels) -> list[str]:
    """One unit's row of the ranking table."""
    figures, rate = unit["figures"], unit["figures"]["rectification_rate"]
    before = (unit.get("previous") or {}).get("rectification_rate")
    moved = "—" if rate is None or before is None else f"{trend(rate, before)} {abs(rate - before) * 100:.1f}"
    rank = "—" if unit["rank"] is None else str(unit["rank"])
    return [rank, unit["name"], *(str(figures[k]) for k in RANKING_FIGURES), percent(rate), moved]


def problems(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """三、存在问题: overdue and escalated findings, grouped by unit."""
    composer.paragraph(labels("problems"), HEADING)
    overdue, escalated = circular["overdue"], circular["escalated"]
    date = labels.month_day(circular["end"])
    if not overdue and not escalated:
        composer.paragraph(labels("no_problems", date=date))
        return
    units_overdue = len({item["unit"] for item in overdue})
    composer.paragraph(
        labels("problems_intro", date=date, overdue=len(overdue), units=units_overdue, escalated=len(escalated))
    )
    for number, (name, lines) in enumerate(problems_by_unit(circular, labels).items(), start=1):
        composer.paragraph(labels.numbered(number, name), SUBHEADING)
        for line in lines:
            composer.paragraph(line)


def problems_by_unit(circular: Mapping[str, Any], labels: Labels) -> dict[str, list[str]]:
    """Each unit's overdue findings, then those escalated this week that are not overdue, in sentences."""
    escalated = {item["reference"] for item in circular["escalated"]}
    overdue = {item["reference"] for item in circular["overdue"]}
    grouped: dict[str, list[str]] = {}
    for item in circular["overdue"]:
        mark = labels("escalated_mark") if item["reference"] in escalated else ""
        line = labels("overdue_item", due=labels.month_day(item["due_date"]), days=item["days_overdue"],
                      escalated=mark, **item)  # fmt: skip
        grouped.setdefault(unit_label(item), []).append(line)
    for item in circular["escalated"]:
        if item["reference"] not in overdue:
            line = labels("escalated_item", **{**item, "status": labels.status(item["status"])})
            grouped.setdefault(unit_label(item), []).append(line)
    return grouped


def unit_label(item: Mapping[str, Any]) -> str:
    """A unit as a heading names it: its name, or its code when the name is missing."""
    return str(item.get("unit_name") or item["unit"])


def requirements(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """四、下步要求: the configured closing paragraph, one paragraph a line."""
    composer.paragraph(labels("requirements"), HEADING)
    for line in str(circular["settings"]["closing"]).splitlines():
        if line.strip():
            composer.paragraph(line.strip())


def signature(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """The attachment note, then the issuing office and the date on the right, then where the figures came from."""
    composer.paragraph("", indent=False)
    composer.paragraph(labels("attachment_note"))
    composer.paragraph("", indent=False)
    composer.paragraph("", indent=False)
    for line in (issuer(circular), labels.full_date(circular["settings"]["issued_on"])):
        composer.paragraph(line, indent=False, align=RIGHT).paragraph_format.right_indent = INDENT
    if circular.get("seal"):
        note = labels("generated", as_known_at=circular["as_known_at"], seal=circular["seal"])
        composer.paragraph("", indent=False)
        composer.paragraph(note, NOTE, indent=False)


def attachment(composer: Composer, circular: Mapping[str, Any], labels: Labels) -> None:
    """附件: the ledger, one row a finding, on landscape pages."""
    landscape_section(composer.document)
    composer.paragraph(labels("attachment"), HEADING, indent=False)
    composer.paragraph(labels("ledger"), TITLE, indent=False, align=CENTER)
    headers = [labels("number"), *(labels(key) for key in LEDGER_KEYS)]
    words = {"source": labels.source, "severity": labels.severity, "status": labels.status}
    rows = [
        [str(number), *(words[k](e[k]) if k in words else cell_text(e.get(k)) for k in LEDGER_KEYS)]
        for number, e in enumerate(circular["ledger"], start=1)
    ]
    composer.table(headers, rows, LEDGER_WIDTHS_MM, left={4, 10})


def cell_text(value: Any) -> str:
    """A value as a table cell shows it: nothing for None."""
    return "" if value is None else str(value)
