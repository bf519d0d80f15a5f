"""Uploaded files: their content is checked, not only their name and first bytes, and an oversized
upload is discarded as it streams in rather than stored whole before a form looks at its size.

`validate_document(file, extension)` is what a form calls: size, first bytes, then a parse bounded
by the size cap (pypdf for PDF, the ZIP directory for DOCX and ODT, Pillow's header check for
images). `UploadLimitHandler`, first of FILE_UPLOAD_HANDLERS, refuses a multipart request longer
than its view's limit (SPRO_MAX_UPLOAD_SIZE, or SPRO_MAX_UPLOAD_SIZE_BY_VIEW): its ordinary fields
are kept, and each of its files arrives as a `RefusedUpload` without content, which size checks
report as too large.
"""

import io
import warnings
import zipfile

from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError

MEGABYTE = 1024 * 1024

# The first bytes every file of a format starts with. ODT and DOCX are ZIP archives.
SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".odt": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}

# ZIP bombs: a few megabytes that inflate to gigabytes in whoever opens them. Real office files
# inflate to a few times their size; the ratio is only judged above a floor, where tiny archives
# of repetitive XML could otherwise exceed it harmlessly.
MAX_UNCOMPRESSED_SIZE = 100 * MEGABYTE
MAX_COMPRESSION_RATIO = 100
COMPRESSION_RATIO_FLOOR = 1 * MEGABYTE
# A Word file with many images has a few hundred members; tens of thousands is a crafted archive.
MAX_ZIP_MEMBERS = 10_000
# [Content_Types].xml lists a few dozen parts: parsing more than this is wasted effort.
MAX_CONTENT_TYPES_SIZE = 1 * MEGABYTE

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Content types of a Word main part (ECMA-376): a document or a template, never a macro-enabled
# one, which Word itself refuses to open under a .docx name.
WORD_MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Pillow's own default (about 0.25 GB decoded in RGB): fixed here so that a change of the global
# Image.MAX_IMAGE_PIXELS elsewhere does not lift the guard on uploads.
MAX_IMAGE_PIXELS = 89_478_485
IMAGE_FORMATS = {".png": {"PNG"}, ".jpg": {"JPEG", "MPO"}, ".jpeg": {"JPEG", "MPO"}}


class _Invalid(Exception):
    """A check failed: validate_document turns it into the format's message."""


def _message(extension: str) -> str:
    if extension == ".pdf":
        return _("Ce fichier n'est pas un PDF lisible.")
    if extension == ".docx":
        return _("Ce fichier n'est pas un document Word (DOCX) valide.")
    if extension == ".odt":
        return _("Ce fichier n'est pas un document OpenDocument (ODT) valide.")
    if extension == ".png":
        return _("Ce fichier n'est pas une image PNG valide.")
    return _("Ce fichier n'est pas une image JPEG valide.")


def validate_document(file, extension: str, *, max_size: int) -> None:
    """Raise ValidationError (French) unless `file` is a sound file of `extension` (".pdf", ".odt",
    ".docx", ".png", ".jpg" or ".jpeg") of at most `max_size` bytes. Leaves the file at its start."""
    extension = extension.lower()
    if extension not in SIGNATURES:
        raise ValidationError(_("Ce format de fichier n'est pas accepté."), code="format")
    # Checked before any parsing, so that the parsers' effort stays bounded by the cap.
    if isinstance(file, RefusedUpload) or file.size > max_size:
        raise ValidationError(
            _("Le fichier dépasse %(size)d Mo."), code="too_large", params={"size": max_size // MEGABYTE}
        )
    try:
        file.seek(0)
        if not file.read(8).startswith(SIGNATURES[extension]):
            raise ValidationError(
                _("Le contenu du fichier ne correspond pas à son extension."), code="signature"
            )
        file.seek(0)
        if extension == ".pdf":
            _check_pdf(file)
        elif extension == ".docx":
            _check_docx(file, file.size)
        elif extension == ".odt":
            _check_odt(file, file.size)
        else:
            _check_image(file, IMAGE_FORMATS[extension])
    except _Invalid:
        raise ValidationError(_message(extension), code="invalid") from None
    finally:
        file.seek(0)


def _check_pdf(file) -> None:
    # pypdf reports damaged files through warnings as well as exceptions: the first must not
    # escape (tests turn warnings into errors), the second mean refusal whatever their type, since
    # a parser fed hostile bytes fails in many ways (PdfReadError, KeyError, RecursionError…).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(file, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValidationError(
                    _("Ce PDF est protégé par un mot de passe : déposez-le sans protection."),
                    code="encrypted",
                )
            if len(reader.pages) < 1:
                raise _Invalid
            reader.pages[0]  # noqa: B018 — the first page must resolve, not only be counted.
        except (ValidationError, _Invalid):
            raise
        except Exception as error:
            # pypdf needs the `cryptography` package to decrypt AES: without it, even a PDF that
            # only restricts printing cannot be opened here, so it is refused as protected.
            if isinstance(error, DependencyError):
                raise ValidationError(
                    _("Ce PDF est protégé par un mot de passe : déposez-le sans protection."),
                    code="encrypted",
                ) from None
            raise _Invalid from error


