"""Files for upload tests: clean PDFs, JPEGs and PNGs, and the hostile set (reliability.md, hostile uploads)."""

import io
import zlib

from PIL import Image


def pdf_document(*objects: bytes, trailer_extra: bytes = b"") -> bytes:
    """A small well-formed PDF from object bodies (object 1 must be the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    _stream(zlib.compress(b"BT /F1 12 Tf 20 100 Td (Income certificate) Tj ET"), b"/Filter /FlateDecode "),
]


def clean_pdf() -> bytes:
    return pdf_document(b"<< /Type /Catalog /Pages 2 0 R >>", *PAGES)


def pdf_with_javascript() -> bytes:
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>", *PAGES
    )


def pdf_with_escaped_javascript_name() -> bytes:
    """/J#61vaScript is /JavaScript with one letter written as a hex escape."""
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        *PAGES,
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    )


def pdf_with_javascript_in_object_stream() -> bytes:
    """The action lives only inside a compressed object stream: invisible in the raw bytes."""
    inner = b"5 0 << /S /JavaScript /JS (app.launchURL\\('http://evil.example'\\)) >>"
    hidden = zlib.compress(inner)
    assert b"JavaScript" not in hidden
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        *PAGES,
        _stream(hidden, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode "),
    )


def pdf_with_javascript_in_ascii85_then_flate() -> bytes:
    import base64

    inner = zlib.compress(b"5 0 << /S /Launch /F (cmd.exe) >>")
    encoded = base64.a85encode(inner) + b"~>"
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *PAGES,
        _stream(encoded, b"/Type /ObjStm /N 1 /First 4 /Filter [/ASCII85Decode /FlateDecode] "),
    )


def pdf_with_embedded_file() -> bytes:
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 5 0 R >> >>",
        *PAGES,
        b"<< /Names [(a.exe) << /Type /Filespec /EF << /F 6 0 R >> >>] >>",
        _stream(b"MZ\x90\x00", b"/Type /EmbeddedFile "),
    )


def pdf_encrypted() -> bytes:
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *PAGES,
        b"<< /Filter /Standard /V 2 /R 3 >>",
        trailer_extra=b"/Encrypt 5 0 R ",
    )


def pdf_deflate_bomb(megabytes: int = 80) -> bytes:
    """A stream of ~80 KB that inflates to `megabytes` MB of zeros, built without holding the zeros."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *PAGES,
        _stream(data, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode "),
    )


def image(kind: str = "PNG", size: tuple[int, int] = (16, 16), noise: bool = False) -> bytes:
    picture = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (20, 120, 200))
    buffer = io.BytesIO()
    picture.save(buffer, kind)
    return buffer.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg() -> bytes:
    return image("JPEG")


def png_with_pdf_inside() -> bytes:
    """A PNG with a PDF in a text chunk near its start (a PNG/PDF polyglot)."""
    data = png()
    payload = b"Comment\0" + clean_pdf()
    chunk = (
        len(payload).to_bytes(4, "big") + b"tEXt" + payload + zlib.crc32(b"tEXt" + payload).to_bytes(4, "big")
    )
    return data[:33] + chunk + data[33:]


def png_with_trailing_html() -> bytes:
    return png() + b"<html><body>hello</body></html>"


def truncated_png() -> bytes:
    data = image("PNG", (64, 64), noise=True)
    return data[: len(data) // 2]


def png_pixel_bomb() -> bytes:
    """A valid PNG header claiming 100 000 × 100 000 pixels."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 64


# The EICAR anti-virus test string, in two pieces so that this source file is not itself taken for a virus.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_with_eicar(*, compressed: bool = False) -> bytes:
    """A well-formed PDF whose only oddity is the EICAR string in a data stream (raw, or deflated so that only a
    scanner that opens PDF streams sees it). It passes every structural check of the upload service."""
    data = zlib.compress(EICAR) if compressed else EICAR
    return pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *PAGES,
        _stream(data, b"/Filter /FlateDecode " if compressed else b""),
    )
