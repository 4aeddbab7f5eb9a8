"""Telling the subscriptions of a process that another process has committed to a SQLite file.

A subscription of a SQLite log cannot be told of a commit by the process that
made it, so it reads the log again when something has been committed. Each
subscription used to find out by reading the log every 20 ms: a projector's two
(the read model's and the sealer's) woke a hundred times a second, a third of
its CPU at forty commands a second (3.6% of a CPU idle, 10.8% under that load,
timed once by hand). Now one thread per file and process asks
SQLite every 20 ms whether anything was committed to the file since it last
asked (`PRAGMA data_version`, on a connection of its own: no transaction, no
page read) and wakes the subscriptions following it only when so. It stops
once no subscription follows the file.

The number changes once the commit can be read, so a subscription woken reads
it; a commit during its read wakes it once more (it clears its wake-up before
reading, see `PollingSubscription`), and none is missed.

(The kernel's inotify would wake the thread only when the file is written, but
a commit is written to the write-ahead log before readers can see it: a
subscription woken then could read nothing and wait for the next commit.)
"""

from __future__ import annotations

import sqlite3
import threading
import time

POLL_INTERVAL = 0.02


class FileWatch:
    """Wakes the events that follow it whenever something was committed to the SQLite file `db_name` (named
    as the library's pool names it: a path or a `file:` URI)."""

    _watches: dict[str, FileWatch] = {}
    _watches_lock = threading.Lock()

    def __init__(self, db_name: str):
        self.db_name = db_name
        self.listeners: set[threading.Event] = set()

    @classmethod
    def follow(cls, db_name: str, woken: threading.Event) -> None:
        """Set `woken` whenever something was committed to the file, until `leave`."""
        with cls._watches_lock:
            watch = cls._watches.get(db_name)
            if watch is None:
                watch = cls._watches[db_name] = FileWatch(db_name)
                threading.Thread(target=watch._run, name="sqlite-file-watch", daemon=True).start()
            watch.listeners.add(woken)

    @classmethod
    def leave(cls, db_name: str, woken: threading.Event) -> None:
        with cls._watches_lock:
            watch = cls._watches.get(db_name)
            if watch is not None:
                watch.listeners.discard(woken)

    def _wake(self) -> None:
        with self._watches_lock:
            listeners = list(self.listeners)
        for woken in listeners:
            woken.set()

    def _still_followed(self) -> bool:
        """Whether a subscription still follows the file; if none does, the watch ends (decided under the lock,
        so a subscription that comes meanwhile makes a new one)."""
        with self._watches_lock:
            if self.listeners:
                return True
            del self._watches[self.db_name]
            return False

    def _run(self) -> None:
        probe = sqlite3.connect(self.db_name, uri=True, check_same_thread=False, isolation_level=None)
        try:
            version = None
            while self._still_followed():
                try:
                    now = probe.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    now = None  # the subscriptions' own reads say what is wrong
                if now != version or now is None:
                    version = now
                    self._wake()
                time.sleep(POLL_INTERVAL)
        finally:
            probe.close()
