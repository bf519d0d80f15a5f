"""Fixtures of the label tests: uploaded files go to a temporary MEDIA_ROOT, a commission
meeting to record avis in, the Cités des métiers grid, the pieces of an Espace métiers file, and
an application per stage.

The data migration seeds the pieces but links them to the site kinds that exist when it runs (none
in a new test database): every test here gets the optional "autre pièce" for the Espaces métiers,
so that uploads have a piece to name; `required_pieces` gives the kind its whole list."""

import datetime

import pytest
from django.utils import timezone

from network.enums import BodyScope
from network.models.governance import Body, BodyKind, Meeting
from sites.enums import LabelStatus
from sites.labels import services
from sites.labels.demo import load_evaluation_grid
from sites.models import Site
from sites.models.labels import RequiredPiece
from tests.factories import SiteKindFactory

from .samples import pdf_bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# The pieces the migration seeded for the Espaces métiers, required first.
EM_REQUIRED_PIECES = ["dossier-candidature-em", "cahier-des-charges-em", "charte-em", "plan-financement"]


@pytest.fixture(autouse=True)
def other_piece(db):
    """The optional "autre pièce", asked of the Espaces métiers (the kind of the tests' sites)."""
    piece, _created = RequiredPiece.objects.get_or_create(
        code="autre", defaults={"label": "Autre pièce", "required": False, "order": 100}
    )
    piece.site_kinds.add(SiteKindFactory())
    return piece


@pytest.fixture
def required_pieces(other_piece):
    """The Espaces métiers' required pieces, as the coordination would link them in the admin."""
    kind = SiteKindFactory()
    pieces = list(RequiredPiece.objects.filter(code__in=EM_REQUIRED_PIECES).order_by("order"))
    kind.application_pieces.add(*pieces)
    return pieces


@pytest.fixture
def commission_meeting(db):
    kind = BodyKind.objects.create(code="commission", label="Commission régionale")
    body = Body.objects.create(
        name="Commission régionale des Espaces métiers", kind=kind, scope=BodyScope.REGION
    )
    return Meeting.objects.create(
        body=body, title="Commission de juin", starts_at=timezone.now() - datetime.timedelta(days=3)
    )


@pytest.fixture
def grid(db):
    return load_evaluation_grid()


@pytest.fixture
def project_site_a(site_a):
    """Site A before its first label: a project."""
    Site.objects.filter(pk=site_a.pk).update(
        label_status=LabelStatus.PROJECT, labelled_on=None, label_renewal_due_on=None
    )
    site_a.refresh_from_db()
    return site_a


@pytest.fixture
def application_a(project_site_a):
    """A first application of site A, still being prepared."""
    return services.label_application_create(site=project_site_a)


@pytest.fixture
def instructed_application_a(application_a, regional_coordinator):
    services.label_application_submit(application=application_a, author=regional_coordinator)
    return services.label_application_instruct(
        application=application_a,
        notes="Dossier complet.",
        instructed_on=timezone.localdate(),
        author=regional_coordinator,
    )


# A real one-page PDF: uploads are parsed, a file that only starts with %PDF is refused.
PDF_BYTES = pdf_bytes()
