"""Files of evidence (佐证材料) of the application: the bytes stored first, then the event that names them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO, TYPE_CHECKING, Any, cast
from uuid import UUID

from domain.errors import EvidenceNotFound
from domain.finding import Finding
from domain.values import Actor
from service.commands import CommandOptions, CommandResult
from service.evidence.types import EvidencePolicy, safe_filename
from service.stores.evidence import CHUNK_SIZE, EvidenceStore

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from service.application import Change
    from service.stores import RectifyRecorder

    _Base = Application[UUID]
else:
    _Base = object


@dataclass(frozen=True)
class EvidenceDownload:
    """A stored file as it is offered: its name, media type and size, and its bytes a chunk at a time."""

    filename: str
    media_type: str
    size: int
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Attachment:
    """What attaching answers: the finding after it, the file as the finding holds it, and whether it was new."""

    result: CommandResult
    file: dict[str, Any]
    recorded: bool


class AlreadyAttached(Exception):
    """The finding holds this file already: the command records nothing."""

    def __init__(self, finding: Finding):
        super().__init__(str(finding.id))
        self.finding = finding


class EvidenceFiles(_Base):
    """Attach files to findings and read them back; the bytes live beside the events, under their sha256."""

    clock: Any

    if TYPE_CHECKING:  # what the application class this is mixed into provides

        @property
        def store(self) -> RectifyRecorder: ...
        def _finding(self, id: UUID, actor: Actor, version: int | None = None) -> Finding: ...
        def _change(self, id: UUID, actor: Actor, options: CommandOptions, change: Change) -> CommandResult: ...
        def finding_state(self, finding: Finding) -> dict[str, Any]: ...

    @property
    def evidence_store(self) -> EvidenceStore:
        return cast(EvidenceStore, self.recorder)

    def attach_evidence(
        self, id: UUID, actor: Actor, options: CommandOptions, *, upload: IO[bytes], filename: str | None,
        policy: EvidencePolicy,
    ) -> Attachment:  # fmt: skip
        """Store a file's bytes and record EvidenceAttached (the unit); the same file again records nothing.

        The rules are checked before any byte is stored, and again when the event is recorded.
        The bytes are written before the event: a crash between them leaves bytes no event names
        (harmless), never an event naming bytes that are not there.
        """
        finding = self._finding(id, actor)
        now = self.clock()
        finding.check_evidence_allowed(actor, options.occurred_at or now, now)
        media_type = policy.check(upload)
        stored = self.evidence_store.put_evidence(iter(lambda: upload.read(CHUNK_SIZE), b""), self.mapper.cipher)
        name = safe_filename(filename, media_type)
        attached_to: list[Finding] = []  # the finding as the last attempt left it

        def attach(finding: Finding, at: Any, now: Any) -> None:
            finding.attach_evidence(
                sha256=stored.sha256, filename=name, media_type=media_type, size=stored.size,
                actor=actor, occurred_at=at, now=now,
            )  # fmt: skip
            attached_to[:] = [finding]
            if not finding.pending_events:
                raise AlreadyAttached(finding)

        try:
            result, recorded = self._change(id, actor, options, attach), True
        except AlreadyAttached as already:
            last = self.store.select_positioned_events(id)[-1]
            result = CommandResult(self.finding_state(already.finding), already.finding.version, last.id)
            recorded = False
        file = attached_to[0].evidence_files[stored.sha256]  # the first name it was attached under, if not new
        return Attachment(result, {"sha256": stored.sha256, **file}, recorded)

    def evidence_download(self, id: UUID, actor: Actor, sha256: str) -> EvidenceDownload:
        """A file attached to a finding, for anyone who may read the finding (404 otherwise, as for the finding).

        The first chunk is read (and decrypted) now: bytes this server cannot decrypt are EvidenceUnreadable
        before any of the answer is sent, not a download cut off.
        """
        finding = self._finding(id, actor)
        file = finding.evidence_files.get(sha256)
        size = self.evidence_store.evidence_size(sha256) if file else None
        if file is None or size is None:
            raise EvidenceNotFound(f"no file {sha256} is attached to finding {id}")
        chunks = self.evidence_store.evidence_chunks(sha256, self.mapper.cipher)
        first = next(chunks, b"")
        return EvidenceDownload(str(file["filename"]), str(file["media_type"]), size, chain([first], chunks))
