"""The front matter (版头, GB/T 9704): masthead, document number, title, main recipients, in the DOCX and the page."""

from __future__ import annotations

import re

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from projections.reports import render
from tests.projections.conftest import page_text, unit_edition, word

TITLE = "关于整改工作进展情况的通报（第12期）"


def opening_paragraphs(document, count=5):
    """The first `count` paragraphs that hold text."""
    return [p for p in document.paragraphs if p.text.strip()][:count]


def red_rule_under(paragraph) -> bool:
    """Whether a paragraph carries a red bottom border, the separator line under the front matter."""
    border = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    return (
        border is not None and re.fullmatch(r"(?i)[CDEF][0-9A-F]0{4}|FF0000", border.get(qn("w:color"), "")) is not None
    )


def test_docx_opens_with_masthead_number_title_and_recipients(circular):
    masthead, number, title, recipients, body = opening_paragraphs(word(circular))
    assert masthead.text == "整改工作领导小组办公室文件" and masthead.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {run.font.color.rgb for run in masthead.runs} <= {RGBColor(0xFF, 0, 0), RGBColor(0xE6, 0, 0)}
    assert min(run.font.size for run in masthead.runs) > Pt(22)  # larger than the 二号 title
    assert number.text == "整改办〔2026〕12号" and number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert red_rule_under(number)
    assert title.text == TITLE and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert recipients.text == "各单位：" and recipients.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    assert not recipients.paragraph_format.first_line_indent
    assert body.text == "现将截至11月22日全系统整改工作进展情况通报如下。"


def test_docx_of_one_units_subtree_says_so_in_its_title_and_number():
    masthead, number, title, recipients, body = opening_paragraphs(word(unit_edition()))
    assert number.text == "整改办〔2026〕12号-BJ"
    assert title.text.replace("\n", "") == "关于北京分公司整改工作进展情况的通报（第12期）"  # in two lines
    assert "北京分公司" in body.text


def test_docx_front_matter_in_english_uses_the_english_settings(circular):
    masthead, number, title, recipients, _ = opening_paragraphs(word(circular, "en"))
    assert masthead.text == "Rectification Leading Group Office"
    assert number.text == "Rectification Office [2026] No. 12"
    assert title.text == "Circular on Rectification Progress (No. 12)"
    assert recipients.text == "To: All units"


def test_english_title_and_number_of_one_units_subtree():
    _, number, title, _, _ = opening_paragraphs(word(unit_edition(), "en"))
    assert number.text == "Rectification Office [2026] No. 12-BJ"
    assert title.text == "Circular on Rectification Progress at 北京分公司 (No. 12)"


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("zh", ["整改工作领导小组办公室文件", "整改办〔2026〕12号", TITLE, "各单位："]),
        ("en", ["Rectification Leading Group Office", "Rectification Office [2026] No. 12",
                "Circular on Rectification Progress (No. 12)", "To: All units"]),
    ],
)  # fmt: skip
def test_page_header_shows_masthead_number_title_and_recipients_in_order(circular, lang, lines):
    page = render(circular, "html", lang)[0].decode()
    text = page_text(page).splitlines()
    assert text[:4] == lines
    assert re.search(r'<div class="masthead">', page) and re.search(r"\.masthead \{[^}]*color: var\(--red\)", page)
    assert page.index('class="red-rule"') < page.index("<h1>")


def test_page_of_one_units_subtree_says_so_in_its_title_and_number():
    text = page_text(render(unit_edition(), "html")[0].decode())
    assert "整改办〔2026〕12号-BJ" in text and "关于北京分公司整改工作进展情况的通报（第12期）" in text


def test_settings_name_the_masthead_prefix_and_recipients(circular):
    circular["settings"] |= {"masthead": "巡察整改办公室文件", "recipients": "集团各单位、各部门"}
    circular["document_number"] = "巡整办〔2026〕12号"
    masthead, number, _, recipients, _ = opening_paragraphs(word(circular))
    assert (masthead.text, number.text, recipients.text) == (
        "巡察整改办公室文件",
        "巡整办〔2026〕12号",
        "集团各单位、各部门：",
    )


def test_a_subtree_whose_unit_has_no_name_is_named_by_its_code():
    edition = unit_edition()
    edition["scope"]["name"] = None
    _, _, title, _, _ = opening_paragraphs(word(edition))
    assert title.text.replace("\n", "") == "关于BJ整改工作进展情况的通报（第12期）"


def test_a_long_title_turns_its_line_between_whole_words_and_never_splits_the_issue_number():
    title = opening_paragraphs(word(unit_edition()))[2]
    lines = title.text.split("\n")
    assert "".join(lines) == "关于北京分公司整改工作进展情况的通报（第12期）"
    assert lines == ["关于北京分公司整改工作", "进展情况的通报（第12期）"]  # 11 and 12 characters, both within 20


@pytest.mark.parametrize("name", ["中", "内蒙古自治区分公司", "新疆生产建设兵团第十三师分公司财务部"])
def test_every_title_line_fits_the_type_area_or_the_title_is_left_whole(name):
    from projections.reports.front_matter import TITLE_LINE, title_lines

    title = f"关于{name}整改工作进展情况的通报（第8期）"
    lines = title_lines(title)
    assert "".join(lines) == title
    assert all(len(line) <= TITLE_LINE for line in lines) or lines == [title]
    assert not any(line.startswith("期") or line.endswith("（第") for line in lines)
