"""Commands on a store already holding a history (`bench.command_size`), on small histories: each size's kept
history is copied, never changed, the copy caught up before the load, and both sizes loaded by turns."""

from __future__ import annotations

import os

import pytest

from bench import stores
from bench.command_size import TARGET, arguments, copy_name, copy_settings, measure_sizes, report
from bench.stores import Size, _connect
from service.config import build_application, load_settings
from service.projector import status
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.long  # a fault or load run: `make test-long`

BASE, STORED, UNITS = 12, 40, 100  # 100 units: the tree has the branches B01…B04 the load's unit users act for


def head(kind: str, size: Size) -> int:
    settings = load_settings({"RECTIFY_DATABASE_URL": stores.store_url(kind, size, POSTGRES_URL)})
    application = build_application(settings)
    try:
        return application.recorder.max_notification_id() or 0
    finally:
        application.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_both_sizes_are_loaded_on_copies_caught_up_and_the_kept_histories_stay_as_they_were(
    kind, request, tmp_path, monkeypatch, capsys
):
    if kind == "postgres":
        request.getfixturevalue("postgres_available")
    monkeypatch.setattr(stores, "ROOT", tmp_path / "bench")
    seed = 10_000 + os.getpid()  # schema names of this process's own
    args = arguments(
        f"--store {kind} --base {BASE} --stored {STORED} --units {UNITS} --seed {seed} --seconds 1 --warmup 0.3"
        f" --rounds 2 --settle 1 --findings-per-client 3 --postgres-url {POSTGRES_URL}".split()
    )
    sizes = [Size(BASE, UNITS, seed=seed), Size(STORED, UNITS, seed=seed)]
    try:
        result = measure_sizes(kind, args)
        kept = {size.findings: head(kind, size) for size in sizes}
        after = [status(copy_settings(kind, size, POSTGRES_URL)) for size in sizes]
    finally:
        if kind == "postgres":
            with _connect(POSTGRES_URL) as connection:
                for size in sizes:
                    connection.execute(f'DROP SCHEMA IF EXISTS "{size.name}" CASCADE')
                    connection.execute(f'DROP SCHEMA IF EXISTS "{copy_name(size)}" CASCADE')
    for findings, figures in result["sizes"].items():
        assert figures["events"] == kept[findings] > findings  # the kept history: as generated, nothing added
        assert figures["command_rate"] > 0 and figures["ceiling_rate"] > 0 and figures["cpu_ms_per_command"] > 0
        assert not figures["failures"], figures["errors"]
        position, log_head = figures["caught_up"]  # before the load: the history and the load's 24 findings
        assert position == log_head > figures["events"] + 24
    assert kept[STORED] > kept[BASE]
    for size, copied in zip(sizes, after, strict=True):
        # The copy holds the history, the load's 24 findings and its commands, and its view followed them.
        assert copied["head"] > kept[size.findings] + 24 and copied["current"], copied
    assert result["ratio"] == result["sizes"][STORED]["command_rate"] / result["sizes"][BASE]["command_rate"]
    assert report([result], args) is (result["ratio"] >= TARGET)  # no failures, asserted above
    printed = capsys.readouterr().out
    verdict = "met" if result["ratio"] >= TARGET else "MISSED"
    assert f"commands/s at {STORED} ÷ at {BASE} = {result['ratio']:.3f} (target ≥ {TARGET}: {verdict})" in printed
    header, *rows = [line for line in printed.splitlines() if line.startswith(("store ", f"{kind} "))]
    assert header.startswith("store ") and len(rows) == 2, printed
    for row in rows:  # every figure printed under a heading of its own, in columns of the same width
        assert len(row) == len(header), (header, row)
