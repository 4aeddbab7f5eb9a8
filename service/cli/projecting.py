"""`rectify project`: feed the read model from the log, rebuild it, or say how far behind it is."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from typing import Any

from service.cli.common import CommandError
from service.config import load_settings


def add_parser(commands: Any) -> None:
    """The `project` command and its options."""
    parser = commands.add_parser("project", help="run the projector that feeds the read model")
    parser.add_argument("--rebuild", action="store_true", help="empty the read model and rebuild it from zero")
    parser.add_argument("--status", action="store_true", help="print each view's position and lag, then exit")
    parser.add_argument(
        "--until-caught-up", action="store_true", help="exit once the view has reached the end of the log"
    )
    parser.set_defaults(handler=project)


def project(args: argparse.Namespace) -> int:
    """Run the projector until SIGTERM or Ctrl-C (a second projector waits for the first)."""
    from service.projector import ProjectorLockLost, run_projector, status
    from service.rebuild_parts import PartFailed, wanted_processes

    settings = load_settings()
    try:
        wanted_processes(settings)  # a wrong setting is said now, not when a rebuild comes
    except ValueError as wrong:
        raise CommandError(str(wrong)) from None
    if args.status:
        figures = status(settings)
        print(f"ReadModel: position {figures['position']}, log at {figures['head']}, lag {figures['lag']}")
        if not figures["current"]:
            print("ReadModel: built in another version's layout; the projector rebuilds it when it next starts")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if parent := os.environ.get("RECTIFY_PROJECTOR_PARENT", "").strip():
        watch_parent(int(parent), stop)
    try:
        run_projector(
            settings,
            stop,
            say=lambda line: print(line, flush=True),
            rebuild=args.rebuild,
            until_caught_up=args.until_caught_up,
        )
    except ProjectorLockLost as lost:  # exit with an error, so that what supervises this process starts it again
        raise CommandError(f"{lost}; stopping, as another projector may feed the read model now") from None
    except PartFailed as failed:  # the part's own error is on stderr above; the next start rebuilds from zero
        raise CommandError(f"{failed}; the read model is rebuilt from zero when the projector next starts") from None
    return 0


# How often a supervised projector looks for its parent, and how long it then has to stop before it is ended.
PARENT_CHECK_EVERY = 0.5
STOP_GRACE = 5.0


def watch_parent(parent: int, stop: threading.Event) -> None:
    """Stop when the process that started this one is gone (`rectify serve`'s master, SIGKILLed say).

    An orphan would keep the projector lock, and the next server's projector would wait on it for ever.
    Once orphaned, a process's parent becomes another (init or a subreaper), which `getppid` shows.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_EVERY)
        print(f"parent process {parent} is gone: stopping", flush=True)
        stop.set()
        time.sleep(STOP_GRACE)
        os._exit(1)  # still here (waiting on the lock, say): nothing is half written that a restart redoes

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
