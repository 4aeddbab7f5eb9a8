"""A finding's page: its fields, its timeline and evidence, and the actions this user may take now, as forms."""

from __future__ import annotations