def _open_zip(file, archive_size: int) -> zipfile.ZipFile:
    """The archive, once its directory shows nothing absurd: the sizes it declares bound what
    zipfile will ever inflate from it, so they are checked before any member is read."""
    try:
        archive = zipfile.ZipFile(file)
    except Exception as error:  # BadZipFile, but also OSError, ValueError… on crafted directories.
        raise _Invalid from error
    members = archive.infolist()
    total = sum(info.file_size for info in members)
    if (
        len(members) > MAX_ZIP_MEMBERS
        or total > MAX_UNCOMPRESSED_SIZE
        or (total > COMPRESSION_RATIO_FLOOR and total > MAX_COMPRESSION_RATIO * max(archive_size, 1))
    ):
        archive.close()
        raise _Invalid
    return archive


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except Exception as error:  # Encrypted member, bad CRC, unknown compression…
        raise _Invalid from error


def _check_docx(file, archive_size: int) -> None:
    with _open_zip(file, archive_size) as archive:
        names = {info.filename: info for info in archive.infolist()}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise _Invalid
        content_types = names["[Content_Types].xml"]
        if content_types.file_size > MAX_CONTENT_TYPES_SIZE:
            raise _Invalid
        try:
            # defusedxml: no entity expansion nor external entities from an uploaded file.
            root = ElementTree.fromstring(_read_member(archive, content_types))
        except _Invalid:
            raise
        except Exception as error:
            raise _Invalid from error
        # Part names are case-insensitive (OPC); a part is typed by an Override, else by the
        # Default of its extension.
        overrides = {
            element.get("PartName", "").lower(): element.get("ContentType", "")
            for element in root.iter(f"{CONTENT_TYPES_NS}Override")
        }
        defaults = {
            element.get("Extension", "").lower(): element.get("ContentType", "")
            for element in root.iter(f"{CONTENT_TYPES_NS}Default")
        }
        main_type = overrides.get("/word/document.xml", defaults.get("xml", ""))
        if main_type not in WORD_MAIN_CONTENT_TYPES:
            raise _Invalid


def _check_odt(file, archive_size: int) -> None:
    with _open_zip(file, archive_size) as archive:
        members = archive.infolist()
        # OpenDocument: the first member is "mimetype", holding the type and nothing else.
        if not members or members[0].filename != "mimetype" or members[0].file_size != len(ODT_MIMETYPE):
            raise _Invalid
        if _read_member(archive, members[0]) != ODT_MIMETYPE:
            raise _Invalid
        if "content.xml" not in {info.filename for info in members}:
            raise _Invalid


def _check_image(file, formats: set[str]) -> None:
    # Only the header is read and, for PNG, the chunks' checksums: nothing is decoded, so a small
    # file declaring a gigantic image costs nothing; it is refused on its declared size.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(file, formats=sorted(formats)) as image:
                width, height = image.size
                if image.format not in formats or width * height > MAX_IMAGE_PIXELS:
                    raise _Invalid
                image.verify()
        except _Invalid:
            raise
        except Exception as error:  # UnidentifiedImageError, SyntaxError, DecompressionBomb…
            raise _Invalid from error


# Oversized requests.


def upload_limit(request) -> int:
    """The largest multipart body, in bytes, accepted by the view `request` is addressed to."""
    default = settings.SPRO_MAX_UPLOAD_SIZE
    if request is None:
        return default
    match = getattr(request, "resolver_match", None)
    if match is None:
        # The body is read before URL resolution when a middleware's process_request reads POST.
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return default
    return settings.SPRO_MAX_UPLOAD_SIZE_BY_VIEW.get(match.view_name, default)


class RefusedUpload(UploadedFile):
    """A file UploadLimitHandler discarded: its name and the size of the request that carried it
    (beyond the view's limit, hence beyond any form's own cap), and no content at all."""

    def __init__(self, name, content_type, size, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)


class UploadLimitHandler(FileUploadHandler):
    """Discards the files of a multipart request longer than its view's limit as they stream in.

    The body is still read to its end, and its ordinary fields parsed: a server that answers
    before the client has finished sending gets its connection reset, and the user sees a
    browser error instead of the form's French message. Nothing of the files is kept: the next
    handlers (memory, temporary file) never see them."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit(request)
        self.request_size = 0
        self.received = 0
        self.refusing = False
        self.discarding = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_size = content_length
        self.refusing = content_length > self.limit
        return None  # Let Django parse the body: the ordinary fields are kept.

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.discarding = self.refusing
        if self.discarding:
            raise StopFutureHandlers  # No buffer nor temporary file is opened for it.

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if not self.discarding and self.received > self.limit:
            # Longer than its Content-Length said: WSGI caps the body at that length, but under
            # ASGI the length is only a header. What the next handlers already hold is dropped
            # by file_complete, which returns the placeholder first.
            self.refusing = self.discarding = True
        return None if self.discarding else raw_data

    def file_complete(self, file_size):
        if not self.discarding:
            return None
        self.discarding = False
        return RefusedUpload(
            self.file_name,
            self.content_type,
            max(self.request_size, self.received),
            self.charset,
            self.content_type_extra,
        )
