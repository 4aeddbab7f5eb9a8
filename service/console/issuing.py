"""下发问题: the issue form at /console/findings/new, posting the fields of POST /findings."""

from __future__ import annotations
