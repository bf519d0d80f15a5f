"""Uploaded pieces never leave through a public URL, in any mode: only the download view, which
fetches them through the scoped queryset, hands them out (itself, or through the web server)."""

import importlib

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import spro.urls
from sites.models.labels import ApplicationDocument

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 contenu du dossier"


@pytest.fixture
def document(application_a, coordinator_a, other_piece):
    piece = ApplicationDocument(application=application_a, piece=other_piece, uploaded_by=coordinator_a)
    piece.file.save("charte.pdf", ContentFile(CONTENT))
    return piece


@pytest.fixture
def debug_urls(settings):
    """The root URLconf as `make run` builds it: read again with DEBUG on (routes may depend on it)."""
    settings.DEBUG = True
    clear_url_caches()
    importlib.reload(spro.urls)
    yield
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(spro.urls)


@pytest.mark.parametrize(
    "persona", [None, "regional_coordinator", "coordinator_a", "coordinator_b", "partner"]
)
def test_in_debug_no_media_path_serves_the_file(request, client_for, document, debug_urls, persona):
    """`make run` sets DEBUG=1: the media route used to hand any account another site's pieces."""
    client = client_for(request.getfixturevalue(persona) if persona else None)
    for prefix in ("/media/", "/fichiers-internes/"):
        response = client.get(prefix + document.file.name)
        assert response.status_code == 404, prefix
        assert CONTENT not in response.content


def test_the_download_view_serves_the_owner_and_hides_the_piece_from_strangers(
    client_for, document, coordinator_a, coordinator_b, partner
):
    url = reverse("labels:document_download", kwargs={"pk": document.pk})
    response = client_for(coordinator_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Disposition"].startswith("attachment")
    for stranger in (coordinator_b, partner):
        assert client_for(stranger).get(url).status_code == 404


@override_settings(SPRO_SENDFILE_HEADER="X-Accel-Redirect", SPRO_SENDFILE_PREFIX="/fichiers-internes/")
def test_behind_nginx_the_view_hands_the_sending_to_the_server(
    client_for, document, coordinator_a, coordinator_b
):
    url = reverse("labels:document_download", kwargs={"pk": document.pk})
    response = client_for(coordinator_a).get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/fichiers-internes/{document.file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="charte.pdf"'
    assert response.content == b""
    # The check still comes first: a stranger gets no header to follow.
    stranger = client_for(coordinator_b).get(url)
    assert stranger.status_code == 404 and "X-Accel-Redirect" not in stranger
    # A piece missing from the storage is a 404, not a header pointing at nothing.
    document.file.storage.delete(document.file.name)
    assert client_for(coordinator_a).get(url).status_code == 404
