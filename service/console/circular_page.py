"""每周通报: the week picker, the circular's page and its downloads in every format."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, g, request
from markupsafe import Markup

from domain.errors import OccurredInFuture, UnknownUnit
from projections.reports.html import render_html_paper, stylesheet
from projections.reports.labels import Labels, seal_token
from projections.view import ViewLagging
from projections.weeks import FIRST_YEAR, InvalidWeek, Week
from service.circulars.answer import circular_asked, circular_file
from service.circulars.schemas import FORMATS, CircularArgsSchema
from service.console.arguments import filled, loaded
from service.console.views import blp, page
from service.console.words import Words
from service.integrity.verdict import may_verify
from service.reads import read_side

RECENT_WEEKS = 8  # the picker's list: this week and the weeks before it
# What the page's query may carry to the circular (the language is the page's own). A download names the moment
# the page's circular was known at, so that the file holds what the page showed, whatever was recorded since.
QUERY = ("week", "unit", "as_known_at")

WORDS: Words = {
    "week": ("周次", "Week"),
    "week_of": ("{year}年第{number}周", "Week {number} of {year}"),
    "show": ("查看", "Show"),
    "previous_week": ("上一周", "Previous week"),
    "next_week": ("下一周", "Next week"),
    "recent_weeks": ("近几周", "Recent weeks"),
    "this_week": ("（本周，未结束）", "(this week, not over yet)"),
    "unit_scope": ("单位（含下级，可不填）", "Unit and the units below it (optional)"),
    "downloads": ("下载", "Download"),
    "format.docx": ("通报（Word）", "Circular (Word)"),
    "format.xlsx": ("整改台账（Excel）", "Ledger (Excel)"),
    "format.csv": ("整改台账（CSV）", "Ledger (CSV)"),
    "format.html": ("网页版（HTML）", "Web page (HTML)"),
    "format.json": ("数据（JSON）", "Data (JSON)"),
    "check_seal": ("核验本期数据校验码", "Check this circular's seal"),
    "invalid_week": ("无法生成该周通报", "There is no circular for what was asked"),
    "invalid.week": (
        "周次无效：请选择 2000 年至 2999 年间的一个 ISO 周，例如 2026-W48（只有部分年份有第 53 周）。",
        "Not a week: choose an ISO week of the years 2000 to 2999, e.g. 2026-W48 (only some years have a week 53).",
    ),
    "invalid.unit": ("单位不存在，或不在您的职责范围内。", "There is no such unit in your scope."),
    "invalid.format": ("没有这种下载格式。", "There is no download in that format."),
    "invalid.as_known_at": (
        "统计时点应为不晚于现在的时刻（ISO 8601，带时区）。",
        "The moment known at must be a moment up to now (ISO 8601 with its offset).",
    ),
    "lagging": ("数据正在更新，请稍后刷新本页。", "The figures are being brought up to date; reload shortly."),
}


@blp.route("/circulars", methods=["GET"])
def circulars() -> Any:
    """每周通报: the circular of a week (by default the API's: the last week that has ended), and its downloads."""
    query = filled(request.args, QUERY)
    args, problems = circular_arguments(query, "json")
    circular = None
    if not problems:
        circular, problems = circular_or_problems(args)
    return circular_page(query, circular, problems)


@blp.route("/circulars/download", methods=["GET"])
def circular_download() -> Any:
    """The circular of a week as a file, in any format the API serves, in the page's language."""
    query = filled(request.args, QUERY)
    args, problems = circular_arguments(query, request.args.get("format", ""))
    if not problems:
        circular, problems = circular_or_problems(args)
        if circular is not None:
            return circular_file(circular, args["format"], g.lang)
    return circular_page(query, None, problems)


@blp.route("/circulars/circular.css", methods=["GET"])
def circular_stylesheet() -> Response:
    """The circular's own stylesheet, kept to the console's circular, with its rate bars' widths as classes.

    Console pages allow no inline style, so the page cannot carry it inline as the HTML file does.
    """
    widths = "\n".join(f".circular-report .fill.w{n} {{ width: {n}%; }}" for n in range(101))
    return Response(f"{scoped(stylesheet(), '.circular-report')}\n{widths}\n", content_type="text/css; charset=utf-8")


def circular_arguments(query: dict[str, str], fmt: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The circular's arguments for a format in the page's language, checked by the API's own schema."""
    return loaded(CircularArgsSchema(), query | {"format": fmt, "lang": g.lang})


def circular_or_problems(args: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The circular the arguments ask for, or why there is none."""
    try:
        return circular_asked(g.actor, args), {}
    except InvalidWeek as error:
        return None, {"week": [str(error)]}
    except (UnknownUnit, OccurredInFuture) as error:  # the field each names: unit, as_known_at
        return None, {error.field or "unit": [str(error)]}
    except ViewLagging as error:
        return None, {"lagging": [str(error)]}


def circular_page(query: dict[str, str], circular: dict[str, Any] | None, problems: dict[str, list[str]]) -> Any:
    """The page: the picker around the asked week, the circular itself, and the links to download it."""
    side = read_side()
    now = Week.containing(side.now(), side.zone)
    shown = Week.parse(circular["week"], side.zone) if circular else side.week(None)
    status = 503 if "lagging" in problems else 422 if problems else 200
    labels = Labels.of(g.lang)
    text, status = page(
        "console/circular.html",
        status,
        more=WORDS,
        query=query,
        problems=problems,
        circular=circular,
        paper=Markup(render_html_paper(circular, g.lang)) if circular else None,
        seal=seal_token(circular) if circular else None,
        may_verify=may_verify(g.actor),
        shown=week_entry(shown, now, labels),
        previous=week_entry(shown.previous(), now, labels) if shown.previous().year >= FIRST_YEAR else None,
        following=week_entry(later(shown), now, labels) if later(shown).monday <= now.monday else None,
        recent=[week_entry(week, now, labels) for week in recent_weeks(now)],
        formats=FORMATS,
    )
    return text, status, {"Retry-After": "2"} if status == 503 else {}


def later(week: Week) -> Week:
    """The week after."""
    return Week.containing(week.cutoff, week.zone)


def recent_weeks(now: Week) -> list[Week]:
    """This week and the weeks before it, newest first."""
    return [Week.containing(now.start - timedelta(days=7 * n), now.zone) for n in range(RECENT_WEEKS)]


def week_entry(week: Week, now: Week, labels: Labels) -> dict[str, Any]:
    """A week as the picker shows it: its code, year and number, its days in words, and whether it is this week."""
    return {
        "label": week.label,
        "year": week.year,
        "number": week.number,
        "period": labels.period(week.monday.isoformat(), week.sunday.isoformat()),
        "current": week == now,
    }


COMMENTS = re.compile(r"/\*.*?\*/", re.DOTALL)
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")  # a rule of selectors and declarations (an @media's own brace is skipped)
PAGE_SELECTORS = (":root", "html", "body")  # the page's own selectors: on the console, the circular's frame


def scoped(css: str, scope: str) -> str:
    """A stylesheet made for a page of its own, kept to the element `scope` selects within another page."""

    def rule(match: re.Match[str]) -> str:
        selectors = (selector.strip() for selector in match.group(1).split(","))
        inside = (scope if s in PAGE_SELECTORS else f"{scope} {s}" for s in selectors)
        return f"\n{', '.join(inside)} {{{match.group(2)}}}"

    return RULE.sub(rule, COMMENTS.sub("", css))
