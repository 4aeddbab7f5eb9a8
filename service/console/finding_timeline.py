"""A finding's history in words: what happened, who did it, when it happened and when it was recorded, its seal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from domain.finding import EVIDENCE_SHA256

# The texts an event carries besides its headline, by event, each under the page's word for it.
NOTES: dict[str, tuple[str, ...]] = {
    "Assigned": ("note",),
    "Rectified": ("measures", "evidence"),
    "Reviewed": ("comment",),
    "DeadlineExtended": ("reason",),
    "Escalated": ("note",),
    "Reopened": ("reason",),
    "Withdrawn": ("reason",),
}


@dataclass(frozen=True)
class Entry:
    """One event of the timeline as the page shows it."""

    event: str
    headline: str
    notes: list[tuple[str, str]]
    actor: str | None
    occurred: str | None
    recorded: str
    occurred_at: datetime | None
    recorded_at: datetime
    backdated: bool
    version: int
    position: int
    seal: str | None
    integrity: str | None


@dataclass(frozen=True)
class Speech:
    """How the page says things: its language and words, a date as the office writes it, the office's time zone."""

    lang: str
    t: Mapping[str, str]
    day: Callable[[str], str]
    zone: tzinfo

    def moment(self, when: datetime) -> str:
        """2026年11月30日 09:05, or 30 November 2026, 09:05, in the office's time zone."""
        local = when.astimezone(self.zone)
        return f"{self.day(local.date().isoformat())}{' ' if self.lang == 'zh' else ', '}{local:%H:%M}"

    def listing(self, items: list[str]) -> str:
        """Items in a line: 甲、乙, or a, b."""
        return self.t["list_separator"].join(items)

    def local_day(self, when: datetime) -> date:
        """The date in the office's time zone."""
        return when.astimezone(self.zone).date()

    def date(self, value: Any) -> str:
        """A date of an event's data (a date, or ISO text as some stores give it back)."""
        return self.day(value.isoformat() if isinstance(value, date) else str(value))


def timeline(events: list[dict[str, Any]], files: Mapping[str, str], speech: Speech) -> list[Entry]:
    """The history's events, oldest first, in words; `files` names the attached files by sha256."""
    return [entry(event, files, speech) for event in events]


def entry(event: dict[str, Any], files: Mapping[str, str], speech: Speech) -> Entry:
    """One history entry in words."""
    occurred, recorded = event["occurred_at"], event["recorded_at"]
    return Entry(
        event=event["type"],
        headline=headline(event["type"], event["data"], speech),
        notes=notes(event["type"], event["data"], files, speech),
        actor=event["actor"],
        occurred=speech.moment(occurred) if occurred else None,
        recorded=speech.moment(recorded),
        occurred_at=occurred,
        recorded_at=recorded,
        backdated=occurred is not None and speech.local_day(occurred) < speech.local_day(recorded),
        version=event["version"],
        position=event["position"],
        seal=event["seal"],
        integrity=str(event["integrity"]) if event["integrity"] is not None else None,
    )


def headline(event: str, data: Mapping[str, Any], speech: Speech) -> str:
    """What happened, in a line: 分派给 王芳, 整改期限延至 2027年1月31日, …"""
    t = speech.t
    if event == "Reviewed":
        return t[f"event.Reviewed.{data.get('outcome')}"]
    blanks = {
        "unit": data.get("unit", ""),
        "assignee": data.get("assignee", ""),
        "due_date": speech.date(data["due_date"]) if data.get("due_date") else "",
        "level": t.get(f"warning.{data.get('level')}", str(data.get("level", ""))),
        "filename": data.get("filename", ""),
    }
    return t.get(f"event.{event}", t["event.other"]).format(**blanks)


def notes(event: str, data: Mapping[str, Any], files: Mapping[str, str], speech: Speech) -> list[tuple[str, str]]:
    """The texts an event carries (a note, the measures, a reason), under their words; empty ones left out."""
    said = []
    if event == "Issued":
        due = data.get("due_date")
        said.append(("due_date", speech.date(due) if due else speech.t[f"term.{data.get('term', 'long')}"]))
    for key in NOTES.get(event, ()):
        value = data.get(key)
        if key == "evidence" and isinstance(value, list):
            value = speech.listing([evidence_name(item, files) for item in value])
        if value:
            said.append((key, str(value)))
    if event == "EvidenceAttached" and data.get("size") is not None:
        said.append(("file_size", size_text(int(data["size"]))))
    return said


def evidence_name(item: str, files: Mapping[str, str]) -> str:
    """An item of a fix's evidence: an attached file by its name, anything else as written."""
    return files.get(item, item) if EVIDENCE_SHA256.match(item) else item


def size_text(size: int) -> str:
    """A file's size as people read it: 812 B, 35.2 KB, 4.1 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
