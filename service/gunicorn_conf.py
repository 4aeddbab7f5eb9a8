"""Gunicorn settings for `rectify serve`; the bind address and worker count come from its command line."""

import os
import subprocess
import sys
from typing import Any

# Each worker imports `wsgi` after the fork and builds its own application and store
# connections; a preloaded app would share one connection pool between processes.
preload_app = False

worker_class = "sync"

# A request that takes longer than this is stuck (a store lock, a runaway report).
timeout = 30

# On SIGTERM, requests in flight get this long to finish before workers are killed.
graceful_timeout = 10

# Access log on stdout, errors on stderr, as a process manager or container expects.
accesslog = "-"
errorlog = "-"

# gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# two services of one user would fight over it, and nothing here uses it (older versions ignore this name).
control_socket_disable = True


# The projector runs beside the workers: started once the master is ready, stopped when it exits.
# It is a process of its own (not a worker thread) so exactly one feeds the read model, whatever the
# number of workers; a second `rectify serve` on the same store finds its projector waiting on the lock.
_projector: dict[str, subprocess.Popen[bytes]] = {}


def when_ready(server: Any) -> None:
    if os.environ.get("RECTIFY_SERVE_PROJECTOR", "1") == "0":
        return
    _projector["process"] = subprocess.Popen([sys.executable, "-m", "service.cli", "project"])
    server.log.info("projector started (pid %s)", _projector["process"].pid)


def on_exit(server: Any) -> None:
    process = _projector.pop("process", None)
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    server.log.info("projector stopped")
