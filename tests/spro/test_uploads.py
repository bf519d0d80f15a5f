"""spro.uploads on its own: the content checks, the size limit of a multipart request (the upload
handler fed a body directly), and that the statistics import keeps its own, larger, allowance."""

import html
import io
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from sites.labels.forms import MAX_DOCUMENT_SIZE
from spro import uploads
from stats import imports
from tests.labels.samples import (
    docx_bytes,
    image_bytes,
    odt_bytes,
    pdf_bytes,
    spy_on_storing_handlers,
)

MB = 1024 * 1024


def _file(name, content):
    return SimpleUploadedFile(name, content)


# Content.


@pytest.mark.parametrize(
    ("extension", "make_content"),
    [
        (".pdf", pdf_bytes),
        (".docx", docx_bytes),
        (".odt", odt_bytes),
        (".png", lambda: image_bytes("PNG")),
        (".jpg", lambda: image_bytes("JPEG")),
        (".JPEG", lambda: image_bytes("JPEG")),
    ],
)
def test_sound_files_pass_and_are_left_at_their_start(extension, make_content):
    file = _file(f"piece{extension}", make_content())
    file.read(3)
    uploads.validate_document(file, extension, max_size=MB)
    assert file.tell() == 0


def test_the_size_is_checked_before_any_parsing(monkeypatch):
    monkeypatch.setattr(uploads, "PdfReader", None)  # Would fail if reached.
    with pytest.raises(ValidationError) as error:
        uploads.validate_document(_file("a.pdf", pdf_bytes()), ".pdf", max_size=100)
    assert error.value.messages == ["Le fichier dépasse 0 Mo."]
    assert error.value.error_list[0].code == "too_large"


def test_an_unknown_extension_is_refused():
    with pytest.raises(ValidationError, match="pas accepté"):
        uploads.validate_document(_file("a.exe", b"MZ"), ".exe", max_size=MB)


def test_a_zip_declaring_too_much_uncompressed_data_is_refused(monkeypatch):
    content = docx_bytes(extra={"word/media/image1.png": b"x" * 5000})
    uploads.validate_document(_file("a.docx", content), ".docx", max_size=MB)
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_SIZE", 4000)
    with pytest.raises(ValidationError, match=r"Word \(DOCX\) valide"):
        uploads.validate_document(_file("a.docx", content), ".docx", max_size=MB)


def test_a_zip_with_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 3)
    content = docx_bytes(extra={f"word/media/{i}.png": b"x" for i in range(3)})
    with pytest.raises(ValidationError, match=r"Word \(DOCX\) valide"):
        uploads.validate_document(_file("a.docx", content), ".docx", max_size=MB)


def test_a_mildly_compressible_document_is_not_a_bomb():
    """Repetitive XML compresses well: below the floor, the ratio is not held against it."""
    content = docx_bytes(extra={"word/styles.xml": "<w:style/>" * 50_000})
    uploads.validate_document(_file("a.docx", content), ".docx", max_size=MB)


def test_an_odt_whose_mimetype_is_not_first_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<x/>")
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(ValidationError, match=r"OpenDocument \(ODT\) valide"):
        uploads.validate_document(_file("a.odt", buffer.getvalue()), ".odt", max_size=MB)


def test_an_encrypted_zip_member_is_refused_not_crashed():
    content = bytearray(odt_bytes())
    # Set the "encrypted" flag of the first member, in its local header and its directory entry.
    content[6] |= 1
    directory = content.rfind(b"PK\x01\x02", 0, content.rfind(b"PK\x01\x02"))
    content[directory + 8] |= 1
    with pytest.raises(ValidationError, match=r"OpenDocument \(ODT\) valide"):
        uploads.validate_document(_file("a.odt", bytes(content)), ".odt", max_size=MB)


# The size limit of a request.


