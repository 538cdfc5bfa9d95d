"""Receipt files: tiny but valid PDF and PNG documents, served through short-lived signed URLs."""

from __future__ import annotations

import struct
import zlib
from functools import cache

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from exporthub.sandbox.models import ReceiptFile

URL_LIFETIME_SECONDS = 24 * 60 * 60  # Pleo: file URLs are valid for 24 hours
_SALT = "exporthub.sandbox.receipt"


@cache
def pdf_bytes() -> bytes:
    """A one-page PDF saying "Receipt", with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 40 100 Td (Receipt) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@cache
def png_bytes() -> bytes:
    """An 8x8 grey PNG."""
    width = height = 8

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = b"".join(b"\x00" + b"\xc0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def receipt_bytes(kind: str) -> bytes:
    return pdf_bytes() if kind == "pdf" else png_bytes()


def receipt_url(request: HttpRequest, receipt: ReceiptFile) -> str:
    """An absolute URL for the file that works without credentials for 24 hours."""
    token = signing.dumps(str(receipt.uuid), salt=_SALT, compress=True)
    return request.build_absolute_uri(reverse("sandbox:receipt-file", args=[token]))


def receipt_from_token(token: str) -> ReceiptFile | None:
    try:
        receipt_id = signing.loads(token, salt=_SALT, max_age=URL_LIFETIME_SECONDS)
    except signing.BadSignature:  # also covers SignatureExpired
        return None
    # Only what the download needs: an entry row carries its lines, read on every download else.
    return (
        ReceiptFile.objects.filter(uuid=receipt_id)
        .select_related("entry")
        .only("uuid", "kind", "entry__company")
        .first()
    )
