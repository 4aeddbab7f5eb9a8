"""Finding a ledger's 责任单位 among the registered units: by code, by full name, or by a short name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from service.imports.reasons import Unreadable

# Endings a unit's name may drop in a ledger: 北京分公司 is written 北京, 财务部 is written 财务.
SUFFIXES = ("有限责任公司", "有限公司", "分公司", "子公司", "公司", "研究院", "办公室", "中心", "集团",
            "部", "局", "处", "科", "室", "院", "所", "队")  # fmt: skip
SPACES = re.compile(r"\s+")


class UnitNotMatched(Unreadable):
    """No registered unit, or more than one, answers to a ledger's name."""


def name_key(text: str) -> str:
    """A name as compared: half-width (NFKC), without spaces, letters in lower case."""
    return SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


def short_name(name: str) -> str:
    """The name without its last organisational ending (北京分公司 → 北京)."""
    key = name_key(name)
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class UnitDirectory:
    """The registered units, looked up the ways ledgers name them."""

    def __init__(self, units: Iterable[Mapping[str, str]]):
        self.names = {unit["code"]: unit["name"] for unit in units}
        self.codes = {name_key(code): code for code in self.names}

    def match(self, text: str) -> str:
        """The code of the one unit `text` names: its code, its name, its short name, or the start of its name."""
        key = name_key(text)
        if not key:
            raise UnitNotMatched("no unit given", "未写单位")
        if key in self.codes:
            return self.codes[key]
        tiers = (
            lambda name: name_key(name) == key,
            lambda name: short_name(name) == short_name(key),
            lambda name: len(key) >= 2 and name_key(name).startswith(key),
        )
        for tier in tiers:
            found = sorted(code for code, name in self.names.items() if tier(name))
            if len(found) == 1:
                return found[0]
            if found:
                candidates = "、".join(f"{self.names[code]}（{code}）" for code in found)
                raise UnitNotMatched(
                    f"{text} could be any of {candidates}: write the unit's code or full name",
                    f"“{text}”可能是{candidates}中的任一个：请写单位代码或全称",
                )
        raise UnitNotMatched(
            f"no registered unit is called {text} (nor has that code)", f"没有名称或代码为“{text}”的已登记单位"
        )
