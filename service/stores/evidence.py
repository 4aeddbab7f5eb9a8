"""Files of evidence (佐证材料) in the event store's own database, content-addressed by sha256.

The bytes are kept as chunk rows under a content id, and a file row names the
content by its sha256: written in one transaction, hashed while the chunks are
written, so a file row always names complete bytes and nothing is held whole in
memory. The same bytes again write nothing (the transaction is rolled back).
Both stores share this code; each gives its own statements (`EvidenceStatements`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from psycopg.sql import SQL, Composed, Identifier

CHUNK_SIZE = 256 * 1024  # bytes a chunk row holds
FILES_PAGE = 500  # file rows a listing reads at a time


@dataclass(frozen=True)
class StoredFile:
    """Bytes as stored: their sha256 and size, and whether this write stored them (False: they were there)."""

    sha256: str
    size: int
    new: bool = True


class EvidenceStatements(NamedTuple):
    """The SQL of one store, each with positional parameters in the order the comment says."""

    insert_chunk: Any  # content id, sequence number, bytes
    insert_file: Any  # sha256, size, content id; answers the sha256 when it was not stored before
    select_file: Any  # sha256 -> size, content id
    select_chunk: Any  # content id, sequence number -> data
    select_files_after: Any  # sha256, limit -> sha256, size, content id in sha256 order


class EvidenceStore(Protocol):
    """What the application needs to keep and read files of evidence."""

    def put_evidence(self, chunks: Iterable[bytes]) -> StoredFile: ...

    def evidence_size(self, sha256: str) -> int | None: ...

    def evidence_chunks(self, sha256: str) -> Iterator[bytes]: ...

    def stored_evidence(self) -> Iterator[tuple[str, int]]: ...


class _AlreadyStored(Exception):
    """Rolls back the chunks of bytes that were stored already."""

    def __init__(self, file: StoredFile):
        super().__init__(file.sha256)
        self.file = file


class EvidenceTables:
    """Evidence in two tables beside the events, for a recorder whose datastore has `transaction(commit=)`."""

    datastore: Any
    evidence_sql: EvidenceStatements

    def put_evidence(self, chunks: Iterable[bytes]) -> StoredFile:
        """Store bytes given in chunks, hashing them as they are written; the same bytes again store nothing."""
        digest, size, content = hashlib.sha256(), 0, secrets.randbits(62)
        try:
            with self.datastore.transaction(commit=True) as c:
                for number, chunk in enumerate(rechunked(chunks)):
                    digest.update(chunk)
                    size += len(chunk)
                    c.execute(self.evidence_sql.insert_chunk, (content, number, chunk))
                file = StoredFile(digest.hexdigest(), size)
                c.execute(self.evidence_sql.insert_file, (file.sha256, size, content))
                if c.fetchone() is None:
                    raise _AlreadyStored(StoredFile(file.sha256, size, new=False))
        except _AlreadyStored as stored:
            return stored.file
        return file

    def _file(self, sha256: str) -> tuple[int, int] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.evidence_sql.select_file, (sha256,))
            row = c.fetchone()
        return (int(row["size"]), int(row["content_id"])) if row else None

    def evidence_size(self, sha256: str) -> int | None:
        """The size of the stored bytes with this sha256 (None: not stored)."""
        file = self._file(sha256)
        return file[0] if file else None

    def evidence_chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored bytes with this sha256, a chunk at a time, each read in a short transaction of its own."""
        file = self._file(sha256)
        if file is None:
            return
        number = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(self.evidence_sql.select_chunk, (file[1], number))
                row = c.fetchone()
            if row is None:
                return
            yield bytes(row["data"])
            number += 1

    def stored_evidence(self) -> Iterator[tuple[str, int]]:
        """Every stored file's sha256 and size, in sha256 order, read a page at a time."""
        after = ""
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(self.evidence_sql.select_files_after, (after, FILES_PAGE))
                rows = c.fetchall()
            yield from ((row["sha256"], int(row["size"])) for row in rows)
            if len(rows) < FILES_PAGE:
                return
            after = rows[-1]["sha256"]


def rechunked(chunks: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The same bytes in chunks of `size` (the last may be shorter), whatever sizes they came in."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


def sqlite_statements(files: str = "evidence_files", chunks: str = "evidence_chunks") -> EvidenceStatements:
    """The evidence statements of the SQLite store (tables in the events file)."""
    return EvidenceStatements(
        insert_chunk=f"INSERT INTO {chunks} (content_id, number, data) VALUES (?, ?, ?)",
        insert_file=f"INSERT INTO {files} (sha256, size, content_id) VALUES (?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
        select_file=f"SELECT size, content_id FROM {files} WHERE sha256 = ?",
        select_chunk=f"SELECT data FROM {chunks} WHERE content_id = ? AND number = ?",
        select_files_after=f"SELECT sha256, size FROM {files} WHERE sha256 > ? ORDER BY sha256 LIMIT ?",
    )


SQLITE_CREATE_STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS evidence_files ("
    "sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content_id INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS evidence_chunks ("
    "content_id INTEGER NOT NULL, number INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (content_id, number))",
]


def postgres_evidence(schema: str, prefix: str) -> tuple[list[Composed], EvidenceStatements]:
    """The tables (`{prefix}_evidence_files`, `{prefix}_evidence_chunks`) and statements of the PostgreSQL store."""
    files, chunks = Identifier(schema, f"{prefix}_evidence_files"), Identifier(schema, f"{prefix}_evidence_chunks")
    creates = [
        SQL(
            "CREATE TABLE IF NOT EXISTS {0} (sha256 text PRIMARY KEY, size bigint NOT NULL, content_id bigint NOT NULL)"
        ).format(files),
        SQL(
            "CREATE TABLE IF NOT EXISTS {0} (content_id bigint NOT NULL, number integer NOT NULL, data bytea NOT NULL, "
            "PRIMARY KEY (content_id, number))"
        ).format(chunks),
    ]
    statements = EvidenceStatements(
        insert_chunk=SQL("INSERT INTO {0} (content_id, number, data) VALUES (%s, %s, %s)").format(chunks),
        insert_file=SQL(
            "INSERT INTO {0} (sha256, size, content_id) VALUES (%s, %s, %s) "
            "ON CONFLICT (sha256) DO NOTHING RETURNING sha256"
        ).format(files),
        select_file=SQL("SELECT size, content_id FROM {0} WHERE sha256 = %s").format(files),
        select_chunk=SQL("SELECT data FROM {0} WHERE content_id = %s AND number = %s").format(chunks),
        select_files_after=SQL("SELECT sha256, size FROM {0} WHERE sha256 > %s ORDER BY sha256 LIMIT %s").format(files),
    )
    return creates, statements
