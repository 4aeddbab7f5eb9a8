"""Everything shown is in the chosen language, reads as an office writes, and states no figure of zero."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.reports import render
from tests.projections.conftest import (
    COUNTS,
    page_text,
    quiet_week,
    sample_circular,
    shown,
    unit_edition,
    word,
)

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
WEEK_CODE = re.compile(r"\d{4}-W\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ZERO_ZH = re.compile(r"(?<![\d.])0(个|次|份|天|项)")
ZERO_EN = re.compile(r"(?<![\d.])0 [a-z]")
WRONG_PLURAL = re.compile(r"(?<![\d.])1 (days|findings|units|notices|letters|deadlines|rectifications|warnings)\b")
DATA_KEYS = ("name", "unit_name", "title", "measures", "assignee")


def in_english(circular: dict[str, Any]) -> dict[str, Any]:
    """The circular with its data (names, titles, people) in English, so that any Chinese left is a label."""
    english = copy.deepcopy(circular)
    for item in [*english["units"], english["scope"], *english["overdue"], *english["escalated"],
                 *english.get("ledger", [])]:  # fmt: skip
        for key in DATA_KEYS:
            if isinstance(item.get(key), str) and CHINESE.search(item[key]):
                item[key] = f"{key.replace('_', ' ').title()} of {item.get('reference') or item.get('unit')}"
    return english


@pytest.mark.parametrize("fmt", ["html", "docx", "xlsx", "csv"])
@pytest.mark.parametrize("make", [sample_circular, unit_edition, quiet_week])
def test_english_output_has_no_chinese_left(make, fmt):
    text = shown(in_english(make()), fmt, "en")
    assert not CHINESE.findall(text), sorted({line for line in text.splitlines() if CHINESE.search(line)})[:8]
    if fmt in ("html", "docx"):
        assert "the whole system" in text or "Unit" in text


def test_english_document_names_the_whole_system_in_words(circular):
    text = shown(circular, "docx", "en")
    assert "the whole system" in text and "全系统" not in text


def test_english_overview_reads_in_one_tense(circular):
    lines = [p.text for p in word(circular, "en").paragraphs]
    overview = lines[lines.index("I. Overview") + 1]
    assert overview == (
        "As of 22 November, the whole system has received 160 findings (9 this week) and closed 100 "
        "(24 this week, besides 2 reopened after a look-back review found the problem back), with 3 withdrawn. "
        "Its rectification rate is 63.7%, up 11.0 points on last week. It has 57 findings still open, "
        "11 of them awaiting review and 5 overdue, the same as last week. 4 of the open findings are long-term "
        "items, pursued in stages and never overdue; 2 have been closed for their current stage this week."
    )


def test_english_counts_take_the_singular_for_one(circular):
    circular["overdue"][0] |= {"days_overdue": 1, "escalations": 1}
    circular["totals"] |= {"rejected_this_week": 1, "escalated_this_week": 1, "extended_this_week": 1,
                           "warned_this_week": 1, "issued_to_date": 1, "open": 1, "awaiting_review": 1}  # fmt: skip
    text = shown(circular, "docx", "en")
    assert "1 day overdue" in text and "1 finding" in text
    assert not WRONG_PLURAL.findall(text)


def prose(circular: dict[str, Any], lang: str) -> str:
    """The paragraphs of the DOCX's body outside its tables."""
    return "\n".join(p.text for p in word(circular, lang).paragraphs)


small = st.integers(min_value=0, max_value=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=st.fixed_dictionaries({key: small for key in COUNTS}), colours=st.tuples(small, small, small))
def test_prose_states_no_figure_of_zero_and_takes_the_singular_for_one(counts, colours):
    circular = copy.deepcopy(SAMPLE)
    del circular["ledger"]  # the attachment has no prose; leaving it out keeps each example quick
    circular["totals"] |= counts | {"warnings": dict(zip(("green", "yellow", "red"), colours, strict=True))}
    circular["overdue"] = circular["overdue"][: counts["overdue"]]
    texts = {lang: prose(circular, lang) for lang in ("zh", "en")}
    for lang, zero in (("zh", ZERO_ZH), ("en", ZERO_EN)):
        assert not zero.findall(texts[lang]), (lang, [line for line in texts[lang].splitlines() if zero.search(line)])
    assert not WRONG_PLURAL.findall(texts["en"])


def test_a_quiet_week_leaves_its_zeros_out_or_says_none():
    text = prose(quiet_week(), "zh")
    assert "督办0次" not in text and "发出预警函0份" not in text and "本周退回" not in text
    assert not ZERO_ZH.findall(text)
    assert "截至11月22日，无逾期未完成整改问题，本周无督办问题。" in text


@pytest.mark.parametrize("fmt", ["html", "docx", "xlsx"])
def test_chinese_output_shows_no_week_code_and_no_raw_timestamp(circular, fmt):
    circular["as_known_at"] = "2026-11-30T09:33:19.283188+08:00"
    text = shown(circular, fmt)
    assert not WEEK_CODE.findall(text) and not TIMESTAMP.findall(text)
    assert "2026年11月30日09:33" in text


def test_a_moment_known_in_another_zone_is_shown_in_the_circulars_own(circular):
    circular["as_known_at"] = "2026-11-30T01:33:19.283188+00:00"
    assert "2026年11月30日09:33" in shown(circular, "docx")


def test_reopened_findings_are_said_in_office_words_beside_the_weeks_closures(circular):
    document = prose(circular, "zh")
    assert "回头看重新打开" not in document
    assert "已整改销号100个（本周销号24个，另有2个经回头看发现问题反弹、重新交办）" in document
    page = page_text(render(circular, "html")[0].decode())
    assert "本周销号24个，另有2个经回头看发现问题反弹、重新交办" in page
    card = page[page.index("累计销号") : page.index("整改率")]
    assert "本周销号 24" in card and "重新交办 2" in card


def test_chinese_overview_states_what_the_week_changed(circular):
    text = prose(circular, "zh")
    assert (
        "截至11月22日，全系统累计下发问题160个（本周新增9个），已整改销号100个（本周销号24个，另有2个经回头看"
        "发现问题反弹、重新交办），撤回3个，整改率63.7%，较上周提高11.0个百分点。目前在改问题57个，其中待审核11个；"
        "逾期未完成整改5个，与上周持平。"
    ) in text
    assert "本周退回重新整改2个，督办3次，批准延期2个，发出预警函7份。" in text


SAMPLE = sample_circular()


def test_page_cards_say_a_figure_held_steady_in_words():
    text = page_text(render(quiet_week(), "html")[0].decode())
    cards = text[text.index("累计下发") : text.index("截至11月22日，全系统")]
    assert "持平" in cards and "– 0" not in cards
