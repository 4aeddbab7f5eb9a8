"""The table printed at the end: every figure, its target and whether it is met."""

from __future__ import annotations

import unicodedata
from typing import Any

from bench.measure import Latency, Rebuild, Throughput

HEADERS = ("store", "figure", "value", "target", "verdict")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.notes: list[str] = []
        self.missed = 0

    def history(self, kind: str, size: Any, history: dict[str, Any], disk: dict[str, int]) -> None:
        commands = ", ".join(f"{name} {count}" for name, count in sorted(history["commands"].items()))
        self.notes.append(
            f"{kind}: {size.findings} findings, {size.units} units, {history['events']:,} events in the log "
            f"({history['finding_events']:,} of findings: {commands}); generated in {history['generation_seconds']} s "
            f"on {history['generated_on']}; events on disk {mb(disk['events'])}"
        )

    def sizes(self, kind: str, disk: dict[str, int]) -> None:
        self.notes.append(
            f"{kind}: after the rebuild, events {mb(disk['events'])}, read model {mb(disk['read model'])}"
        )

    def throughput(self, kind: str, read: Throughput, built: Rebuild, ratio: float) -> None:
        self.rows.append(
            (kind, "read + decode", f"{read.rate:,.0f} ev/s", "", f"{read.events:,} ev in {read.seconds:.2f} s")
        )
        for label, rate, seconds in (
            ("rebuild (whole command)", built.rate, built.seconds),
            ("rebuild (until caught up)", built.projecting_rate, built.caught_up),
        ):
            share = rate / read.rate
            verdict = self.verdict(share >= ratio)
            target = f">= {ratio * read.rate:,.0f} ev/s"
            self.rows.append(
                (kind, label, f"{rate:,.0f} ev/s", target, f"{share:.2f} of read ({seconds:.1f} s) {verdict}")
            )

    def latency(self, kind: str, name: str, latency: Latency, target_ms: float) -> None:
        value = f"median {latency.median:,.0f} ms, p95 {latency.p95:,.0f} ms (first {latency.first:,.0f} ms)"
        verdict = self.verdict(latency.p95 < target_ms)
        ratio = f"{latency.median / target_ms:.2f}x target, size {latency.size:,} {verdict}"
        self.rows.append((kind, name, value, f"< {target_ms:.0f} ms", ratio))

    def verdict(self, met: bool) -> str:
        self.missed += not met
        return "OK" if met else "MISSED"

    def render(self) -> str:
        rows = [HEADERS, *self.rows]
        widths = [max(width(row[i]) for row in rows) for i in range(len(HEADERS))]
        lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([*self.notes, "", *lines])


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))
