"""Files of evidence (佐证材料) in the event store's own database, content-addressed by sha256.

The bytes are kept as chunk rows under a content id, and a file row names the
content by its sha256: written in one transaction, hashed while the chunks are
written, so a file row always names complete bytes and nothing is held whole in
memory. The same bytes again write nothing (the transaction is rolled back).
Both stores share this code; each gives its own statements (`EvidenceStatements`).

With the application's cipher (RECTIFY_CIPHER_KEY) each chunk is encrypted on its
own, and the file row says so (`encrypted`); its sha256 and size stay those of the
plain bytes. Files stored without a cipher stay plain and are read as they are.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from eventsourcing.persistence import Cipher
from psycopg.sql import SQL, Composed, Identifier, Literal

CHUNK_SIZE = 256 * 1024  # bytes a chunk row holds
FILES_PAGE = 500  # file rows a listing reads at a time


@dataclass(frozen=True)
class StoredFile:
    """Bytes as stored: their sha256 and size, and whether this write stored them (False: they were there)."""

    sha256: str
    size: int
    new: bool = True


class EvidenceUnreadable(Exception):
    """Stored bytes encrypted with a key this server does not have (none, or another), or damaged since."""

    def __init__(self, sha256: str, *, key_set: bool):
        reason = "encrypted with another key, or damaged" if key_set else "encrypted, and no key is set"
        super().__init__(f"the stored file {sha256} cannot be read: {reason}")
        self.sha256 = sha256
        self.key_set = key_set


class EvidenceStatements(NamedTuple):
    """The SQL of one store, each with positional parameters in the order the comment says."""

    insert_chunk: Any  # content id, sequence number, bytes
    insert_file: Any  # sha256, size, content id, encrypted; answers the sha256 when it was not stored before
    select_file: Any  # sha256 -> size, content id, encrypted
    select_chunk: Any  # content id, sequence number -> data
    select_files_after: Any  # sha256, limit -> sha256, size, content id in sha256 order
    select_files_columns: Any  # no parameters -> name, one row per column of the files table
    add_encrypted_column: Any  # no parameters: the files table of a store made before chunks were encrypted


class EvidenceStore(Protocol):
    """What the application needs to keep and read files of evidence."""

    def put_evidence(self, chunks: Iterable[bytes], cipher: Cipher | None = None) -> StoredFile: ...

    def evidence_size(self, sha256: str) -> int | None: ...

    def evidence_chunks(self, sha256: str, cipher: Cipher | None = None) -> Iterator[bytes]: ...

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

    def create_table(self) -> None:
        """The library's tables and these; a files table made before chunks were encrypted gets `encrypted`."""
        super().create_table()  # type: ignore[misc]  # the library's recorder, after this class in the MRO
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.evidence_sql.select_files_columns)
            if "encrypted" not in {row["name"] for row in c.fetchall()}:
                c.execute(self.evidence_sql.add_encrypted_column)

    def put_evidence(self, chunks: Iterable[bytes], cipher: Cipher | None = None) -> StoredFile:
        """Store bytes given in chunks, hashing them as they are written; the same bytes again store nothing.

        With a cipher each chunk is stored encrypted; the sha256 and size are those of the plain bytes.
        """
        digest, size, content = hashlib.sha256(), 0, secrets.randbits(62)
        try:
            with self.datastore.transaction(commit=True) as c:
                for number, chunk in enumerate(rechunked(chunks)):
                    digest.update(chunk)
                    size += len(chunk)
                    data = cipher.encrypt(chunk) if cipher else chunk
                    c.execute(self.evidence_sql.insert_chunk, (content, number, data))
                file = StoredFile(digest.hexdigest(), size)
                c.execute(self.evidence_sql.insert_file, (file.sha256, size, content, cipher is not None))
                if c.fetchone() is None:
                    raise _AlreadyStored(StoredFile(file.sha256, size, new=False))
        except _AlreadyStored as stored:
            return stored.file
        return file

    def _file(self, sha256: str) -> tuple[int, int, bool] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.evidence_sql.select_file, (sha256,))
            row = c.fetchone()
        return (int(row["size"]), int(row["content_id"]), bool(row["encrypted"])) if row else None

    def evidence_size(self, sha256: str) -> int | None:
        """The size of the stored bytes with this sha256 (None: not stored)."""
        file = self._file(sha256)
        return file[0] if file else None

    def evidence_chunks(self, sha256: str, cipher: Cipher | None = None) -> Iterator[bytes]:
        """The stored bytes with this sha256, a chunk at a time, each read in a short transaction of its own.

        Encrypted chunks are decrypted with the cipher (EvidenceUnreadable without one, or when one fails).
        """
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
            yield readable(sha256, bytes(row["data"]), encrypted=file[2], cipher=cipher)
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


