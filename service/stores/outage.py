"""PostgreSQL while it is away: fail fast with `StoreUnreachable`, so a request gets its 503 instead of a hang.

The library retries an `OperationalError` ten times, and each try waits the whole connect timeout for a
pooled connection: with the store gone a request would take ten times that, and gunicorn would kill the
worker. Once a connection could not be had, this datastore refuses for a short pause without trying (an
error the library does not retry), then lets one request try again, so the service recovers by itself.

Building a recorder must not need the store either, or a worker could not boot while it is away: the
library connects there to look up the composite types its inserts use. That look-up is left to the
first connection handed out.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import DatabaseError, OperationalError
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg_pool import PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

# How long the store is taken for gone after a failed connection (seconds): what `Retry-After` says.
PAUSE = 1.0

# psycopg_pool tries to reconnect after 1, 2, 4 … seconds, so after a minute's outage the pool would wait
# a minute more before it saw the store back. Trying every second instead costs one refused connection a
# second per worker while the store is away, and brings the service back within a second or two.
AttemptWithBackoff.DELAY_BACKOFF = 1.0


class StoreUnreachable(DatabaseError):
    """No connection to the store could be had moments ago; not retried by the library."""


class Breaker:
    """Wraps a datastore's `get_connection`: after a connection timed out, refuse at once for PAUSE seconds."""

    def __init__(self, datastore: PostgresDatastore, pause: float = PAUSE):
        self.datastore = datastore
        self.get_connection: Callable[[], AbstractContextManager[Any]] = datastore.get_connection
        self.pause = pause
        self.refuse_until = 0.0

    def register_later(self) -> None:
        """Instead of the library's type look-up when a recorder is built: done on each connection handed out."""

    def register_missing_types(self, connection: Any) -> None:
        datastore = self.datastore
        for name in datastore.db_type_names - set(datastore.psycopg_type_adapters):
            info = CompositeInfo.fetch(connection, f"{datastore.schema}.{name}")
            if info is not None:
                register_composite(info, connection)
                datastore.psycopg_type_adapters[name] = info
                datastore.psycopg_python_types[name] = info.python_type

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if time.monotonic() < self.refuse_until:
            raise StoreUnreachable("the event store was unreachable moments ago")
        try:
            with self.get_connection() as connection:
                self.register_missing_types(connection)
                yield connection
        except OperationalError as error:
            if not isinstance(error.__cause__, PoolTimeout):
                raise  # a query's own failure (a lock timeout, a dropped connection): the library may retry it
            if not self.server_answers():  # every pooled connection busy is no reason to turn others away
                self.refuse_until = time.monotonic() + self.pause
            raise StoreUnreachable("no connection to the event store could be had") from error

    def server_answers(self) -> bool:
        """Whether the server takes a TCP connection at all (a full pool and a store gone both time out)."""
        kwargs = self.datastore.pool.kwargs
        kwargs = (kwargs() if callable(kwargs) else kwargs) or {}
        try:
            socket.create_connection((kwargs.get("host"), int(kwargs.get("port") or 5432)), timeout=1).close()
        except OSError:
            return False
        return True


class RectifyPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, whose datastore needs no connection to be built and fails fast."""

    def __init__(self, env: Any):
        super().__init__(env)
        breaker = Breaker(self.datastore)
        self.datastore.get_connection = breaker.connection  # type: ignore[method-assign]
        self.datastore.register_type_adapters = breaker.register_later  # type: ignore[method-assign]
