"""The ranking as every format shows it: one level (the peers, the root's own row, the total) and the two lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projections.reports.labels import COLOURS, Labels

NO_WARNINGS = {colour: 0 for colour in COLOURS}


@dataclass(frozen=True)
class RankingRow:
    """One row of the ranking: a peer, the root's own findings (本级), or the total."""

    kind: str  # peer, own or total
    unit: str | None
    name: str
    rank: int | None
    figures: Mapping[str, Any]
    previous: Mapping[str, Any] | None
    board: str | None  # honor (红榜), shame (黑榜) or None


def ranking_rows(circular: Mapping[str, Any], labels: Labels) -> list[RankingRow]:
    """Peers in rank order (unranked last, in the JSON's order), the own row, then the total, which equals totals."""
    boards = {code: "honor" for code in circular.get("honour_roll", [])}
    boards |= {code: "shame" for code in circular.get("watch_list", [])}
    peers = [u for u in circular["units"] if u.get("level") == "peer"]
    peers.sort(key=lambda u: (u["rank"] is None, u["rank"] or 0))
    rows = [row(u, "peer", u["name"], boards.get(u["unit"])) for u in peers]
    rows += [
        row(u, "own", labels("own_row", name=u["name"]), None) for u in circular["units"] if u.get("level") == "own"
    ]
    total = {"unit": circular["scope"].get("unit"), "rank": None, "figures": circular["totals"],
             "previous": circular["previous"]}  # fmt: skip
    return [*rows, row(total, "total", labels("total"), None)]


def row(unit: Mapping[str, Any], kind: str, name: str, board: str | None) -> RankingRow:
    """A ranking row from a units entry (or the totals shaped like one)."""
    return RankingRow(kind, unit.get("unit"), name, unit.get("rank"), unit["figures"], unit.get("previous"), board)


def listed(circular: Mapping[str, Any], key: str) -> list[str]:
    """The names of the units on `honour_roll` or `watch_list`, in the JSON's order."""
    names = {u["unit"]: u["name"] for u in circular["units"]}
    return [names.get(code, code) for code in circular.get(key, [])]


def warnings(figures: Mapping[str, Any]) -> dict[str, int]:
    """The warnings in force by colour, red first; zero for a colour the figures do not count."""
    counted = figures.get("warnings") or {}
    return {colour: int(counted.get(colour) or 0) for colour in NO_WARNINGS}
