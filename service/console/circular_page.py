"""每周通报: the week picker, the circular's page and its downloads in every format."""

from __future__ import annotations