def readable(sha256: str, chunk: bytes, *, encrypted: bool, cipher: Cipher | None) -> bytes:
    """A stored chunk's plain bytes: as stored, or decrypted (AES-GCM: a changed chunk fails like a wrong key)."""
    if not encrypted:
        return chunk
    if cipher is None:
        raise EvidenceUnreadable(sha256, key_set=False)
    try:
        return cipher.decrypt(chunk)
    except ValueError as error:
        raise EvidenceUnreadable(sha256, key_set=True) from error


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
        insert_file=f"INSERT INTO {files} (sha256, size, content_id, encrypted) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
        select_file=f"SELECT size, content_id, encrypted FROM {files} WHERE sha256 = ?",
        select_chunk=f"SELECT data FROM {chunks} WHERE content_id = ? AND number = ?",
        select_files_after=f"SELECT sha256, size FROM {files} WHERE sha256 > ? ORDER BY sha256 LIMIT ?",
        select_files_columns=f"SELECT name FROM pragma_table_info('{files}')",
        add_encrypted_column=f"ALTER TABLE {files} ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0",
    )


SQLITE_CREATE_STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS evidence_files ("
    "sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content_id INTEGER NOT NULL, "
    "encrypted INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS evidence_chunks ("
    "content_id INTEGER NOT NULL, number INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (content_id, number))",
]


def postgres_evidence(schema: str, prefix: str) -> tuple[list[Composed], EvidenceStatements]:
    """The tables (`{prefix}_evidence_files`, `{prefix}_evidence_chunks`) and statements of the PostgreSQL store."""
    files, chunks = Identifier(schema, f"{prefix}_evidence_files"), Identifier(schema, f"{prefix}_evidence_chunks")
    creates = [
        SQL(
            "CREATE TABLE IF NOT EXISTS {0} (sha256 text PRIMARY KEY, size bigint NOT NULL, "
            "content_id bigint NOT NULL, encrypted boolean NOT NULL DEFAULT false)"
        ).format(files),
        SQL(
            "CREATE TABLE IF NOT EXISTS {0} (content_id bigint NOT NULL, number integer NOT NULL, data bytea NOT NULL, "
            "PRIMARY KEY (content_id, number))"
        ).format(chunks),
    ]
    statements = EvidenceStatements(
        insert_chunk=SQL("INSERT INTO {0} (content_id, number, data) VALUES (%s, %s, %s)").format(chunks),
        insert_file=SQL(
            "INSERT INTO {0} (sha256, size, content_id, encrypted) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (sha256) DO NOTHING RETURNING sha256"
        ).format(files),
        select_file=SQL("SELECT size, content_id, encrypted FROM {0} WHERE sha256 = %s").format(files),
        select_chunk=SQL("SELECT data FROM {0} WHERE content_id = %s AND number = %s").format(chunks),
        select_files_after=SQL("SELECT sha256, size FROM {0} WHERE sha256 > %s ORDER BY sha256 LIMIT %s").format(files),
        select_files_columns=SQL(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = {0} AND table_name = {1}"
        ).format(Literal(schema), Literal(f"{prefix}_evidence_files")),
        add_encrypted_column=SQL(
            "ALTER TABLE {0} ADD COLUMN IF NOT EXISTS encrypted boolean NOT NULL DEFAULT false"
        ).format(files),
    )
    return creates, statements