def _parse(path, fields, *, content_length=None, limit=None, settings=None):
    """Parse a multipart body the way a request to `path` would, with the project's handlers."""
    if limit is not None:
        settings.SPRO_MAX_UPLOAD_SIZE = limit
    body = encode_multipart(BOUNDARY, fields)
    request = RequestFactory().get(path)
    handlers = [
        uploads.UploadLimitHandler(request),
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    meta = {
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(len(body) if content_length is None else content_length),
    }
    stream = io.BytesIO(body)
    post, files = MultiPartParser(meta, stream, handlers).parse()
    return post, files, stream


def test_the_handler_discards_the_files_of_an_oversized_request(settings, storing_handlers):
    content = b"%PDF" + b"x" * 5000
    post, files, stream = _parse(
        "/labels/", {"kind": "charte", "file": _file("a.pdf", content)}, limit=2000, settings=settings
    )
    # The ordinary fields are kept; the file is a placeholder without content, sized by the request.
    assert post["kind"] == "charte"
    refused = files["file"]
    assert isinstance(refused, uploads.RefusedUpload)
    assert refused.name == "a.pdf"
    assert refused.size > 5000
    assert refused.read() == b""
    assert storing_handlers == []
    # Read to its end (so that the client gets the answer rather than a reset connection), not kept.
    assert stream.tell() == len(stream.getvalue())


def test_the_handler_lets_a_request_under_the_limit_through(settings, storing_handlers):
    content = b"%PDF" + b"x" * 500
    post, files, _stream = _parse(
        "/labels/", {"kind": "charte", "file": _file("a.pdf", content)}, limit=2000, settings=settings
    )
    assert not isinstance(files["file"], uploads.RefusedUpload)
    assert files["file"].read() == content
    assert sum(storing_handlers) == len(content)


def test_a_body_longer_than_its_content_length_is_cut_off(settings):
    """Under ASGI the length is only a header: the bytes actually received count too."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    content = b"%PDF" + b"x" * 300_000
    _post, files, _stream = _parse(
        "/labels/", {"file": _file("a.pdf", content)}, content_length=1000, limit=100_000, settings=settings
    )
    assert isinstance(files["file"], uploads.RefusedUpload)
    assert files["file"].size >= 100_000


def test_every_file_of_an_oversized_request_is_refused(settings):
    _post, files, _stream = _parse(
        "/labels/",
        {"a": _file("a.pdf", b"%PDF"), "b": _file("b.pdf", b"x" * 5000)},
        limit=2000,
        settings=settings,
    )
    assert isinstance(files["a"], uploads.RefusedUpload)
    assert isinstance(files["b"], uploads.RefusedUpload)


def test_the_limit_depends_on_the_view(settings):
    factory = RequestFactory()
    assert uploads.upload_limit(factory.get(reverse("stats:import_upload"))) == 21 * MB
    application_url = reverse("labels:document_upload", kwargs={"pk": 1})
    assert uploads.upload_limit(factory.get(application_url)) == settings.SPRO_MAX_UPLOAD_SIZE
    assert uploads.upload_limit(factory.get("/nulle-part/")) == settings.SPRO_MAX_UPLOAD_SIZE
    assert uploads.upload_limit(None) == settings.SPRO_MAX_UPLOAD_SIZE


def test_the_request_limits_leave_room_for_each_form_cap():
    """A refused upload's size is its request's: above the limit, hence above the form's cap, which
    then reports it as too large; and a file at the cap passes the request limit."""
    assert django_settings.SPRO_MAX_UPLOAD_SIZE >= MAX_DOCUMENT_SIZE + 256 * 1024
    import_limit = django_settings.SPRO_MAX_UPLOAD_SIZE_BY_VIEW["stats:import_upload"]
    assert import_limit >= imports.MAX_FILE_SIZE + 256 * 1024
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "spro.uploads.UploadLimitHandler"


# The statistics import, another upload of the platform, keeps its own 20 Mo allowance.


@pytest.mark.django_db
def test_the_import_accepts_files_above_the_default_limit(client_for, coordinator_a, storing_handlers):
    content = b"a" * (12 * MB)  # Above SPRO_MAX_UPLOAD_SIZE, under the import's 20 Mo.
    response = client_for(coordinator_a).post(
        reverse("stats:import_upload"), {"file": _file("historique.txt", content)}
    )
    # Received whole (then refused for its name only), not discarded by the handler.
    assert sum(storing_handlers) == len(content)
    assert "Format non reconnu" in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_an_oversized_import_gets_its_own_message_without_being_stored(
    client_for, coordinator_a, storing_handlers
):
    content = b"a" * (21 * MB)
    response = client_for(coordinator_a).post(
        reverse("stats:import_upload"), {"file": _file("historique.csv", content)}
    )
    assert response.status_code == 400
    assert "Le fichier dépasse 20 Mo : découpez-le" in html.unescape(response.content.decode())
    assert storing_handlers == []


@pytest.fixture
def storing_handlers(monkeypatch):
    return spy_on_storing_handlers(monkeypatch)


@pytest.mark.parametrize(("content", "valid"), [(pdf_bytes(), True), (b"%PDF <html>", False)])
def test_a_file_spooled_to_disk_is_checked_in_place(tmp_path, settings, content, valid):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    with TemporaryUploadedFile("a.pdf", "application/pdf", len(content), None) as upload:
        upload.write(content)
        if valid:
            uploads.validate_document(upload, ".pdf", max_size=MB)
            assert upload.read() == content
        else:
            with pytest.raises(ValidationError, match="PDF lisible"):
                uploads.validate_document(upload, ".pdf", max_size=MB)


def _corrupt_first_member(content: bytes) -> bytes:
    """The first member's compressed bytes flipped: its checksum no longer matches."""
    data = bytearray(content)
    start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
    for i in range(start, start + 20):
        data[i] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "make_content",
    [
        lambda: docx_bytes()[:-30],  # No end of central directory.
        lambda: _corrupt_first_member(docx_bytes()),  # [Content_Types].xml unreadable.
    ],
)
def test_damaged_archives_are_refusals_not_errors(make_content):
    with pytest.raises(ValidationError, match=r"Word \(DOCX\) valide"):
        uploads.validate_document(_file("a.docx", make_content()), ".docx", max_size=MB)
