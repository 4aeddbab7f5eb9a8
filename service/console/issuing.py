"""下发问题: the issue form at /console/findings/new, posting the fields of POST /findings."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from flask import current_app, g, redirect, request, url_for
from marshmallow import ValidationError

from domain.errors import RectifyError
from domain.finding import Finding
from domain.values import Severity, Source, Term
from service.commands import CommandOptions, Idempotency
from service.console.arguments import with_zone
from service.console.finding_list import listed
from service.console.views import blp, page
from service.console.words import Words
from service.errors import status_of
from service.findings.schemas import IssueSchema
from service.reads import read_side
from service.schemas import plain

# A form's own key, made when the form is shown: a second click on 下发 answers what the first recorded.
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Rules broken by no single field's value, shown beside the field a person would change.
RULE_FIELDS = {"duplicate_reference": "reference"}

WORDS: Words = {
    "issue.lead": (
        "向责任单位下发一个整改问题。带 * 的为必填项。",
        "Issue a finding to the unit responsible for the fix. Fields marked * are required.",
    ),
    "issue.submit": ("下发", "Issue"),
    "issue.refused": ("未下发，请更正以下各项：", "Not issued; please correct the following:"),
    "issue.correct": ("请更正：", "Please correct: "),
    "issue.choose": ("请选择", "Choose one"),
    "issue.reference_hint": ("留空则自动编号，如 XC-2026-0001", "Leave empty to number it, e.g. XC-2026-0001"),
    "issue.batch_hint": ("巡察轮次或审计项目", "The inspection round or audit project"),
    "issue.due_hint": ("长期坚持的问题可不填", "May be left empty for a long-term item"),
    "issue.occurred_hint": (
        "留空即为现在；补录此前已下发的问题时填写（按服务所在时区 {zone}）",
        "Leave empty for now; give it to record a finding issued earlier (in the service's time zone, {zone})",
    ),
    "issue.unit_hint": ("按单位层级排列", "Listed as the units are organised"),
    "issue.about": ("问题", "The finding"),
    "issue.whom": ("责任单位与期限", "Unit and deadline"),
    "description": ("具体描述", "Description"),
    "unit": ("责任单位", "Responsible unit"),
    "term": ("整改类型", "Term"),
    "colon": ("：", ": "),
    "category": ("问题类别", "Category"),
    "title": ("问题标题", "Title"),
    "_rule": ("规则", "Rule"),
    "occurred_at": ("下发时间", "Issued at"),
    "problem.required": ("此项必填", "This field is required"),
    "problem.not_a_date": ("不是有效日期", "Not a valid date"),
    "problem.not_a_moment": ("不是有效的日期和时间", "Not a valid date and time"),
    "problem.not_listed": ("请从列表中选择", "Choose one of the list"),
    "problem.too_long": ("内容过长", "Too long"),
    "problem.blank": ("不能为空，也不能含控制字符", "Must not be blank, nor hold control characters"),
    "problem.controls": ("不能含控制字符", "Must not hold control characters"),
    "problem.code": (
        "只能用字母、数字和 . _ / -，最多 64 个字符",
        "Letters, digits and . _ / - only, up to 64 characters",
    ),
    "problem.due_required": ("限期整改的问题须填整改期限", "A fixed-term finding needs a due date"),
    "rule.unknown_unit": ("该单位未登记", "This unit is not registered"),
    "rule.due_date_before_issue": ("整改期限早于下发日期", "The due date is before the day of issue"),
    "rule.due_date_required": ("限期整改的问题须填整改期限", "A fixed-term finding needs a due date"),
    "rule.duplicate_reference": ("该编号已有问题使用", "A finding with this reference was issued already"),
    "rule.occurred_in_future": ("下发时间不能晚于现在", "The time of issue cannot be in the future"),
    "rule.concurrent_change": ("与他人的操作冲突，请重试", "Someone else's change came first; please try again"),
    "rule.idempotency_key_reused": (
        "此表单已用于下发另一问题，请重新打开下发页面",
        "This form was used to issue another finding; open the issue form again",
    ),
}
# The schema's messages (marshmallow's and the API's own), by the words that say them in the page's language.
MESSAGES = {
    "Missing data for required field.": "problem.required",
    "Not a valid date.": "problem.not_a_date",
    "Not a valid datetime.": "problem.not_a_moment",
    "Not a valid aware datetime.": "problem.not_a_moment",
    "Must not be blank, nor contain NUL or other control characters.": "problem.blank",
    "Letters, digits and . _ / - only, up to 64.": "problem.code",
    "Letters, digits and . _ - (and / in references) only, up to 64.": "problem.code",
    "Required unless term is long (a long-term item).": "problem.due_required",
}
MESSAGE_STARTS = {"Must be one of": "problem.not_listed", "Longer than": "problem.too_long",
                  "Must not contain NUL": "problem.controls"}  # fmt: skip


@blp.route("/findings/new", methods=["GET"])
def issue_form() -> Any:
    """The issue form (inspectors and admins, as the API's rule says), empty."""
    Finding.check_issuer(g.actor)  # any other role gets the 403 page before the form
    return form_page(200, {"term": Term.FIXED.value, "form_key": secrets.token_urlsafe(18)}, {})


@blp.route("/findings/new", methods=["POST"])
def issue_post() -> Any:
    """Issue the finding with the API's schema and application method; a refusal shows the form again as typed."""
    Finding.check_issuer(g.actor)
    typed = request.form.to_dict()
    body = with_zone(issue_body(typed), ("occurred_at",), current_app.extensions["rectify"].timezone)
    try:
        fields = IssueSchema().load(body)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_rule": error.messages}
        return form_page(422, typed, {str(field): listed(text) for field, text in messages.items()})
    options = CommandOptions(occurred_at=fields.pop("occurred_at"), idempotency=form_idempotency(typed, body))
    try:
        result = current_app.extensions["rectify"].issue_finding(g.actor, options, **fields)
    except RectifyError as error:
        if status_of(error) in (401, 403, 404):
            raise  # the console's error pages answer these
        field = error.field or RULE_FIELDS.get(error.code, "_rule")
        return form_page(status_of(error), typed, {field: [str(error)]}, codes={field: error.code})
    return redirect(url_for("console.issue_form").removesuffix("/new") + f"/{result.finding['id']}", 303)


def issue_body(typed: Mapping[str, str]) -> dict[str, str]:
    """The API's body from the form: its fields by the API's names, each left out when nothing was typed."""
    names = [name for name, field in IssueSchema().fields.items() if not field.dump_only]
    return {name: typed[name] for name in names if typed.get(name, "").strip() != ""}


def form_idempotency(typed: Mapping[str, str], body: dict[str, str]) -> Idempotency | None:
    """The form's key as an idempotency key of this user, with the body it was first sent with."""
    key = typed.get("form_key", "")
    if not FORM_KEY.match(key):
        return None
    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return Idempotency(key=f"{g.actor.name}\x1fconsole:{key}", fingerprint=fingerprint)


def form_page(
    status: int, typed: Mapping[str, str], problems: dict[str, list[str]], codes: dict[str, str] | None = None
) -> Any:
    """The form with what was typed and, beside each field, what is wrong with it."""
    categories = [c.strip() for c in current_app.config["RECTIFY_CATEGORIES"].split(",") if c.strip()]
    codes = codes or {}
    said = {field: [problem_text(text, codes.get(field)) for text in texts] for field, texts in problems.items()}
    return page(
        "console/issue.html",
        status,
        more=WORDS,
        typed=typed,
        problems=said,
        units=unit_choices(read_side().units()),  # one query, not a load of every unit
        sources=[plain(source) for source in Source],
        severities=[plain(severity) for severity in Severity],
        terms=[plain(term) for term in Term],
        categories=categories,
        zone=current_app.extensions["rectify"].timezone.key,
    )


def problem_text(message: str, code: str | None) -> tuple[str | None, str]:
    """A problem as the page says it: the key of its words in the page's language (None: not known), and the message."""
    if code is not None and f"rule.{code}" in WORDS:
        return f"rule.{code}", message
    start = next((key for start, key in MESSAGE_STARTS.items() if message.startswith(start)), None)
    return MESSAGES.get(message, start), message


def unit_choices(units: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """The unit tree as the select lists it: each unit (code, name, depth) after its parent, in registered order."""
    codes = {unit["code"] for unit in units}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for unit in units:
        parent = unit["parent"] if unit["parent"] in codes else None
        children.setdefault(parent, []).append(unit)
    listed_units: list[tuple[str, str, int]] = []
    pending = [(unit, 0) for unit in reversed(children.get(None, []))]
    while pending:  # depth first, without recursion: a tree may be deep
        unit, depth = pending.pop()
        listed_units.append((unit["code"], unit["name"], depth))
        pending.extend((child, depth + 1) for child in reversed(children.get(unit["code"], [])))
    return listed_units
