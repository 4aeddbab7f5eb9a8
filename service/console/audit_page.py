"""审计: the audit query, its export and the verification of the record, for auditors."""

from __future__ import annotations
