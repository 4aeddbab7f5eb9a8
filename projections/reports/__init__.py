"""Renderers of the weekly circular: pure functions from the circular's JSON dict to a page, a ledger or a document."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from projections.reports.docx import render_docx
from projections.reports.html import render_html
from projections.reports.labels import LANGS, Labels, UnsupportedLanguage
from projections.reports.ledger import render_csv, render_xlsx

__all__ = ["FORMATS", "LANGS", "UnsupportedFormat", "UnsupportedLanguage", "render", "render_csv", "render_docx",
           "render_html", "render_xlsx"]  # fmt: skip


class UnsupportedFormat(ValueError):
    """No renderer makes the circular in the format asked for."""


def html_bytes(circular: Mapping[str, Any], lang: str) -> bytes:
    """The HTML page, encoded."""
    return render_html(circular, lang).encode("utf-8")


# format: (renderer, content type, what the file is, extension)
FORMATS: dict[str, tuple[Callable[[Mapping[str, Any], str], bytes], str, str, str]] = {
    "html": (html_bytes, "text/html; charset=utf-8", "circular", "html"),
    "csv": (render_csv, "text/csv; charset=utf-8", "ledger", "csv"),
    "xlsx": (render_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ledger", "xlsx"),
    "docx": (
        render_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "circular",
        "docx",
    ),
}


def render(circular: Mapping[str, Any], fmt: str, lang: str = "zh") -> tuple[bytes, str, str]:
    """The circular in `fmt` (html, csv, xlsx or docx) and `lang` (zh or en): its bytes, content type and file name."""
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"no renderer for format {fmt!r}; use one of {', '.join(FORMATS)}")
    Labels.of(lang)
    renderer, content_type, kind, extension = FORMATS[fmt]
    return renderer(circular, lang), content_type, file_name(circular, kind, extension)


def file_name(circular: Mapping[str, Any], kind: str, extension: str) -> str:
    """circular-2026-W47.docx, or ledger-2026-W47-BJ.xlsx for one unit's subtree: plain ASCII for any browser."""
    unit = circular["scope"].get("unit")
    scope = "".join(ch for ch in f"-{unit}" if ch.isascii() and (ch.isalnum() or ch in "-_")) if unit else ""
    return f"{kind}-{circular['week']}{scope}.{extension}"
