"""The weekly circular as one self-contained HTML page: inline CSS, no scripts, no outside assets."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from projections.reports import sentences
from projections.reports.front_matter import front_matter
from projections.reports.labels import Labels, seal_token
from projections.reports.ranking import RankingRow, listed, ranking_rows, warnings
from projections.reports.rates import percent, points, rate_trend, rounded, threshold, trend

TEMPLATES = Path(__file__).parent / "templates"

# (figure, which way is good, figures shown beneath): the headline cards. None: neither way is better.
CARDS: tuple[tuple[str, bool | None, tuple[str, ...]], ...] = (
    ("issued_to_date", None, ("issued_this_week",)),
    ("closed_to_date", True, ("closed_this_week", "reopened_this_week")),
    ("rectification_rate", True, ()),
    ("open", False, ("awaiting_review",)),
    ("overdue", False, ("escalated_this_week",)),
    ("long_term_open", None, ("long_term_closed_this_week",)),
)
UNIT_FIGURES = ("issued_to_date", "closed_to_date", "open", "awaiting_review", "overdue", "long_term_open")
CATEGORY_FIGURES = ("issued_to_date", "closed_to_date", "open", "overdue")


@cache
def environment() -> jinja2.Environment:
    """The template environment, escaping every value by default."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


def render_html(circular: Mapping[str, Any], lang: str = "zh") -> str:
    """The circular as an HTML page in `lang` (zh or en)."""
    labels = Labels.of(lang)
    page = environment().get_template("circular.html")
    return page.render(c=circular, t=labels, linked_stylesheet=False, **view(circular, labels))


def render_html_paper(circular: Mapping[str, Any], lang: str = "zh") -> str:
    """The circular alone, for a page that links `stylesheet`: no page around it, no inline style (bars by class)."""
    labels = Labels.of(lang)
    paper = environment().get_template("circular_paper.html")
    return paper.render(c=circular, t=labels, linked_stylesheet=True, **view(circular, labels))


def stylesheet() -> str:
    """The stylesheet the page carries inline."""
    return (TEMPLATES / "circular.css").read_text(encoding="utf-8")


def view(circular: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    """What the template shows, worked out from the circular."""
    front = front_matter(circular, labels)
    settings = circular["settings"]
    return {
        "html_lang": "zh-CN" if labels.lang == "zh" else "en",
        "front": front,
        "opening": sentences.opening(circular, labels, front.scope),
        "overview": [
            p for p in (sentences.overview(circular, labels, front.scope), sentences.week_events(circular, labels)) if p
        ],  # fmt: skip
        "cards": [card(circular, labels, *spec) for spec in CARDS],
        "warning_card": warning_card(circular["totals"], circular["previous"], labels),
        "units": [unit_row(row, labels) for row in ranking_rows(circular, labels)],
        "categories": category_rows(circular, labels),
        "unit_figures": UNIT_FIGURES,
        "figures": CATEGORY_FIGURES,
        "honor_rule": labels("honor_rule", rate=threshold(settings["honor_rate"])),
        "shame_rule": labels("shame_rule", rate=threshold(settings["shame_rate"])),
        "honor_units": listed(circular, "honour_roll"),
        "shame_units": listed(circular, "watch_list"),
        "problems": [
            p
            for p in (sentences.problems_summary(circular, labels), sentences.warnings_in_force(circular, labels))
            if p
        ],  # fmt: skip
        "period": labels("period", period=labels.period(circular["start"], circular["end"])),
        "provenance": provenance(circular, labels),
        "percent": percent,
    }


def card(circular: Mapping[str, Any], labels: Labels, key: str, good: bool | None, subs: tuple[str, ...]) -> dict:
    """One headline figure, its change from last week, and the week's figures beneath that are not zero."""
    now, before = circular["totals"].get(key, 0), circular["previous"].get(key)
    is_rate = key == "rectification_rate"
    arrow = rate_trend(now, before) if is_rate else trend(now, before)
    tone = "flat" if arrow == "–" or good is None else ("good" if (arrow == "▲") == good else "bad")
    if is_rate:
        moved = points(now, before)
        delta = "" if moved is None else labels("points", n=abs(moved))
    else:
        delta = "" if before is None else str(abs(int(now) - int(before)))
    if arrow == "–" and delta:
        arrow, delta = "", labels("flat")  # 较上周持平, not 较上周 – 0
    shown = [f"{labels(sub)} {circular['totals'][sub]}" for sub in subs if circular["totals"].get(sub)]
    return {"label": labels(key), "value": percent(now) if is_rate else now, "arrow": arrow, "delta": delta,
            "tone": tone, "sub": " · ".join(shown)}  # fmt: skip


def warning_card(totals: Mapping[str, Any], previous: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    """The warnings in force: their number, its change, and the count of each colour."""
    now, before = sum(warnings(totals).values()), sum(warnings(previous).values())
    arrow, delta = (trend(now, before), str(abs(now - before))) if now != before else ("", labels("flat"))
    return {"label": labels("warnings"), "value": now, "arrow": arrow, "delta": delta,
            "tone": "flat" if now == before else "bad" if now > before else "good",
            "colours": chips(totals, labels)}  # fmt: skip


def chips(figures: Mapping[str, Any], labels: Labels) -> list[dict[str, Any]]:
    """The warning counts of one unit or the total that are not zero: colour, its name and the count."""
    short, names = labels.words("warn_short"), {c: labels.warning(c) for c in warnings(figures)}
    return [{"colour": c, "short": short[c], "name": names[c], "n": n} for c, n in warnings(figures).items() if n]


def unit_row(row: RankingRow, labels: Labels) -> dict[str, Any]:
    """One row of the ranking table, with the width of its progress bar and its warnings."""
    rate = row.figures["rectification_rate"]
    before = (row.previous or {}).get("rectification_rate")
    shown = rounded(rate)
    return {
        "kind": row.kind, "name": row.name, "unit": row.unit, "rank": row.rank, "figures": row.figures,
        "bar": 0 if shown is None else min(max(shown, 0), 100),
        "band": "none" if rate is None else row.board or ("middle" if row.kind == "peer" else "level"),
        "arrow": rate_trend(rate, before), "warnings": chips(row.figures, labels),
    }  # fmt: skip


def category_rows(circular: Mapping[str, Any], labels: Labels) -> list[dict[str, Any]]:
    """The by-source and by-severity tables, each row with the words for its category."""
    sources = [{"name": labels.source(key), "f": f} for key, f in circular["by_source"].items()]
    severities = [{"name": labels.severity(key), "f": f} for key, f in circular["by_severity"].items()]
    return [
        {"heading": labels.numbered(1, labels("by_source")), "rows": sources},
        {"heading": labels.numbered(2, labels("by_severity")), "rows": severities},
    ]


def provenance(circular: Mapping[str, Any], labels: Labels) -> str:
    """Where the figures came from: the moment they were known, and the seal of the log when there is one."""
    moment = labels.moment(circular["as_known_at"], circular["cutoff"])
    if seal := seal_token(circular):
        return labels("generated", moment=moment, seal=seal)
    return labels("known", moment=moment)
