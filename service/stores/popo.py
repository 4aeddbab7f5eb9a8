"""In-memory recorder for unit tests only, with the same additions as the real stores."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing import popo
from eventsourcing.persistence import ApplicationRecorder, Cipher, IntegrityError, Notification, StoredEvent

from service.stores import IdempotencyRecord
from service.stores.evidence import StoredFile, readable, rechunked


class POPORectifyRecorder(popo.POPOApplicationRecorder):
    """The library's in-memory recorder, plus idempotency keys and evidence files."""

    def __init__(self) -> None:
        super().__init__()
        self._idempotency: dict[str, IdempotencyRecord] = {}
        self._evidence: dict[str, tuple[StoredFile, bool, list[bytes]]] = {}  # the file, whether encrypted, chunks

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        with self._database_lock:
            if record is not None and record.key in self._idempotency:
                raise IntegrityError(f"idempotency key already used: {record.key}")
            ids = super()._insert_events(stored_events, **kwargs)
            if record is not None:
                self._idempotency[record.key] = record
            return ids

    def put_evidence(self, chunks: Iterable[bytes], cipher: Cipher | None = None) -> StoredFile:
        """Keep bytes in chunks under their sha256 (each chunk encrypted with a cipher); the same again: none."""
        digest, size, kept = hashlib.sha256(), 0, []
        for chunk in rechunked(chunks):
            digest.update(chunk)
            size += len(chunk)
            kept.append(cipher.encrypt(chunk) if cipher else chunk)
        file = StoredFile(digest.hexdigest(), size)
        with self._database_lock:
            if file.sha256 in self._evidence:
                return StoredFile(file.sha256, file.size, new=False)
            self._evidence[file.sha256] = (file, cipher is not None, kept)
        return file

    def evidence_size(self, sha256: str) -> int | None:
        """The size of the kept bytes with this sha256 (None: not kept)."""
        kept = self._evidence.get(sha256)
        return None if kept is None else kept[0].size

    def evidence_chunks(self, sha256: str, cipher: Cipher | None = None) -> Iterator[bytes]:
        """The kept bytes with this sha256, a chunk at a time (decrypted when they were kept encrypted)."""
        if sha256 not in self._evidence:
            return
        _, encrypted, chunks = self._evidence[sha256]
        for chunk in chunks:
            yield readable(sha256, chunk, encrypted=encrypted, cipher=cipher)

    def stored_evidence(self) -> Iterator[tuple[str, int]]:
        """Every kept file's sha256 and size, in sha256 order."""
        for sha256 in sorted(self._evidence):
            yield sha256, self._evidence[sha256][0].size

    def select_idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record stored under a key, if any."""
        with self._database_lock:
            return self._idempotency.get(key)

    def select_records(self, positions: Sequence[int]) -> list[Notification]:
        """The stored records at these positions, in position order."""
        wanted = set(positions)
        everything = self.select_notifications(start=min(wanted, default=1), limit=len(self._stored_events) or 1)
        return [n for n in everything if n.id in wanted]

    def select_positioned_events(self, originator_id: UUID) -> list[Notification]:
        """One aggregate's events, oldest first, each with its position in the log."""
        with self._database_lock:
            index = self._stored_events_index[str(originator_id)]
            return [
                Notification(
                    id=position + 1,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=self._stored_events[position].topic,
                    state=self._stored_events[position].state,
                )
                for version, position in sorted(index.items())
            ]


class POPORectifyFactory(popo.POPOFactory):
    """The library's in-memory factory, making the recorder above."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPORectifyRecorder()


Factory = POPORectifyFactory
