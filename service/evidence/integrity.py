"""Checking the files of evidence: every stored file still hashes to its sha256, every attached one is stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, MapperDeserialisationError

from service.stores.evidence import EvidenceStore, EvidenceUnreadable

EVIDENCE_ATTACHED = "rectify:Finding.EvidenceAttached"
PAGE_SIZE = 1000


@dataclass
class EvidenceCheck:
    """How many stored files were read, which no longer hash to their sha256, and which attached ones are gone.

    `unreadable`: files stored encrypted that were not rehashed, for no key is set (nothing found wrong with
    them, nor checked); `attached_unchecked`: the events naming files could not be decrypted, so no file was
    looked for. Neither makes the check fail: a process without RECTIFY_CIPHER_KEY checks what it can read.
    `unattached`: stored files no event names (a crash, or a refusal, between storing the bytes and recording
    the event): nobody's evidence, and no failure either.
    """

    checked: int = 0
    broken: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    attached_unchecked: bool = False
    unattached: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.missing

    def answer(self) -> dict[str, Any]:
        """The check as the API and the command line state it (what could not be read, only when something)."""
        answer = {"ok": self.ok, "checked": self.checked, "broken": self.broken, "missing": self.missing}
        if self.unreadable:
            answer["unreadable"] = self.unreadable
        if self.attached_unchecked:
            answer["attached_unchecked"] = True
        if self.unattached:
            answer["unattached"] = self.unattached
        return answer


def check_evidence(
    store: EvidenceStore,
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    progress: Callable[[int], None] | None = None,
) -> EvidenceCheck:
    """Hash every stored file a chunk at a time, and look up the bytes every EvidenceAttached event names.

    Encrypted files are decrypted with the mapper's cipher: with a key, a chunk that fails to decrypt is
    broken (AES-GCM authenticates each chunk, so a changed one fails as a changed hash would); without
    a key the file is unreadable, not broken.
    """
    check = EvidenceCheck()
    stored: list[str] = []
    for sha256, size in store.stored_evidence():
        stored.append(sha256)
        digest, read = hashlib.sha256(), 0
        try:
            for chunk in store.evidence_chunks(sha256, mapper.cipher):
                digest.update(chunk)
                read += len(chunk)
        except EvidenceUnreadable as unreadable:
            if not unreadable.key_set:
                check.unreadable.append(sha256)
                continue
            check.broken.append(sha256)
        else:
            if digest.hexdigest() != sha256 or read != size:
                check.broken.append(sha256)
        check.checked += 1
        if progress is not None and check.checked % 100 == 0:
            progress(check.checked)
    named = set()
    try:
        for sha256 in attached_files(recorder, mapper):
            if sha256 not in named and store.evidence_size(sha256) is None:
                check.missing.append(sha256)
            named.add(sha256)
    except MapperDeserialisationError:
        check.attached_unchecked = True  # encrypted events, and no key (or another): `missing` as far as read
        return check  # which files are named is not known, so none is said to be unattached
    check.unattached = [sha256 for sha256 in stored if sha256 not in named]
    return check


def attached_files(recorder: ApplicationRecorder, mapper: Mapper[Any]) -> Iterator[str]:
    """The sha256 every EvidenceAttached event in the log names, in log order, read a page at a time."""
    after = 0
    while True:
        page = recorder.select_notifications(
            start=after, limit=PAGE_SIZE, topics=[EVIDENCE_ATTACHED], inclusive_of_start=False
        )
        for notification in page:
            yield mapper.to_domain_event(notification).sha256  # type: ignore[attr-defined]
        if len(page) < PAGE_SIZE:
            return
        after = page[-1].id
