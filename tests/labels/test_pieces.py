"""The pieces of a label application file: a reference list per site kind, a checklist on the
application's page, documents shown by their title, filing refused while a required piece is
missing (page, rule and service), and withdrawing as a secondary, confirmed action."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import rules
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.enums import ApplicationStatus, LabelStatus
from sites.labels import services
from sites.models.labels import ApplicationDocument, RequiredPiece
from tests.factories import SiteFactory, SiteKindFactory, UserFactory
from tests.helpers import element_text, links, soup, text

from .conftest import PDF_BYTES

NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def _detail(application) -> str:
    return reverse("labels:application_detail", kwargs={"pk": application.pk})


def _upload(client, application, piece, name="charte-signee.pdf", **data):
    return client.post(
        reverse("labels:document_upload", kwargs={"pk": application.pk}),
        {"piece": piece.pk, "file": SimpleUploadedFile(name, PDF_BYTES), **data},
    )


def _give(application, pieces, author=None):
    for piece in pieces:
        services.application_document_add(
            application=application,
            piece=piece,
            file=SimpleUploadedFile(f"{piece.code}.pdf", PDF_BYTES),
            author=author,
        )


# The reference list.


def test_the_migration_seeds_the_pieces_of_both_kinds(db):
    codes = set(RequiredPiece.objects.values_list("code", flat=True))
    assert {"charte-em", "cahier-des-charges-em", "plan-financement", "charte-cdm", "autre"} <= codes
    assert RequiredPiece.objects.get(code="charte-cdm").required
    assert not RequiredPiece.objects.get(code="autre").required


def test_the_pieces_of_a_kind_are_its_own(required_pieces):
    em = SiteKindFactory()
    cdm = SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")
    RequiredPiece.objects.get(code="charte-cdm").site_kinds.add(cdm)
    em_codes = set(RequiredPiece.objects.for_kind(em).values_list("code", flat=True))
    assert "charte-em" in em_codes and "charte-cdm" not in em_codes
    assert set(RequiredPiece.objects.for_kind(cdm).values_list("code", flat=True)) == {"charte-cdm"}
    # A piece out of date is no longer asked.
    RequiredPiece.objects.filter(code="charte-em").update(valid_until=datetime.date(2026, 1, 1))
    assert "charte-em" not in set(RequiredPiece.objects.for_kind(em).values_list("code", flat=True))


def test_regional_coordinator_edits_the_pieces_in_the_admin(
    client_for, regional_coordinator, required_pieces
):
    client = client_for(regional_coordinator)
    assert client.get(reverse("admin:sites_requiredpiece_changelist")).status_code == 200
    piece = RequiredPiece.objects.get(code="charte-em")
    url = reverse("admin:sites_requiredpiece_change", args=[piece.pk])
    page = client.get(url)
    assert page.status_code == 200
    kind = SiteKindFactory()
    response = client.post(
        url,
        {
            "code": piece.code,
            "label": "Charte régionale signée (2026)",
            "help_text": "",
            "required": "",
            "site_kinds": [kind.pk],
            "order": 5,
        },
    )
    assert response.status_code == 302
    piece.refresh_from_db()
    assert piece.label == "Charte régionale signée (2026)" and not piece.required


# The checklist and the filing.


def test_the_page_lists_the_pieces_and_refuses_filing_while_one_is_missing(
    client_for, coordinator_a, application_a, required_pieces
):
    client = client_for(coordinator_a)
    response = client.get(_detail(application_a))
    checklist = element_text(response, "table.checklist")
    for piece in required_pieces:
        assert piece.label in checklist
    assert "Obligatoire, manquante" in checklist
    assert "Autre pièce" in checklist and "Facultative" in checklist
    # No filing button, and the reason, naming the pieces.
    assert reverse("labels:application_submit", kwargs={"pk": application_a.pk}) not in str(soup(response))
    warning = element_text(response, "#pieces-manquantes")
    assert "« Charte régionale des Espaces métiers signée »" in warning
    assert "« Plan de financement »" in warning
    # A crafted post is refused with the same names, and nothing changes.
    response = client.post(reverse("labels:application_submit", kwargs={"pk": application_a.pk}))
    page = text(client.get(response["Location"]))
    assert "Le dossier est incomplet" in page
    assert "« Dossier de candidature du territoire »" in page
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.DRAFT


def test_the_service_and_the_rule_refuse_an_incomplete_file(coordinator_a, application_a, required_pieces):
    assert not rules.test_rule("labels.submit_application", coordinator_a, application_a)
    _give(application_a, required_pieces[:-1], coordinator_a)
    with pytest.raises(ValidationError) as error:
        services.label_application_submit(application=application_a, author=coordinator_a)
    assert error.value.messages == [
        "Le dossier est incomplet : ajoutez la pièce « Plan de financement » avant de déposer la candidature."
    ]
    # Without an author (a task, the demo) the rule of the file still holds.
    with pytest.raises(ValidationError):
        services.label_application_submit(application=application_a)
    _give(application_a, required_pieces[-1:], coordinator_a)
    assert rules.test_rule("labels.submit_application", coordinator_a, application_a)
    services.label_application_submit(application=application_a, author=coordinator_a)
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.SUBMITTED


def test_a_complete_file_is_filed_through_the_page(client_for, coordinator_a, application_a, required_pieces):
    client = client_for(coordinator_a)
    for piece in required_pieces:
        assert _upload(client, application_a, piece, name=f"{piece.code}.pdf").status_code == 302
    response = client.get(_detail(application_a))
    assert "Obligatoire, manquante" not in element_text(response, "table.checklist")
    assert not soup(response).select("#pieces-manquantes")
    submit = reverse("labels:application_submit", kwargs={"pk": application_a.pk})
    assert soup(response).select(f'form[action="{submit}"] button')
    client.post(submit)
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.SUBMITTED
    assert application_a.site.label_status == LabelStatus.APPLICATION


def test_documents_show_their_piece_and_title_not_their_path(
    client_for, coordinator_a, application_a, required_pieces
):
    client = client_for(coordinator_a)
    charter = RequiredPiece.objects.get(code="charte-em")
    _upload(client, application_a, charter, name="charte-reims-2026.pdf")
    _upload(client, application_a, charter, name="x.pdf", title="Charte signée par le maire")
    documents = ApplicationDocument.objects.order_by("pk")
    assert [d.piece for d in documents] == [charter, charter]
    assert [d.display_title for d in documents] == ["charte-reims-2026.pdf", "Charte signée par le maire"]
    response = client.get(_detail(application_a))
    row = next(
        tr for tr in soup(response).select("table.checklist tbody tr") if charter.label in tr.th.get_text()
    )
    assert "Fournie" in row.get_text()
    assert {a.get_text() for a in row.select("a")} == {"charte-reims-2026.pdf", "Charte signée par le maire"}
    page = element_text(response, "main")
    for document in documents:
        assert document.file.name.startswith("candidatures/")
        assert document.file.name not in page


def test_a_piece_of_another_kind_is_refused(client_for, coordinator_a, application_a, required_pieces):
    cdm_charter = RequiredPiece.objects.get(code="charte-cdm")
    cdm_charter.site_kinds.add(SiteKindFactory(code="cite-des-metiers", label="Cité des métiers"))
    # Not among the form's choices…
    response = client_for(coordinator_a).get(_detail(application_a))
    choices = [option["value"] for option in soup(response).select("select[name=piece] option")]
    assert str(cdm_charter.pk) not in choices
    assert str(RequiredPiece.objects.get(code="charte-em").pk) in choices
    response = _upload(client_for(coordinator_a), application_a, cdm_charter)
    assert response.status_code == 302
    assert not ApplicationDocument.objects.exists()
    # …and refused by the service.
    with pytest.raises(ValidationError, match="pas demandée pour ce type de site"):
        _give(application_a, [cdm_charter], coordinator_a)


def test_a_kind_without_pieces_says_so(client_for, regional_coordinator):
    kind = SiteKindFactory(code="point-relais", label="Point relais")
    site = SiteFactory(
        kind=kind, label_status=LabelStatus.PROJECT, labelled_on=None, label_renewal_due_on=None
    )
    application = services.label_application_create(site=site)
    response = client_for(regional_coordinator).get(_detail(application))
    assert "Aucune pièce n'est demandée pour le type de site « Point relais »" in text(response)
    assert not soup(response).select("select[name=piece]")
    # Nothing is required of it: it may be filed.
    services.label_application_submit(application=application, author=regional_coordinator)


def test_detail_query_count_does_not_grow_with_documents(
    client_for, coordinator_a, application_a, required_pieces, django_assert_max_num_queries
):
    client = client_for(coordinator_a)
    _give(application_a, required_pieces[:1], coordinator_a)
    client.get(_detail(application_a))
    with django_assert_max_num_queries(30) as first:
        client.get(_detail(application_a))
    _give(application_a, required_pieces * 3, coordinator_a)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(_detail(application_a))


# Withdrawing.


def test_withdrawing_is_a_link_to_a_confirmation_page(client_for, coordinator_a, application_a):
    client = client_for(coordinator_a)
    url = reverse("labels:application_withdraw", kwargs={"pk": application_a.pk})
    response = client.get(_detail(application_a))
    assert url in links(response)
    # A link, not a button among the primary actions.
    assert not soup(response).select(f'form[action="{url}"]')
    page = client.get(url)
    assert page.status_code == 200
    assert "Voulez-vous retirer la candidature au label de" in text(page)
    assert soup(page).select("form button.button-danger")
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.DRAFT
    response = client.post(url)
    assert response.status_code == 302
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.WITHDRAWN
    # Closed: the link is gone and the page sends back to the file.
    assert url not in links(client.get(_detail(application_a)))
    assert client.get(url)["Location"] == _detail(application_a)


def test_withdraw_page_personas(client_for, application_a, coordinator_b, observer, partner):
    url = reverse("labels:application_withdraw", kwargs={"pk": application_a.pk})
    assert client_for(None).get(url).status_code == 302
    assert client_for(partner).get(url).status_code == 404
    assert client_for(coordinator_b).get(url).status_code == 404
    assert client_for(observer).get(url).status_code == 403
    assert client_for(observer).post(url).status_code == 403
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.DRAFT


def test_a_non_staff_stranger_cannot_edit_pieces_in_the_admin(client_for, coordinator_a):
    for user in (coordinator_a, UserFactory()):
        response = client_for(user).get(reverse("admin:sites_requiredpiece_changelist"))
        assert response.status_code == 302
