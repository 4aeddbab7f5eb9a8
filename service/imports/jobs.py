"""Import jobs' progress and results, kept in a small table beside the events so any worker answers for any job.

The job itself runs in a thread of the worker that took the upload; the table is how every other worker
(and host) learns how far it got. A job that stops being updated for JOB_STALLED seconds lost its worker.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

JOB_STALLED = timedelta(minutes=5)
SQLITE_TABLE = "import_jobs"
POSTGRES_TABLE = "rectify_import_jobs"


class ImportJobs:
    """Jobs by id, as JSON: status, progress, and the result once finished."""

    def __init__(self, recorder: Any):
        self.datastore = getattr(recorder, "datastore", None)
        self.postgres = hasattr(self.datastore, "schema")
        self.memory: dict[str, str] = {}  # the in-memory store of the unit tests has no tables
        self.created = False
        self.lock = threading.Lock()

    def save(self, job: dict[str, Any]) -> None:
        """Record the job's state, replacing what was there."""
        state = json.dumps(job, ensure_ascii=False)
        if self.datastore is None:
            self.memory[job["id"]] = state
            return
        with self.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    f"INSERT INTO {self.table} (id, state) VALUES (%s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state",
                    (job["id"], state),
                )
            else:
                cursor.execute(f"INSERT OR REPLACE INTO {self.table} (id, state) VALUES (?, ?)", (job["id"], state))

    def get(self, id: UUID) -> dict[str, Any] | None:
        """The job's state, or None when there is no such job."""
        if self.datastore is None:
            state = self.memory.get(str(id))
        else:
            with self.cursor() as cursor:
                cursor.execute(f"SELECT state FROM {self.table} WHERE id = {self.mark}", (str(id),))
                row = cursor.fetchone()
            state = row["state"] if row else None
        return json.loads(state) if state else None

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` jobs submitted, newest first."""
        if self.datastore is None:
            states = list(self.memory.values())
        else:
            submitted = "(state::json ->> 'submitted_at')" if self.postgres else "json_extract(state, '$.submitted_at')"
            with self.cursor() as cursor:
                cursor.execute(f"SELECT state FROM {self.table} ORDER BY {submitted} DESC LIMIT {self.mark}", (limit,))
                states = [row["state"] for row in cursor.fetchall()]
        jobs = [json.loads(state) for state in states]
        return sorted(jobs, key=lambda job: job["submitted_at"], reverse=True)[:limit]

    @property
    def table(self) -> str:
        assert self.datastore is not None
        return f'"{self.datastore.schema}".{POSTGRES_TABLE}' if self.postgres else SQLITE_TABLE

    @property
    def mark(self) -> str:
        return "%s" if self.postgres else "?"

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor in a transaction that commits; the table is made the first time (it is small and optional)."""
        assert self.datastore is not None
        if not self.created:
            self.create_table()
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    def create_table(self) -> None:
        assert self.datastore is not None
        statement = f"CREATE TABLE IF NOT EXISTS {self.table} (id TEXT PRIMARY KEY, state TEXT NOT NULL)"
        with self.lock:
            for attempt in range(3):  # two workers creating it at once in PostgreSQL: one of them fails, once
                try:
                    with self.datastore.transaction(commit=True) as cursor:
                        cursor.execute(statement)
                    break
                except PersistenceError:
                    if attempt == 2:
                        raise
            self.created = True


def interrupted(job: dict[str, Any], now: datetime) -> bool:
    """Whether a running job has not moved for JOB_STALLED: its worker stopped, and it will not finish."""
    return job["status"] == "running" and now - datetime.fromisoformat(job["updated_at"]) > JOB_STALLED
