"""The table printed at the end: every figure, its target, and whether it is met."""

from __future__ import annotations

import os
import platform
import unicodedata
from importlib.metadata import version
from typing import Any

from bench.measure import CommandRun, Latency, PageLatency, Rebuild, Throughput

HEADERS = ("store", "figure", "value", "target", "against the target")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.notes: list[str] = [machine()]
        self.missed = 0

    def note(self, text: str) -> None:
        self.notes.append(text)

    def history(self, kind: str, size: Any, history: dict[str, Any], disk: dict[str, int]) -> None:
        commands = ", ".join(f"{name} {count}" for name, count in sorted(history["commands"].items()))
        self.note(
            f"{kind}: {size.findings:,} findings, {size.units} units, {history['events']:,} events in the log, "
            f"{history['finding_events']:,} of them findings' ({commands}); generated in "
            f"{history['generation_seconds']} s on {history['generated_on']}; on disk: events {mb(disk['events'])}, "
            f"read model {mb(disk['read model'])}, seals {mb(disk.get('seals', 0))}"
        )

    def throughput(self, kind: str, read: Throughput, built: Rebuild, ratio: float) -> None:
        cpu = f"{read.events:,} events in {read.seconds:.2f} s; CPU {read.cpu_rate:,.0f} ev/s"
        self.rows.append((kind, "read + decode", f"{read.rate:,.0f} ev/s", "", cpu))
        for label, rate, seconds in (
            ("rebuild (whole command)", built.rate, built.seconds),
            ("rebuild (until caught up)", built.caught_up_rate, built.caught_up),
        ):
            share = rate / read.rate
            verdict = f"{share:.2f} of read ({seconds:.1f} s) {self.verdict(share >= ratio)}"
            self.rows.append((kind, label, f"{rate:,.0f} ev/s", f">= {ratio * read.rate:,.0f} ev/s", verdict))
        cpu_share = built.cpu_rate / read.cpu_rate
        cpu = f"{built.cpu_rate:,.0f} ev/s"
        self.rows.append((kind, "rebuild, CPU time of this process", cpu, "", f"{cpu_share:.2f} of read's"))

    def projector_cpu(self, kind: str, built: Rebuild, plain: Throughput, before: float | None) -> None:
        """The projector's CPU time over a rebuild, as a multiple of a plain read's of the same records (`plain`,
        no decoding), beside what that multiple was for commit b3aa6df (None: not known). A figure, not a target:
        `bench.following` judges the projector's CPU per event where it competes with the workers."""
        multiple = built.cpu_seconds / plain.cpu_seconds
        value = f"{multiple:.1f}x a plain read ({built.cpu_seconds * 1e6 / built.events:,.1f} ms per 1000 events)"
        name = "projector CPU (rebuild) / plain read CPU"
        beside = f"{multiple / before:.2f} of b3aa6df's {before:.1f}x (same run)" if before else "no earlier figure"
        self.rows.append((kind, name, value, "", f"{beside}; judged following commands (bench.following)"))

    def peak_memory(self, kind: str, name: str, run: CommandRun, limit: float) -> None:
        verdict = f"{run.peak_rss / limit:.2f} of the limit {self.verdict(run.peak_rss < limit)}"
        self.rows.append((kind, name, mb(run.peak_rss), f"< {mb(int(limit))}", verdict))

    def seals(self, kind: str, sealed: Throughput, read: Throughput, verified: Throughput, ratio: float) -> None:
        """Sealing the whole history from zero, and checking it against a plain read of the same stored records."""
        done = f"{sealed.events:,} records in {sealed.seconds:.1f} s; CPU {sealed.cpu_rate:,.0f} ev/s"
        self.rows.append((kind, "seal the history from zero (Sealer)", f"{sealed.rate:,.0f} ev/s", "", done))
        cpu = f"{read.events:,} records in {read.seconds:.2f} s; CPU {read.cpu_rate:,.0f} ev/s"
        self.rows.append((kind, "read stored records (no hashing)", f"{read.rate:,.0f} ev/s", "", cpu))
        share = verified.rate / read.rate
        verdict = f"{share:.2f} of read ({verified.seconds:.2f} s) {self.verdict(share >= ratio)}"
        target = f">= {ratio * read.rate:,.0f} ev/s"
        self.rows.append((kind, "verify (in process)", f"{verified.rate:,.0f} ev/s", target, verdict))
        cpu_share = verified.cpu_rate / read.cpu_rate
        cpu = f"{verified.cpu_rate:,.0f} ev/s"
        self.rows.append((kind, "verify, CPU time of this process", cpu, "", f"{cpu_share:.2f} of read's"))

    def command(self, kind: str, name: str, run: CommandRun, idle: CommandRun, detail: str = "") -> None:
        """A command's time and peak memory, and how much more memory than an idle command (`--status`)."""
        value = f"{run.seconds:.1f} s{detail}, peak memory {mb(run.peak_rss)}"
        against = f"{mb(run.peak_rss - idle.peak_rss)} above an idle command's {mb(idle.peak_rss)}"
        self.rows.append((kind, name, value, "", against))

    def latency(self, kind: str, name: str, latency: Latency, target_ms: float) -> None:
        value = f"median {latency.median:,.0f} ms, p95 {latency.p95:,.0f} ms (first {latency.first:,.0f})"
        verdict = (
            f"median {latency.median / target_ms:.2f}x, size {latency.size:,} {self.verdict(latency.p95 < target_ms)}"
        )
        self.rows.append((kind, name, value, f"p95 < {target_ms:.0f} ms", verdict))

    def page(
        self, kind: str, name: str, latency: PageLatency | None, status: int, floor: PageLatency, target_ms: float
    ) -> None:
        """A console page: its times, and its medians as multiples of the cheapest request's; or not built."""
        if latency is None:
            self.rows.append((kind, name, f"not built (answered {status})", f"p95 < {target_ms:.0f} ms", ""))
            return
        value = (
            f"median {latency.median:,.0f} ms, p95 {latency.p95:,.0f} ms (first {latency.first:,.0f}); "
            f"CPU {latency.cpu_median:,.1f} ms"
        )
        verdict = (
            f"{latency.median / floor.median:,.0f}x /healthz's {floor.median:.1f} ms "
            f"(CPU {latency.cpu_median / max(floor.cpu_median, 0.001):,.0f}x), {latency.size / 1000:,.0f} kB "
            f"{self.verdict(latency.p95 < target_ms)}"
        )
        self.rows.append((kind, name, value, f"p95 < {target_ms:.0f} ms", verdict))

    def verdict(self, met: bool) -> str:
        self.missed += not met
        return "ok" if met else "MISSED"

    def render(self) -> str:
        rows = [HEADERS, *self.rows]
        widths = [max(width(row[i]) for row in rows) for i in range(len(HEADERS))]
        lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([*self.notes, "", *lines])


def machine() -> str:
    """What the figures were taken on: they mean little without it."""
    import psycopg

    return (
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, eventsourcing "
        f"{version('eventsourcing')}, psycopg {psycopg.__version__} ({psycopg.pq.__impl__} implementation)"
    )


def load() -> str:
    return "load average " + " ".join(f"{n:.2f}" for n in os.getloadavg())


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))
