"""PostgreSQL while it is away: fail fast with `StoreUnreachable`, so a request gets its 503 instead of a hang.

The library retries an `OperationalError` ten times, and each try waits the whole connect timeout for a
pooled connection: with the store gone a request would take ten times that, and gunicorn would kill the
worker. Once a connection could not be had, this datastore refuses for a short pause without trying (an
error the library does not retry), then lets one request try again, so the service recovers by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import DatabaseError, OperationalError
from eventsourcing.postgres import PostgresFactory
from psycopg_pool import PoolTimeout

# How long the store is taken for gone after a failed connection (seconds): what `Retry-After` says.
PAUSE = 1.0


class StoreUnreachable(DatabaseError):
    """No connection to the store could be had moments ago; not retried by the library."""


class Breaker:
    """Wraps a datastore's `get_connection`: after a connection timed out, refuse at once for PAUSE seconds."""

    def __init__(self, get_connection: Callable[[], AbstractContextManager[Any]], pause: float = PAUSE):
        self.get_connection = get_connection
        self.pause = pause
        self.refuse_until = 0.0

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if time.monotonic() < self.refuse_until:
            raise StoreUnreachable("the event store was unreachable moments ago")
        try:
            with self.get_connection() as connection:
                yield connection
        except OperationalError as error:
            if not isinstance(error.__cause__, PoolTimeout):
                raise  # a query's own failure (a lock timeout, a dropped connection): the library may retry it
            self.refuse_until = time.monotonic() + self.pause
            raise StoreUnreachable("the event store is unreachable") from error


def _skip_type_adapters() -> None:
    """The composite types serve only the library's database functions, which this service leaves off."""


class RectifyPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, whose datastore needs no connection to be built and fails fast."""

    def __init__(self, env: Any):
        super().__init__(env)
        datastore = self.datastore
        # The library connects while building a recorder only to register composite types (see above):
        # skipping it lets a worker boot while the store is away.
        datastore.register_type_adapters = _skip_type_adapters  # type: ignore[method-assign]
        datastore.get_connection = Breaker(datastore.get_connection).connection  # type: ignore[method-assign]
