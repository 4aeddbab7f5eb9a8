"""The circular's sentences, shared by the document and the page; a clause whose figure is zero is left out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projections.reports.labels import Labels, as_of
from projections.reports.ranking import ranking_rows, warnings
from projections.reports.rates import percent, points, trend

# the week's events a sentence names, and the clause that names each
WEEK_EVENTS = {"rejected_this_week": "week_rejected", "escalated_this_week": "week_escalated",
               "extended_this_week": "week_extended", "warned_this_week": "week_warned"}  # fmt: skip


def clause(labels: Labels, key: str, n: int, **values: Any) -> str:
    """The clause `key` stating `n`, or nothing when `n` is zero."""
    return labels(key, n=n, **values) if n else ""


def opening(circular: Mapping[str, Any], labels: Labels, scope: str) -> str:
    """现将截至11月22日全系统整改工作进展情况通报如下。"""
    return labels("opening", date=labels.month_day(as_of(circular)), scope=scope)


def overview(circular: Mapping[str, Any], labels: Labels, scope: str) -> str:
    """The totals: issued, closed (with the week's reopenings beside the week's closures), withdrawn, rate, open."""
    totals, previous = circular["totals"], circular["previous"]
    date = labels.month_day(as_of(circular))
    issued = totals["issued_to_date"]
    head = (
        labels("issued", n=issued, date=date, scope=scope) if issued else labels("issued_none", date=date, scope=scope)
    )
    first = head + clause(labels, "issued_week", totals["issued_this_week"]) + closures(totals, labels)
    first += clause(labels, "withdrawn", totals["withdrawn_to_date"])
    rate = totals["rectification_rate"]
    change = rate_change(labels, rate, previous.get("rectification_rate"))
    rate_words = {"rate": percent(rate), "change": change}
    if rate is None:
        sentences = [first + labels("stop")]
    else:
        sentences = [
            first + labels("rate_inline", **rate_words) + labels("stop"),
            labels("rate_sentence", **rate_words),
        ]
    parts = [*sentences, still_open(totals, previous, labels), long_term(totals, labels)]
    return labels("sentence_sep").join(s for s in parts if s)


def long_term(totals: Mapping[str, Any], labels: Labels) -> str:
    """在改问题中有长期坚持问题3个，按阶段持续推进，不计入逾期；本周阶段性销号1个。 Nothing when both are zero."""
    going, staged = totals.get("long_term_open", 0), totals.get("long_term_closed_this_week", 0)
    if not going and not staged:
        return ""
    text = clause(labels, "long_term_going", going)
    text += clause(labels, "long_term_staged_after" if going else "long_term_staged_alone", staged)
    return text + labels("stop")


def long_term_by_unit(circular: Mapping[str, Any], labels: Labels) -> str | None:
    """北京分公司在改2个，本周阶段性销号1个；上海分公司在改1个。 Units of the ranking with long-term items, or None."""
    units = []
    for row in ranking_rows(circular, labels):
        parts = [clause(labels, "long_term_going_part", row.figures.get("long_term_open", 0)),
                 clause(labels, "long_term_staged_part", row.figures.get("long_term_closed_this_week", 0))]  # fmt: skip
        if row.kind != "total" and any(parts):
            units.append(labels("unit_long_term", name=row.name, parts=labels("part_sep").join(p for p in parts if p)))
    return labels("unit_sep").join(units) + labels("stop") if units else None


def closures(totals: Mapping[str, Any], labels: Labels) -> str:
    """「，已整改销号100个（本周销号24个，另有2个经回头看……重新交办）」: closures and reopenings said together."""
    week, reopened = totals["closed_this_week"], totals["reopened_this_week"]
    if not totals["closed_to_date"]:
        return labels("aside", text=labels("reopened_alone", n=reopened)) if reopened else ""
    aside = [clause(labels, "closed_week", week),
             clause(labels, "reopened_besides" if week else "reopened_alone", reopened)]  # fmt: skip
    text = labels("aside_sep").join(part for part in aside if part)
    return labels("closed", n=totals["closed_to_date"]) + (labels("aside", text=text) if text else "")


def still_open(totals: Mapping[str, Any], previous: Mapping[str, Any], labels: Labels) -> str:
    """目前在改问题57个，其中待审核11个；逾期未完成整改5个，与上周持平。"""
    if not totals["open"]:
        return labels("open_none") + labels("stop")
    awaiting = clause(labels, "awaiting", totals["awaiting_review"])
    place = "after" if awaiting else "first"
    overdue = totals["overdue"]
    if overdue:
        late = labels(f"overdue_{place}", n=overdue, change=count_change(labels, overdue, previous.get("overdue")))
    else:
        late = labels(f"no_overdue_{place}")
    return labels("still_open", n=totals["open"]) + awaiting + late + labels("stop")


def rate_change(labels: Labels, now: float | None, before: float | None) -> str:
    """，较上周提高3.9个百分点: the change between the rates as shown; nothing without last week's rate."""
    moved = points(now, before)
    if moved is None:
        return ""
    return labels(f"rate_{direction(moved, 0)}", n=abs(moved))


