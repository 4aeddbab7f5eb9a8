"""A rebuild's load in several processes at once (`projections.parts`): this process takes the first part,
processes of their own the others, and the view's position is recorded once every part has reached the head.

The other parts run `python -m service.rebuild_parts`, their settings on standard input: a command of its own
rather than `multiprocessing`, whose processes import the starting program's main module again.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from projections.parts import load_part
from service.config import build_application
from service.read_store import open_view

# A rebuild of fewer events than this loads in one process: starting the others would take longer than they save.
PARTS_FROM = 20_000
PART_COMMAND = [sys.executable, "-m", "service.rebuild_parts"]


def rebuild_processes(settings: dict[str, Any], head: int) -> int:
    """How many processes a rebuild up to `head` loads the view in (1: the projector's own runner alone)."""
    return wanted_processes(settings) if head >= PARTS_FROM else 1


def wanted_processes(settings: dict[str, Any]) -> int:
    """RECTIFY_REBUILD_PROCESSES, or two where there are two CPUs or more; ValueError naming a wrong setting."""
    text = str(settings.get("RECTIFY_REBUILD_PROCESSES") or "").strip()
    if not text:
        return min(2, os.cpu_count() or 1)
    if not text.isdecimal() or int(text) < 1:
        raise ValueError(f"RECTIFY_REBUILD_PROCESSES must be a whole number of processes, 1 or more, not {text!r}")
    return int(text)


class PartFailed(Exception):
    """A process loading a part of a rebuild ended without having loaded it."""


def load_in_parts(
    settings: dict[str, Any], *, head: int, parts: int, stop: threading.Event, say: Callable[[str], None]
) -> bool:
    """Load the view's bare tables up to `head` in `parts` processes, this one included; False if stopped.

    The view's position is then `head`, or, if stopped or failed, still 0: the projector rebuilds it from zero.
    """
    say(f"loading the read model in {parts} processes")
    others: list[subprocess.Popen[bytes]] = []
    try:
        for part in range(1, parts):
            arguments = [*PART_COMMAND, "--head", str(head), "--part", str(part), "--parts", str(parts)]
            process = subprocess.Popen([*arguments, "--parent", str(os.getpid())], stdin=subprocess.PIPE)
            others.append(process)
            assert process.stdin is not None
            with suppress(BrokenPipeError):  # it ended before reading them: its exit status says why, below
                process.stdin.write(json.dumps(settings).encode())
            with suppress(BrokenPipeError):
                process.stdin.close()

        def stopped() -> bool:  # told to, or another part failed: this part's work would be for nothing
            return stop.is_set() or any(process.poll() not in (0, None) for process in others)

        loaded = load_own_part(settings, head, 0, parts, stopped)
        while loaded and any(process.poll() is None for process in others):
            if stop.wait(0.2):
                loaded = False
        failed = [(part, process.returncode) for part, process in enumerate(others, 1) if process.poll()]
        if failed:
            raise PartFailed(
                "the rebuild's load failed in " + ", ".join(f"part {part} (exit {code})" for part, code in failed)
            )
    finally:
        for process in others:
            if process.poll() is None:
                process.terminate()  # stopped: what it wrote is thrown away with the rest by the next rebuild
            process.wait()
    if not loaded:
        return False
    view = open_view(settings)
    try:
        view.loaded_in_parts(head)
    finally:
        view.datastore.close()
    return True


def load_own_part(settings: dict[str, Any], head: int, part: int, parts: int, stopped: Callable[[], bool]) -> bool:
    """Load one part in this process; False if stopped."""
    application = build_application(settings)
    view = open_view(settings)
    try:
        return load_part(
            view, application.store, application.mapper, head=head, part=part, parts=parts, stopped=stopped
        )
    finally:
        view.datastore.close()
        application.close()


def main() -> None:
    """One of the other parts: its settings on standard input; exits 0 once its part is written."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--head", type=int, required=True)
    parser.add_argument("--part", type=int, required=True)
    parser.add_argument("--parts", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    arguments = parser.parse_args()
    die_with(arguments.parent)
    settings = json.loads(sys.stdin.read())
    gc.disable()  # the projection makes no reference cycles: see `service.projector.collector_paused`
    load_own_part(settings, arguments.head, arguments.part, arguments.parts, lambda: False)


def die_with(parent: int) -> None:
    """End this process when the projector that started it ends, however it ends: were it to go on, it would
    write into the tables of the rebuild the next projector starts."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the signal was asked for
        raise SystemExit("the projector that started this part has ended")


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends


if __name__ == "__main__":
    main()
