"""The weekly circular as one self-contained HTML page: inline CSS, no scripts, no outside assets."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from projections.reports.labels import Labels, in_band, percent, ranked, rate_band, threshold, trend

TEMPLATES = Path(__file__).parent / "templates"

# (figure, which way is good, figure shown beneath): the headline cards. None: neither way is better.
CARDS: tuple[tuple[str, bool | None, str | None], ...] = (
    ("issued_to_date", None, "issued_this_week"),
    ("closed_to_date", True, "closed_this_week"),
    ("rectification_rate", True, None),
    ("open", False, "awaiting_review"),
    ("overdue", False, None),
    ("escalated_this_week", False, "extended_this_week"),
)
UNIT_FIGURES = ("issued_to_date", "closed_to_date", "open", "awaiting_review", "overdue")
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
    return page.render(c=circular, t=labels, **view(circular, labels))


def view(circular: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    """What the template shows, worked out from the circular."""
    settings = circular["settings"]
    return {
        "html_lang": "zh-CN" if labels.lang == "zh" else "en",
        "title": labels("title_doc", n=circular["issue_number"]),
        "cards": [card(circular, labels, *spec) for spec in CARDS],
        "units": [unit_row(unit, settings) for unit in ranked(circular["units"])],
        "categories": category_rows(circular, labels),
        "unit_figures": UNIT_FIGURES,
        "figures": CATEGORY_FIGURES,
        "honor_rule": labels("honor_rule", rate=threshold(settings["honor_rate"])),
        "shame_rule": labels("shame_rule", rate=threshold(settings["shame_rate"])),
        "honor_units": in_band(circular["units"], settings, "honor"),
        "shame_units": in_band(circular["units"], settings, "shame"),
        "percent": percent,
    }


def card(circular: Mapping[str, Any], labels: Labels, key: str, good: bool | None, sub: str | None) -> dict[str, Any]:
    """One headline figure with its change from last week."""
    now, before = circular["totals"][key], circular["previous"][key]
    arrow = trend(now, before)
    tone = "flat" if arrow == "–" or good is None else ("good" if (arrow == "▲") == good else "bad")
    return {
        "label": labels(key),
        "value": percent(now) if key == "rectification_rate" else now,
        "arrow": arrow,
        "delta": delta(now, before, labels, key == "rectification_rate"),
        "tone": tone,
        "sub": None if sub is None else f"{labels(sub)} {circular['totals'][sub]}",
    }


def delta(now: float | None, before: float | None, labels: Labels, is_rate: bool) -> str:
    """How far a figure moved since last week, without its sign."""
    if now is None or before is None:
        return ""
    if is_rate:
        return labels("points", n=f"{abs(now - before) * 100:.1f}")
    return str(abs(int(now) - int(before)))


def unit_row(unit: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the ranking table, with the width of its progress bar."""
    rate = unit["figures"]["rectification_rate"]
    previous = (unit.get("previous") or {}).get("rectification_rate")
    return {
        **unit,
        "bar": 0 if rate is None else round(min(max(rate, 0.0), 1.0) * 100, 1),
        "band": rate_band(rate, settings),
        "arrow": trend(rate, previous),
    }


def category_rows(circular: Mapping[str, Any], labels: Labels) -> list[dict[str, Any]]:
    """The by-source and by-severity tables, each row with the words for its category."""
    sources = [{"name": labels.source(key), "f": f} for key, f in circular["by_source"].items()]
    severities = [{"name": labels.severity(key), "f": f} for key, f in circular["by_severity"].items()]
    return [
        {"heading": labels.numbered(1, labels("by_source")), "rows": sources},
        {"heading": labels.numbered(2, labels("by_severity")), "rows": severities},
    ]
