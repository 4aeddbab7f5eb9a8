"""The projector as it was before the read side's work at 200,000 findings, rebuilt in the same run.

The projector's target halves its CPU over a rebuild, as a multiple of a plain
read's CPU of the same records. That multiple moves with the machine (commit
b3aa6df's was 9.2 on one machine and 11 on another), so the projector of that
commit is rebuilt here, in the same run and on the same history, and its
multiple is the one halved. Its tree is exported with `git archive` into a
temporary directory, the store's events and seals are copied beside it (SQLite's
backup, so a write-ahead log not yet checkpointed comes too; the commit builds
its own view), and the commit's own `bench.measure.rebuild` runs there, in a
process of its own that imports the commit's code. SQLite only: a copy of a
PostgreSQL schema of a million events would take longer than the rebuilds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.history import Say
from bench.measure import Rebuild
from service.read_store import seals_path
from service.stores import sqlite_path

BEFORE = "b3aa6df"  # the last commit before the read side was reworked for 200,000 findings
ROOT = Path(__file__).resolve().parent.parent

# Run in the commit's tree: its settings, its projector, its own timing of a rebuild.
REBUILD = """
import json, sys
from service.config import load_settings
from bench.measure import rebuild
settings = load_settings({"RECTIFY_DATABASE_URL": sys.argv[1], "RECTIFY_WARN_EVERY": "0"})
built = rebuild(settings, lambda message: None)
print(json.dumps([built.events, built.seconds, built.cpu_seconds, built.caught_up]))
"""


class BeforeUnavailable(Exception):
    """The commit's tree could not be had (no git, or a clone without that commit's history)."""


def rebuilds_before(settings: dict[str, Any], runs: int, say: Say) -> list[Rebuild]:
    """`runs` rebuilds by the projector of BEFORE over a copy of this SQLite store's events and seals."""
    with tempfile.TemporaryDirectory(prefix="rectify-before-") as directory:
        tree, store = Path(directory, "tree"), Path(directory, "store")
        export(tree)
        url = copy_store(settings["RECTIFY_DATABASE_URL"], store)
        built = []
        for n in range(runs):
            built.append(rebuild_in(tree, url))
            done = f"{built[-1].events} events, CPU {built[-1].cpu_seconds:.1f} s (rebuild {n + 1} of {runs})"
            say(f"sqlite: commit {BEFORE} rebuilt {done}")
        return built


def export(tree: Path) -> None:
    """The commit's files, as `git archive` gives them, in `tree`."""
    archive = Path(tree.parent, "tree.tar")
    try:
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", f"--output={archive}", BEFORE],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise BeforeUnavailable(f"git archive {BEFORE} failed: {error}") from error
    tree.mkdir()
    with tarfile.open(archive) as files:
        files.extractall(tree, filter="data")


def copy_store(url: str, store: Path) -> str:
    """Copy the events and the seals of the store at `url` into `store`; the URL of the copy."""
    store.mkdir()
    events = sqlite_path(url)
    copied = f"sqlite:///{store / events.name}"
    for source, target in ((events, sqlite_path(copied)), (seals_path(url), seals_path(copied))):
        if source.exists():
            with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
                original.backup(copy)
    return copied


def rebuild_in(tree: Path, url: str) -> Rebuild:
    """One rebuild by the commit's own code, in a process of its own that imports it."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", REBUILD, url], cwd=tree, env=env, check=True, capture_output=True, text=True
    )
    events, seconds, cpu_seconds, caught_up = json.loads(done.stdout.strip().splitlines()[-1])
    return Rebuild(events, seconds, cpu_seconds, caught_up)
