"""问题清单: the finding list's filters read from the page's query, with the API's own argument schema."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from marshmallow import ValidationError

from projections.listing import Sort
from service.console.words import Words
from service.findings.schemas import ListArgsSchema

PAGE_SIZE = 50
# The fields of the filter form, named as the API's query arguments; the page keeps the API's cursors.
FLAGS = ("overdue", "warned", "escalated", "rejected")
FILTERS = ("q", "unit", "status", "source", "severity", "term", "batch", "assignee", *FLAGS, "sort")

WORDS: Words = {
    "sort": ("排序", "Order"),
    "sort.newest": ("最新下发在前", "Newest first"),
    "sort.due_date": ("整改期限最近在前", "Soonest deadline first"),
    "sort.-due_date": ("整改期限最远在前", "Latest deadline first"),
    "sort_by_due_date": ("按整改期限排序", "Sort by due date"),
    "sort.ascending": ("（由近及远）", "(soonest first)"),
    "sort.descending": ("（由远及近）", "(latest first)"),
}


def list_arguments(query: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The list's arguments from a page's query (empty fields left out), or the problems found in them."""
    given = {key: value for key, value in query.items() if key != "lang" and value.strip() != ""}
    given.pop("min_position", None)  # the page reads the read model as it stands
    given.setdefault("limit", str(PAGE_SIZE))
    try:
        return ListArgsSchema().load(given), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return {}, {str(key): listed(value) for key, value in messages.items()}


def listed(messages: Any) -> list[str]:
    """A field's messages as a list of sentences."""
    return [str(message) for message in messages] if isinstance(messages, list) else [str(messages)]


def page_query(query: dict[str, str], cursor: str | None = None) -> str:
    """The query of another page: the same filters and order, and the cursor of that page (none: the first)."""
    kept = {key: value for key, value in query.items() if key in (*FILTERS, "limit") and value.strip() != ""}
    return urlencode(kept | ({"cursor": cursor} if cursor else {}))


def due_date_query(query: dict[str, str]) -> str:
    """The query of the due-date column's link: the first page by due date, or the other way round if so already."""
    by_due_date = Sort.LATEST_DUE_DATE if query.get("sort") == Sort.DUE_DATE.value else Sort.DUE_DATE
    return page_query(query | {"sort": by_due_date.value})
