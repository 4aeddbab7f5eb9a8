"""Small, valid files made in code: the demo's evidence, and the tests'."""

from __future__ import annotations

import struct
import zlib


def sample_pdf(title: str) -> bytes:
    """A one-page PDF whose page says `title` (ASCII shown; the text also kept in the document's Title)."""
    shown = title.encode("ascii", "replace").decode("ascii").replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 40 100 Td ({shown}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title <FEFF" + title.encode("utf-16-be").hex().upper().encode() + b"> >>",
    ]
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>"
    return body + f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()


def sample_png(red: int, green: int, blue: int, width: int = 32, height: int = 24) -> bytes:
    """A PNG of one colour (a photo's stand-in)."""
    row = b"\x00" + bytes((red, green, blue)) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    image = png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(row * height)) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk of a PNG: length, kind, data and its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
