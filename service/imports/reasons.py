"""Why a ledger cell cannot be read, in the API's English and in the Chinese of the office that sent it."""

from __future__ import annotations


class Unreadable(ValueError):
    """A reason a row is refused, given in both languages: `str()` is the English, as the API answers it."""

    def __init__(self, reason: str, reason_zh: str):
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh
