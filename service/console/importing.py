"""台账导入: upload a ledger, preview what a dry run would create and refuse, then import, with progress."""

from __future__ import annotations