def count_change(labels: Labels, now: int, before: int | None) -> str:
    """，较上周增加1个; nothing without last week's figure."""
    return "" if before is None else labels(f"count_{direction(now, before)}", n=abs(now - before))


def direction(now: Any, before: Any) -> str:
    """up, down or same."""
    return {"▲": "up", "▼": "down", "–": "same"}[trend(now, before)]


def week_events(circular: Mapping[str, Any], labels: Labels) -> str | None:
    """本周退回重新整改2个，督办3次，批准延期2个，发出预警函7份。 None when nothing of the kind happened."""
    parts = [clause(labels, words, circular["totals"][key]) for key, words in WEEK_EVENTS.items()]
    parts = [part for part in parts if part]
    return labels("week_lead") + labels("week_sep").join(parts) + labels("stop") if parts else None


def category(labels: Labels, item: str, name: str, figures: Mapping[str, Any]) -> str:
    """巡察发现问题98个，已销号64个，逾期2个，整改率66.7%: one source or severity, its zeros left out."""
    return (
        labels(item, name=name, n=figures["issued_to_date"])
        + clause(labels, "item_closed", figures["closed_to_date"])
        + clause(labels, "item_overdue", figures["overdue"])
        + (
            ""
            if figures["rectification_rate"] is None
            else labels("item_rate", rate=percent(figures["rectification_rate"]))
        )
    )


def categories(labels: Labels, item: str, groups: Mapping[str, Mapping[str, Any]], words: Any) -> str:
    """Every source (or severity) that has findings, in one sentence; 无 when none has."""
    items = [category(labels, item, words(code), f) for code, f in groups.items() if f["issued_to_date"]]
    return (labels("item_sep").join(items) if items else labels("none")) + labels("stop")


def problems_summary(circular: Mapping[str, Any], labels: Labels) -> str:
    """截至11月22日，逾期未完成整改问题5个，涉及4个单位；本周督办问题2个。"""
    overdue, escalated = circular["overdue"], circular["escalated"]
    date = labels.month_day(as_of(circular))
    if overdue:
        text = labels("problems_overdue", n=len(overdue), date=date)
        text += labels("problems_units", n=len({item["unit"] for item in overdue}))
    else:
        text = labels("problems_no_overdue", date=date)
    text += clause(labels, "problems_escalated", len(escalated)) or labels("problems_no_escalated")
    return text + labels("stop")


def warning_parts(labels: Labels, figures: Mapping[str, Any]) -> str:
    """红色预警3个、黄色预警5个 (or 3 red, 5 yellow): the colours in force, most urgent first, zeros left out."""
    parts = [labels("warning_part", n=n, colour=labels.warning(c).lower()) for c, n in warnings(figures).items() if n]
    return labels("warning_sep").join(parts)


def warnings_in_force(circular: Mapping[str, Any], labels: Labels) -> str | None:
    """The warnings in force by colour, then by unit of the ranking; None when there is none."""
    total = sum(warnings(circular["totals"]).values())
    if not total:
        return None
    text = labels("warnings_total", n=total) + warning_parts(labels, circular["totals"]) + labels("stop")
    rows = [
        row for row in ranking_rows(circular, labels) if row.kind != "total" and any(warnings(row.figures).values())
    ]
    units = [labels("unit_warnings", name=row.name, parts=warning_parts(labels, row.figures)) for row in rows]
    if units:
        text += labels("sentence_sep") + labels("warnings_by_unit") + labels("unit_sep").join(units) + labels("stop")
    return text


def overdue_item(item: Mapping[str, Any], labels: Labels, escalated_this_week: bool) -> str:
    """One overdue finding: reference, title, due date, days overdue, escalations so far."""
    text = labels("overdue_item", n=item["days_overdue"], reference=item["reference"], title=bare(item["title"]),
                  due=labels.month_day(item["due_date"]))  # fmt: skip
    text += clause(labels, "item_escalations", item["escalations"])
    return text + (labels("escalated_mark") if escalated_this_week else "") + labels("stop")


def escalated_item(item: Mapping[str, Any], labels: Labels) -> str:
    """One finding escalated this week that is not overdue."""
    status = labels.status(item["status"])
    return labels("escalated_item", n=item["escalations"], reference=item["reference"], title=bare(item["title"]),
                  status=status if labels.lang == "zh" else status.lower()) + labels("stop")  # fmt: skip


def bare(title: Any) -> str:
    """A title without the full stop it may end with, so that the sentence does not stop twice."""
    return str(title or "").rstrip("。；;.， ")
