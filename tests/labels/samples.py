"""Small real files of every accepted format, and hostile look-alikes, built in memory for the
upload tests."""

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCX_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Charte du site</w:t></w:r></w:p></w:body></w:document>"
)
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODT_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'office:version="1.3"><office:body><office:text/></office:body></office:document-content>'
)


def pdf_bytes(*, pages: int = 1, user_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None:
        # RC4: the only algorithm pypdf handles without the `cryptography` package.
        writer.encrypt(user_password=user_password, owner_password="proprietaire", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_bytes(*, content_types: str = DOCX_CONTENT_TYPES, extra: dict | None = None) -> bytes:
    return zip_bytes(
        {"[Content_Types].xml": content_types, "word/document.xml": DOCX_DOCUMENT, **(extra or {})}
    )


def odt_bytes(*, mimetype: str = ODT_MIMETYPE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # OpenDocument: "mimetype" first, stored uncompressed.
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", ODT_CONTENT)
    return buffer.getvalue()


def zip_bomb_docx(uncompressed: int = 50 * 1024 * 1024) -> bytes:
    """A well-formed Word file plus a member of zeros that inflates about a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("word/document.xml", DOCX_DOCUMENT)
        with archive.open("word/media/image1.bin", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(uncompressed // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def image_bytes(image_format: str = "PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, format=image_format)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a width × height image and holds no pixel: a decompression bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IEND", b"")


def spy_on_storing_handlers(monkeypatch) -> list[int]:
    """The sizes of the chunks Django's handlers keep (in memory, or in a temporary file), as they
    receive them: an upload refused before being stored leaves the list empty."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

    kept = []
    memory_receive = MemoryFileUploadHandler.receive_data_chunk
    disk_receive = TemporaryFileUploadHandler.receive_data_chunk

    def in_memory(self, raw_data, start):
        if self.activated:  # Otherwise the chunk is only passed on to the temporary file.
            kept.append(len(raw_data))
        return memory_receive(self, raw_data, start)

    def on_disk(self, raw_data, start):
        kept.append(len(raw_data))
        return disk_receive(self, raw_data, start)

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", in_memory)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", on_disk)
    return kept
