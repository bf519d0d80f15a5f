"""Pieces of a label application are checked by their content through the page: a file that only
looks like a PDF, a Word document or an image is refused with a French message, a real one is
kept, and an oversized upload is refused without being stored anywhere."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sites.models.labels import ApplicationDocument, RequiredPiece

from .samples import (
    docx_bytes,
    image_bytes,
    odt_bytes,
    pdf_bytes,
    png_header_only,
    spy_on_storing_handlers,
    zip_bomb_docx,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
NOT_A_PDF = "Ce fichier n'est pas un PDF lisible."
NOT_A_DOCX = "Ce fichier n'est pas un document Word (DOCX) valide."
NOT_AN_ODT = "Ce fichier n'est pas un document OpenDocument (ODT) valide."
NOT_A_PNG = "Ce fichier n'est pas une image PNG valide."
NOT_A_JPEG = "Ce fichier n'est pas une image JPEG valide."
WRONG_SIGNATURE = "Le contenu du fichier ne correspond pas à son extension."
PROTECTED_PDF = "Ce PDF est protégé par un mot de passe : déposez-le sans protection."
TOO_LARGE = "Le fichier dépasse 10 Mo."


def _post(client, application, name, content, *, piece="autre"):
    url = reverse("labels:document_upload", kwargs={"pk": application.pk})
    piece_id = RequiredPiece.objects.get(code=piece).pk
    return client.post(url, {"piece": piece_id, "file": SimpleUploadedFile(name, content)})


def _message_after(client, response) -> str:
    """The text of the page the upload redirects to, where its message shows."""
    assert response.status_code == 302
    return html.unescape(client.get(response["Location"]).content.decode())


@pytest.fixture
def stored_files(media_root):
    """The files written under MEDIA_ROOT."""
    return lambda: [path for path in media_root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("name", "make_content", "message"),
    [
        pytest.param(
            "charte.pdf",
            lambda: b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n",
            NOT_A_PDF,
            id="html-starting-with-%PDF",
        ),
        pytest.param("vide.pdf", lambda: pdf_bytes(pages=0), NOT_A_PDF, id="pdf-without-page"),
        pytest.param("coupe.pdf", lambda: pdf_bytes()[:200], NOT_A_PDF, id="truncated-pdf"),
        pytest.param(
            "secret.pdf", lambda: pdf_bytes(user_password="secret"), PROTECTED_PDF, id="password-pdf"
        ),
        pytest.param(
            "charte.docx", lambda: zip_bytes({"readme.txt": "bonjour"}), NOT_A_DOCX, id="random-zip-as-docx"
        ),
        pytest.param(
            "classeur.docx",
            lambda: zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
            NOT_A_DOCX,
            id="spreadsheet-as-docx",
        ),
        pytest.param(
            "macros.docx",
            lambda: docx_bytes(
                content_types=(
                    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Override PartName="/word/document.xml" '
                    'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
                )
            ),
            NOT_A_DOCX,
            id="macro-enabled-as-docx",
        ),
        pytest.param(
            "entites.docx",
            lambda: docx_bytes(
                content_types='<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]><Types>&a;&a;&a;</Types>'
            ),
            NOT_A_DOCX,
            id="xml-entities-in-docx",
        ),
        pytest.param("bombe.docx", zip_bomb_docx, NOT_A_DOCX, id="zip-bomb-docx"),
        pytest.param("faux.docx", lambda: b"PK\x03\x04" + b"0" * 100, NOT_A_DOCX, id="zip-header-only"),
        pytest.param("charte.odt", lambda: zip_bytes({"content.xml": "<x/>"}), NOT_AN_ODT, id="zip-as-odt"),
        pytest.param(
            "tableur.odt",
            lambda: odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet"),
            NOT_AN_ODT,
            id="spreadsheet-as-odt",
        ),
        pytest.param("plan.png", lambda: b"GIF89a" + b"0" * 100, WRONG_SIGNATURE, id="gif-named-png"),
        pytest.param(
            "plan.png", lambda: b"\x89PNG\r\n\x1a\n<html>" + b"0" * 100, NOT_A_PNG, id="png-signature-only"
        ),
        pytest.param("plan.png", lambda: image_bytes("PNG")[:-20], NOT_A_PNG, id="truncated-png"),
        pytest.param("plan.png", lambda: image_bytes("JPEG"), WRONG_SIGNATURE, id="jpeg-named-png"),
        pytest.param(
            "bombe.png", lambda: png_header_only(10_000, 10_000), NOT_A_PNG, id="png-bomb-100-megapixels"
        ),
        pytest.param(
            "bombe.png", lambda: png_header_only(60_000, 60_000), NOT_A_PNG, id="png-bomb-3600-megapixels"
        ),
        pytest.param("photo.jpg", lambda: b"\xff\xd8\xff" + b"0" * 100, NOT_A_JPEG, id="jpeg-signature-only"),
    ],
)
def test_hostile_files_are_refused(
    client_for, application_a, coordinator_a, stored_files, name, make_content, message
):
    client = client_for(coordinator_a)
    page = _message_after(client, _post(client, application_a, name, make_content()))
    assert f"La pièce n'a pas été ajoutée : {message}" in page
    assert not ApplicationDocument.objects.exists()
    assert not stored_files()


@pytest.mark.parametrize(
    ("name", "make_content"),
    [
        ("charte.pdf", pdf_bytes),
        ("ouvert.pdf", lambda: pdf_bytes(user_password="")),  # Restricted, but opens without password.
        ("charte.docx", docx_bytes),
        ("charte.odt", odt_bytes),
        ("plan.png", lambda: image_bytes("PNG")),
        ("photo.jpg", lambda: image_bytes("JPEG")),
        ("photo.jpeg", lambda: image_bytes("JPEG")),
    ],
)
def test_real_files_are_accepted_and_kept_intact(
    client_for, application_a, coordinator_a, settings, name, make_content
):
    content = make_content()
    client = client_for(coordinator_a)
    page = _message_after(client, _post(client, application_a, name, content))
    assert "La pièce « Autre pièce » est ajoutée au dossier." in page
    document = ApplicationDocument.objects.get()
    with document.file.open("rb") as stored:
        assert stored.read() == content  # The checks read the file and leave it whole for saving.


@pytest.mark.parametrize(("name", "make_content"), [("charte.pdf", pdf_bytes), ("charte.docx", docx_bytes)])
def test_files_spooled_to_disk_are_checked_the_same(
    client_for, application_a, coordinator_a, settings, name, make_content
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Every upload goes to a temporary file.
    client = client_for(coordinator_a)
    assert "est ajoutée au dossier" in _message_after(
        client, _post(client, application_a, name, make_content())
    )
    page = _message_after(client, _post(client, application_a, name, b"%PDF PK\x03\x04 rien"))
    assert "La pièce n'a pas été ajoutée" in page
    assert ApplicationDocument.objects.count() == 1


@pytest.fixture
def storing_handlers(monkeypatch):
    return spy_on_storing_handlers(monkeypatch)


def test_an_oversized_upload_is_refused_without_being_stored(
    client_for, application_a, coordinator_a, stored_files, storing_handlers
):
    client = client_for(coordinator_a)
    content = pdf_bytes() + b"\0" * (11 * MB)  # A valid PDF start, beyond 10 Mo plus the margin.
    page = _message_after(client, _post(client, application_a, "gros.pdf", content))
    assert f"La pièce n'a pas été ajoutée : {TOO_LARGE}" in page
    assert not ApplicationDocument.objects.exists()
    assert not stored_files()
    # Not a byte of it went to memory or to a temporary file.
    assert storing_handlers == []


def test_a_file_just_over_10_mo_is_stored_then_refused_by_the_form(
    client_for, application_a, coordinator_a, stored_files, storing_handlers
):
    """Under the request cap, the file is received as usual and the form's own size check refuses it."""
    client = client_for(coordinator_a)
    page = _message_after(client, _post(client, application_a, "gros.pdf", b"%PDF" + b"0" * (10 * MB)))
    assert f"La pièce n'a pas été ajoutée : {TOO_LARGE}" in page
    assert sum(storing_handlers) > 10 * MB
    assert not ApplicationDocument.objects.exists()
    assert not stored_files()


