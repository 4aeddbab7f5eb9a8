"""The weekly circular as a Word document laid out the way offices write it (GB/T 9704-2012)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from projections.reports import sentences
from projections.reports.docx_layout import (
    BODY,
    INDENT,
    MASTHEAD,
    MASTHEAD_DROP,
    NOTE,
    SUBHEADING,
    TITLE,
    Composer,
    Face,
    masthead_size,
    prepare,
    red_rule,
)
from projections.reports.docx_parts import attachment, attachment_name, problems, progress
from projections.reports.front_matter import FrontMatter, front_matter, title_lines
from projections.reports.labels import Labels, seal_token, xml_text

CENTER, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


def render_docx(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The circular as a .docx file in `lang` (zh or en)."""
    labels = Labels.of(lang)
    front = front_matter(circular, labels)
    composer = Composer(docx.Document(), lang)
    prepare(composer)
    header(composer, circular, labels, front)
    overview(composer, circular, labels, front)
    progress(composer, circular, labels)
    problems(composer, circular, labels)
    requirements(composer, labels, front)
    signature(composer, circular, labels, front)
    attachment(composer, circular, labels)
    describe(composer.document, circular, labels, front)
    buffer = io.BytesIO()
    composer.document.save(buffer)
    return buffer.getvalue()


def describe(document: WordDocument, circular: Mapping[str, Any], labels: Labels, front: FrontMatter) -> None:
    """The file's own properties: title, number, issuing office, the moment the figures were known, the seal."""
    properties = document.core_properties
    properties.title, properties.subject, properties.keywords = xml_text(front.title), xml_text(front.number), ""
    properties.author = properties.last_modified_by = xml_text(front.issuer)
    properties.created = properties.modified = datetime.fromisoformat(circular["as_known_at"]).astimezone(UTC)
    moment = labels.moment(circular["as_known_at"], circular["cutoff"])
    properties.comments = labels("generated", moment=moment, seal=seal_token(circular) or "—")


def header(composer: Composer, circular: Mapping[str, Any], labels: Labels, front: FrontMatter) -> None:
    """The front matter (版头): masthead in red, number over the red line, title, main recipients, opening line."""
    size = masthead_size(front.masthead)
    face = Face(MASTHEAD.font, size, colour=MASTHEAD.colour)
    masthead = composer.paragraph(front.masthead, face, indent=False, align=CENTER, keep=True)
    masthead.paragraph_format.space_before = MASTHEAD_DROP
    masthead.paragraph_format.line_spacing = Pt(size * 1.2)
    composer.blank(2)  # 空二行
    red_rule(composer.paragraph(front.number, indent=False, align=CENTER, grid=False))
    composer.blank(2)  # 空二行 under the red line
    title = "\n".join(title_lines(front.title)) if composer.lang == "zh" else front.title
    composer.paragraph(title, TITLE, indent=False, align=CENTER, keep=True)
    composer.blank()  # 空一行
    composer.paragraph(front.recipients, indent=False, keep=True)
    composer.paragraph(sentences.opening(circular, labels, front.scope))


def overview(composer: Composer, circular: Mapping[str, Any], labels: Labels, front: FrontMatter) -> None:
    """一、总体情况: the totals and the week's changes, then （一）by source and （二）by severity."""
    composer.heading(labels("overview"))
    composer.paragraph(sentences.overview(circular, labels, front.scope))
    week = sentences.week_events(circular, labels)
    if week:
        composer.paragraph(week)
    groups = (("by_source", labels.source, "source_item"), ("by_severity", labels.severity, "severity_item"))
    for number, (key, words, item) in enumerate(groups, start=1):
        numbered = labels.numbered(number, labels(key)) + labels("run_in")
        composer.paragraph([(numbered, SUBHEADING), (sentences.categories(labels, item, circular[key], words), BODY)])


def requirements(composer: Composer, labels: Labels, front: FrontMatter) -> None:
    """四、下步要求: the configured closing paragraph, one paragraph a line."""
    composer.heading(labels("requirements"))
    for line in front.closing:
        composer.paragraph(line)


def signature(composer: Composer, circular: Mapping[str, Any], labels: Labels, front: FrontMatter) -> None:
    """The attachment note, the issuing office and the date on the right, then where the figures came from."""
    name = attachment_name(circular, labels)
    if name:
        composer.blank()
        composer.paragraph(labels("attachment_note", name=name))
    composer.blank(2)
    for line, keep in ((front.issuer, True), (front.issued_on, False)):  # the office never parts from its date
        signed = composer.paragraph(line, indent=False, align=RIGHT, keep=keep, grid=False)
        signed.paragraph_format.right_indent = INDENT
    if seal := seal_token(circular):
        moment = labels.moment(circular["as_known_at"], circular["cutoff"])
        composer.blank()
        composer.paragraph(labels("generated", moment=moment, seal=seal), NOTE, indent=False)
