"""What a file of evidence is, told by its content (never by its name), and whether it is allowed."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype

from domain.errors import EvidenceTooLarge, EvidenceTypeNotAllowed
from service.request_limits import megabytes

# The kinds of file offices send as evidence, and the media type each is answered with.
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",  # 版式文档 (GB/T 33190), a ZIP holding OFD.xml
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# The first bytes of a ZIP (a local file header, or the end record of an empty archive).
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
HEADER_SIZE = 8192
# Path separators and control characters are not kept in a filename; the rest of it is.
UNSAFE_IN_FILENAME = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILENAME = 200


@dataclass(frozen=True)
class EvidencePolicy:
    """How large a file may be, and which kinds are allowed (RECTIFY_EVIDENCE_MAX_MB, RECTIFY_EVIDENCE_TYPES)."""

    max_bytes: int
    kinds: frozenset[str]

    @classmethod
    def from_settings(cls, settings: dict[str, object]) -> EvidencePolicy:
        kinds = {kind.strip().lower() for kind in str(settings["RECTIFY_EVIDENCE_TYPES"]).split(",") if kind.strip()}
        unknown = kinds - set(MEDIA_TYPES)
        if unknown:
            raise ValueError(f"RECTIFY_EVIDENCE_TYPES names kinds not known: {', '.join(sorted(unknown))}")
        return cls(megabytes(settings["RECTIFY_EVIDENCE_MAX_MB"]), frozenset(kinds))

    def check(self, upload: IO[bytes]) -> str:
        """The media type of an upload (a seekable file, left at its start), or the error refusing it."""
        size = upload.seek(0, 2)
        upload.seek(0)
        if size > self.max_bytes:
            raise EvidenceTooLarge(
                f"the file is larger than the limit of {self.max_bytes:,} bytes (RECTIFY_EVIDENCE_MAX_MB)"
            )
        kind = kind_of(upload)
        if kind is None or kind not in self.kinds:
            allowed = ", ".join(sorted(kind.upper() for kind in self.kinds))
            raise EvidenceTypeNotAllowed(f"the file's content is not one of the allowed types ({allowed})")
        return MEDIA_TYPES[kind]


def kind_of(upload: IO[bytes]) -> str | None:
    """The kind of file by its content: pdf, jpeg, png, or for a ZIP what it holds (docx, xlsx, ofd, zip)."""
    header = upload.read(HEADER_SIZE)
    upload.seek(0)
    if header.startswith(ZIP_MAGIC):
        return zip_kind(upload)
    guessed = filetype.guess(header)
    kind = guessed.extension if guessed is not None else None
    return {"pdf": "pdf", "jpg": "jpeg", "png": "png"}.get(kind or "")


def zip_kind(upload: IO[bytes]) -> str | None:
    """DOCX, XLSX and OFD are ZIPs: their marker files tell them apart from a plain ZIP (None: a broken one)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def safe_filename(name: str | None, media_type: str) -> str:
    """The name a file is kept and offered under: its last path part, without control characters."""
    base = UNSAFE_IN_FILENAME.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not base or base in (".", ".."):
        extension = next(kind for kind, media in MEDIA_TYPES.items() if media == media_type)
        base = f"evidence.{extension}"
    return base[-MAX_FILENAME:]
