"""`rectify project`: feed the read model from the log, rebuild it, or say how far behind it is."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

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
    from service.projector import run_projector, status

    settings = load_settings()
    if args.status:
        figures = status(settings)
        print(f"ReadModel: position {figures['position']}, log at {figures['head']}, lag {figures['lag']}")
        if not figures["current"]:
            print("ReadModel: built in another version's layout; the projector rebuilds it when it next starts")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_projector(
        settings, stop, lambda line: print(line, flush=True), rebuild=args.rebuild, until_caught_up=args.until_caught_up
    )
    return 0
