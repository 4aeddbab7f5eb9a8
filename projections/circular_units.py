"""A circular's units: peers ranked against each other, the root's own findings (本级), the red and watch lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from projections.facts import UnitFact
from projections.figures import figures, lineage, rolled_up, tally

LEVEL_ORDER = {"peer": 0, "own": 1, "below": 2}  # how `units` lists them: peers (ranked), 本级, deeper units


def unit_tree(facts: Iterable[UnitFact]) -> dict[str, dict[str, Any]]:
    """Units as the facts leave them: code → name and parent."""
    tree: dict[str, dict[str, Any]] = {}
    for fact in facts:
        tree[fact.code] = {"name": fact.name, "parent": fact.parent}
    return tree


def scope_root(parents: Mapping[str, str | None], scope: str | None) -> str | None:
    """The unit a circular is about: the scope, or the one root of the tree (None when there are several)."""
    if scope:
        return scope
    roots = [code for code, parent in parents.items() if parent is None or parent not in parents]
    return roots[0] if len(roots) == 1 else None


def peers_of(parents: Mapping[str, str | None], root: str | None) -> set[str]:
    """The units ranked against each other: those right below the root (the roots themselves when it is None)."""
    if root is None:
        return {code for code, parent in parents.items() if parent is None or parent not in parents}
    return {code for code, parent in parents.items() if parent == root and code != root}


def unit_entries(
    tree: Mapping[str, Any], parents: Mapping[str, str | None], scope: str | None, rows: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every unit below the root with its subtree's figures, peers ranked; and the root's own findings (本级)."""
    root = scope_root(parents, scope)
    peers = peers_of(parents, root)
    own_now = tally(rows["states"], rows["events now"], "unit")  # each unit's own findings
    own_then = tally(rows["before"], rows["events then"], "unit")
    now, then = rolled_up(own_now, parents), rolled_up(own_then, parents)  # each unit counts every unit below it
    listed = [code for code in tree if root is None or (code != root and root in lineage(code, parents))]
    entries = [
        unit_entry(tree, parents, code, "peer" if code in peers else "below", now.get(code), then.get(code))
        for code in listed
    ]
    if root is not None and (own_now[root]["issued_to_date"] or own_then[root]["issued_to_date"]):  # 本级
        entries.append(unit_entry(tree, parents, root, "own", own_now.get(root), own_then.get(root)))
    rank_peers(entries)
    return sorted(entries, key=listing_order)


def listing_order(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """Peers by rank (the unranked after them), then 本级, then deeper units by depth; by code within."""
    return (LEVEL_ORDER[entry["level"]], entry["rank"] is None, entry["rank"] or 0, entry["depth"], entry["unit"])


def unit_entry(
    tree: Mapping[str, Any],
    parents: Mapping[str, str | None],
    code: str,
    level: str,
    now: Counter[str] | None,
    then: Counter[str] | None,
) -> dict[str, Any]:
    return {
        "unit": code,
        "name": unit_name(tree, code),
        "level": level,
        "parent": parents.get(code),
        "depth": len(lineage(code, parents)) - 1,
        "rank": None,
        "figures": figures(now or Counter()),
        "previous": figures(then or Counter()),
    }


def rank_peers(entries: list[dict[str, Any]]) -> None:
    """Rank the peers that have a rate, highest first; equal rates share a rank (1, 2, 2, 4)."""
    rated = [e for e in entries if e["level"] == "peer" and e["figures"]["rectification_rate"] is not None]
    rates = sorted((e["figures"]["rectification_rate"] for e in rated), reverse=True)
    for entry in rated:
        entry["rank"] = rates.index(entry["figures"]["rectification_rate"]) + 1


def roll(units: list[dict[str, Any]], on_it: Callable[[float], bool]) -> list[str]:
    """The ranked peers (in rank order) whose rate puts them on a list: 红榜 or 黑榜."""
    return [u["unit"] for u in units if u["rank"] is not None and on_it(u["figures"]["rectification_rate"])]


def unit_name(tree: Mapping[str, Any], code: str) -> str:
    return tree[code]["name"] if code in tree else code
