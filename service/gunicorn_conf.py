"""Gunicorn settings for `rectify serve`; the bind address and worker count come from its command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

# Each worker imports `wsgi` after the fork and builds its own application and store
# connections; a preloaded app would share one connection pool between processes.
preload_app = False

# Threaded workers: a sync worker reads one request at a time, so a few clients that send half a request
# and wait hold every worker. A gthread worker waits for a connection's first bytes in its event loop and
# keeps idle keep-alive connections there, so only clients that are mid-request take a thread; with
# `threads` per worker, dozens of slow clients still leave threads free. gevent would take any number, but
# its monkey-patching does not reach SQLite's C calls nor psycopg's C wait loop, and threads need no
# patching: the application, its connection pool and SQLite connections are all thread-safe.
worker_class = "gthread"
threads = int(os.environ.get("RECTIFY_THREADS", "64"))

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

# A projector that keeps exiting is started again after 1, 2, 4 … up to this many seconds; one that ran
# longer than STEADY seconds counts as having worked, and the next restart waits a second again.
MAX_BACKOFF = 10.0
STEADY = 30.0


class ProjectorSupervisor:
    """Runs `rectify project` beside the workers, restarting it whenever it exits, until the master stops.

    One projector, not a thread in each worker, so exactly one feeds the read model. It is told the master's
    pid and exits when the master dies (see service/cli/projecting.py), so no orphan keeps the lock.
    """

    def __init__(self, log: Any):
        self.log = log
        self.stopping = threading.Event()
        # Held while the projector is being started. Popen waits on a pipe until the new process has
        # exec'd; a worker forked by the master's main thread meanwhile would inherit that pipe and hold it
        # open for its whole life, leaving this thread stuck in Popen. The master waits here before each fork.
        self.spawning = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.thread = threading.Thread(target=self.supervise, name="projector-supervisor", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def supervise(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            env = {**os.environ, "RECTIFY_PROJECTOR_PARENT": str(os.getpid())}
            with self.spawning:
                self.process = subprocess.Popen([sys.executable, "-m", "service.cli", "project"], env=env)
            self.log.info("projector started (pid %s)", self.process.pid)
            # gunicorn's SIGCHLD handler may reap it first: then wait() sees no status, and says 0.
            code = self.process.wait()
            if self.stopping.is_set():
                return
            backoff = 1.0 if time.monotonic() - started > STEADY else backoff
            self.log.warning("projector (pid %s) exited with %s; restarting in %.0f s", self.process.pid, code, backoff)
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        self.log.info("projector stopped")


# The supervisor is kept on gunicorn's arbiter, not in this module: a HUP reloads this file, and the
# hooks must still find the supervisor that is running.
SUPERVISOR = "rectify_projector_supervisor"


def pre_fork(server: Any, worker: Any) -> None:
    supervisor = getattr(server, SUPERVISOR, None)
    if supervisor is not None:
        with supervisor.spawning:
            pass


def when_ready(server: Any) -> None:
    if os.environ.get("RECTIFY_SERVE_PROJECTOR", "1") == "0":
        return
    supervisor = ProjectorSupervisor(server.log)
    setattr(server, SUPERVISOR, supervisor)
    supervisor.start()


def on_exit(server: Any) -> None:
    supervisor = getattr(server, SUPERVISOR, None)
    if supervisor is not None:
        supervisor.stop()
