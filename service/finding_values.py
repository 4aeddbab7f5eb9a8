"""A finding and its events as the plain values the HTTP layer and the command line answer with."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import Notification

from domain.finding import Finding


def finding_values(finding: Finding, today: date) -> dict[str, Any]:
    """The finding as it stands, with overdue worked out for `today`."""
    return {
        "id": finding.id,
        "reference": finding.reference,
        "source": finding.source,
        "batch": finding.batch,
        "title": finding.title,
        "description": finding.description,
        "category": finding.category,
        "severity": finding.severity,
        "unit": finding.unit,
        "due_date": finding.due_date,
        "term": finding.term,
        "status": finding.status,
        "overdue": finding.is_overdue_on(today),
        "assignee": finding.assignee,
        "measures": finding.measures,
        "evidence": finding.evidence,
        "files": [{"sha256": sha256, **file} for sha256, file in finding.evidence_files.items()],
        "rectified_by": finding.rectified_by,
        "issued_at": finding.issued_at,
        "closed_at": finding.closed_at,
        "rejections": finding.rejections,
        "reopenings": finding.reopenings,
        "escalations": finding.escalations,
        "extensions": finding.extensions,
        "warnings": list(finding.warnings),
        "version": finding.version,
    }


def history_entry(
    notification: Notification, domain_event: Finding.Event, seal: str | None = None, integrity: Any = None
) -> dict[str, Any]:
    """One event of a finding's history: who, when, what, where it stands in the log, and its seal."""
    data = dict(vars(domain_event))
    for key in ("originator_id", "originator_version", "timestamp", "originator_topic"):
        data.pop(key, None)
    return {
        "type": type(domain_event).__name__,
        "actor": data.pop("actor", None),
        "occurred_at": data.pop("occurred_at", None),
        "recorded_at": domain_event.timestamp,
        "version": notification.originator_version,
        "position": notification.id,
        "data": data,
        "seal": seal,
        "integrity": integrity,
    }