def test_a_normal_upload_still_goes_through_the_storing_handlers(
    client_for, application_a, coordinator_a, storing_handlers
):
    client = client_for(coordinator_a)
    content = pdf_bytes()
    assert "est ajoutée au dossier" in _message_after(
        client, _post(client, application_a, "charte.pdf", content)
    )
    assert sum(storing_handlers) == len(content)


@pytest.mark.parametrize(
    ("name", "make_content"),
    [
        ("charte.pdf", pdf_bytes),
        ("charte.pdf", lambda: b"%PDF-1.7\n<html></html>"),
        ("gros.pdf", lambda: b"%PDF" + b"\0" * (11 * MB)),
    ],
)
def test_an_outsider_gets_404_whatever_the_file(
    client_for, application_a, coordinator_b, stored_files, name, make_content
):
    response = _post(client_for(coordinator_b), application_a, name, make_content())
    assert response.status_code == 404
    assert not ApplicationDocument.objects.exists()
    assert not stored_files()


def test_with_csrf_checks_the_oversized_upload_still_gets_the_french_message(
    application_a, coordinator_a, stored_files, storing_handlers
):
    """In production the CSRF middleware parses the body first: the token, sent before the file
    as in the page's form, survives the refusal, so the view answers with its message."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator_a)
    detail = reverse("labels:application_detail", kwargs={"pk": application_a.pk})
    client.get(detail)
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("labels:document_upload", kwargs={"pk": application_a.pk}),
        {
            "csrfmiddlewaretoken": token,
            "piece": RequiredPiece.objects.get(code="autre").pk,
            "file": SimpleUploadedFile("gros.pdf", b"%PDF" + b"\0" * (11 * MB)),
        },
    )
    assert f"La pièce n'a pas été ajoutée : {TOO_LARGE}" in _message_after(client, response)
    assert storing_handlers == []
    assert not stored_files()
