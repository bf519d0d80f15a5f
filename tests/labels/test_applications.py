"""Label applications: personas on every page, the life cycle through the pages, pieces."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from network.enums import DecisionKind
from network.models.governance import Decision
from sites.enums import ApplicationStatus, LabelStatus, RegionDecision
from sites.labels import services
from sites.models import LabelStatusChange
from sites.models.labels import ApplicationDocument, LabelApplication, RequiredPiece
from tests.factories import SiteFactory
from tests.helpers import element_text, links

from .conftest import PDF_BYTES
from .samples import docx_bytes, image_bytes

# A fixed day, so that the dates typed in the forms and the sites' renewal windows never depend on
# the day the tests run (fixtures are created on that day too).
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def _pdf(name="charte.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _read(response) -> bytes:
    # Reading the whole stream makes the test client close the file (and not the database connection,
    # which response.close() would do on PostgreSQL, in the middle of the test's transaction).
    return b"".join(response.streaming_content)


def _upload(client, application, **overrides):
    data = {"piece": RequiredPiece.objects.get(code="autre").pk, "file": _pdf(), **overrides}
    return client.post(reverse("labels:document_upload", kwargs={"pk": application.pk}), data)


# List.


def test_anonymous_is_sent_to_login(client_for, application_a):
    for url in [
        reverse("labels:application_list"),
        reverse("labels:application_detail", kwargs={"pk": application_a.pk}),
        reverse("labels:application_create"),
    ]:
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_list_shows_only_visible_applications(
    client_for, application_a, coordinator_a, coordinator_b, site_b
):
    other = services.label_application_create(site=site_b, is_renewal=True)
    listed = links(client_for(coordinator_a).get(reverse("labels:application_list")), "main table")
    assert reverse("labels:application_detail", kwargs={"pk": application_a.pk}) in listed
    assert reverse("labels:application_detail", kwargs={"pk": other.pk}) not in listed
    listed = links(client_for(coordinator_b).get(reverse("labels:application_list")), "main table")
    assert reverse("labels:application_detail", kwargs={"pk": other.pk}) in listed
    assert reverse("labels:application_detail", kwargs={"pk": application_a.pk}) not in listed


def test_partner_sees_an_empty_list_and_404s(client_for, application_a, partner):
    response = client_for(partner).get(reverse("labels:application_list"))
    assert response.status_code == 200
    assert "Aucune candidature" in response.content.decode()
    response = client_for(partner).get(reverse("labels:application_detail", kwargs={"pk": application_a.pk}))
    assert response.status_code == 404


def test_list_filters_by_status_and_site(client_for, application_a, regional_coordinator, site_b):
    other = services.label_application_create(site=site_b, is_renewal=True)
    client = client_for(regional_coordinator)
    listed = links(client.get(reverse("labels:application_list"), {"site": "troyes"}), "main table")
    assert reverse("labels:application_detail", kwargs={"pk": other.pk}) in listed
    assert reverse("labels:application_detail", kwargs={"pk": application_a.pk}) not in listed
    listed = links(client.get(reverse("labels:application_list"), {"renewal": "0"}), "main table")
    assert reverse("labels:application_detail", kwargs={"pk": application_a.pk}) in listed
    assert reverse("labels:application_detail", kwargs={"pk": other.pk}) not in listed


def test_list_query_count_does_not_grow_with_rows(
    client_for, regional_coordinator, django_assert_num_queries
):
    for _ in range(3):
        services.label_application_create(site=SiteFactory(), is_renewal=True)
    client = client_for(regional_coordinator)
    client.get(reverse("labels:application_list"))
    # session, user, roles (2), site choices of the filter, count, page of applications with their
    # site; the "can create" rule reads the roles only.
    with django_assert_num_queries(7):
        client.get(reverse("labels:application_list"))
    for _ in range(3):
        services.label_application_create(site=SiteFactory(), is_renewal=True)
    with django_assert_num_queries(7):
        client.get(reverse("labels:application_list"))


# Create.


def test_site_coordinator_opens_an_application_for_their_site(client_for, coordinator_a, project_site_a):
    response = client_for(coordinator_a).post(reverse("labels:application_create"), {"site": "reims"})
    application = LabelApplication.objects.get(site=project_site_a)
    assert response.status_code == 302
    assert not application.is_renewal
    assert application.status == ApplicationStatus.DRAFT


def test_site_coordinator_cannot_open_one_for_another_site(client_for, coordinator_b, project_site_a):
    response = client_for(coordinator_b).post(reverse("labels:application_create"), {"site": "reims"})
    assert response.status_code == 200
    assert not LabelApplication.objects.exists()


def test_observer_and_partner_cannot_create(client_for, observer, partner, project_site_a):
    for user in (observer, partner):
        assert (
            client_for(user).post(reverse("labels:application_create"), {"site": "reims"}).status_code == 403
        )
    assert not LabelApplication.objects.exists()


def test_a_labelled_site_gets_a_renewal(client_for, regional_coordinator, site_a):
    client_for(regional_coordinator).post(reverse("labels:application_create"), {"site": "reims"})
    assert LabelApplication.objects.get(site=site_a).is_renewal


def test_one_open_application_per_site(client_for, regional_coordinator, application_a):
    response = client_for(regional_coordinator).post(reverse("labels:application_create"), {"site": "reims"})
    assert "déjà une candidature en cours" in response.content.decode()
    assert LabelApplication.objects.count() == 1


# Detail, pieces.


def test_detail_personas(
    client_for, application_a, coordinator_a, coordinator_b, observer, regional_coordinator
):
    url = reverse("labels:application_detail", kwargs={"pk": application_a.pk})
    assert client_for(coordinator_b).get(url).status_code == 404
    for user in (coordinator_a, observer, regional_coordinator):
        assert client_for(user).get(url).status_code == 200
    response = client_for(observer).get(url)
    assert "Historique du dossier" in response.content.decode()
    # No upload form for a read-only observer.
    assert reverse("labels:document_upload", kwargs={"pk": application_a.pk}) not in links(response)


def test_upload_and_download_a_piece(client_for, application_a, coordinator_a, coordinator_b, observer):
    response = _upload(client_for(coordinator_a), application_a)
    assert response.status_code == 302
    document = ApplicationDocument.objects.get()
    assert document.uploaded_by == coordinator_a
    url = reverse("labels:document_download", kwargs={"pk": document.pk})
    response = client_for(coordinator_a).get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert _read(response) == PDF_BYTES
    response = client_for(observer).get(url)
    assert response.status_code == 200
    assert _read(response) == PDF_BYTES
    assert client_for(coordinator_b).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_strangers_and_readers_cannot_upload(client_for, application_a, coordinator_b, observer, partner):
    assert _upload(client_for(coordinator_b), application_a).status_code == 404
    assert _upload(client_for(partner), application_a).status_code == 404
    assert _upload(client_for(observer), application_a).status_code == 403
    assert not ApplicationDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Format non accepté"),
        ("faux.pdf", b"MZ\x90\x00 not a pdf", "ne correspond pas"),
        ("gros.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "dépasse 10 Mo"),
    ],
)
def test_upload_refuses_bad_files(client_for, application_a, coordinator_a, name, content, message):
    client = client_for(coordinator_a)
    response = _upload(client, application_a, file=_pdf(name, content))
    assert response.status_code == 302
    assert not ApplicationDocument.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_images_and_office_files_are_accepted(client_for, application_a, coordinator_a):
    client = client_for(coordinator_a)
    _upload(client, application_a, file=_pdf("plan.png", image_bytes("PNG")))
    _upload(client, application_a, file=_pdf("plan.docx", docx_bytes()))
    assert ApplicationDocument.objects.count() == 2


# The life cycle.


def test_full_cycle_grants_the_label(
    client_for, coordinator_a, regional_coordinator, application_a, commission_meeting
):
    site = application_a.site
    site_client, coordination = client_for(coordinator_a), client_for(regional_coordinator)
    pk = application_a.pk
    # The site deposits: the site becomes a "candidature".
    site_client.post(reverse("labels:application_submit", kwargs={"pk": pk}))
    site.refresh_from_db()
    assert site.label_status == LabelStatus.APPLICATION
    # Only the coordination instructs.
    url = reverse("labels:application_instruct", kwargs={"pk": pk})
    assert site_client.post(url, {"notes": "x"}).status_code == 403
    today = timezone.localdate()
    coordination.post(url, {"notes": "Dossier complet.", "instructed_on": today.isoformat()})
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.INSTRUCTION
    assert application_a.instructed_by == regional_coordinator
    # The avis, created here in a commission meeting.
    url = reverse("labels:application_opinion", kwargs={"pk": pk})
    assert site_client.post(url, {"mode": "create"}).status_code == 403
    coordination.post(
        url,
        {
            "mode": "create",
            "meeting": commission_meeting.pk,
            "kind": DecisionKind.FAVOURABLE,
            "summary": "Avis favorable.",
        },
    )
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.OPINION_GIVEN
    assert list(Decision.objects.about(application_a)) == [application_a.opinion]
    # The Région grants: the site is labelled with its renewal date, in the same step.
    renewal = today + datetime.timedelta(days=3 * 365)
    url = reverse("labels:application_decide", kwargs={"pk": pk})
    data = {
        "decision": RegionDecision.GRANTED,
        "decided_on": today.isoformat(),
        "label_start_on": today.isoformat(),
        "label_renewal_due_on": renewal.isoformat(),
    }
    assert site_client.post(url, data).status_code == 403
    response = coordination.post(url, data)
    assert response.status_code == 302
    application_a.refresh_from_db()
    site.refresh_from_db()
    assert application_a.status == ApplicationStatus.DECIDED
    assert site.label_status == LabelStatus.LABELLED
    assert site.label_renewal_due_on == renewal
    assert LabelStatusChange.objects.filter(site=site, status=LabelStatus.LABELLED).exists()
    # Every step is in the history shown on the page.
    assert application_a.history.count() >= 5
    page = coordination.get(reverse("labels:application_detail", kwargs={"pk": pk})).content.decode()
    assert "Historique du dossier" in page
    assert "coordination" in page


def test_choose_an_existing_opinion(
    client_for, regional_coordinator, instructed_application_a, commission_meeting
):
    decision = Decision.objects.create(
        meeting=commission_meeting,
        kind=DecisionKind.UNFAVOURABLE,
        summary="Avis défavorable.",
        subject=instructed_application_a,
    )
    other = Decision.objects.create(
        meeting=commission_meeting, kind=DecisionKind.FAVOURABLE, summary="Autre sujet"
    )
    url = reverse("labels:application_opinion", kwargs={"pk": instructed_application_a.pk})
    client = client_for(regional_coordinator)
    choices = element_text(client.get(url), "main form select[name=decision]")
    assert "Avis défavorable." in choices
    assert "Autre sujet" not in choices
    # A decision about something else is refused.
    client.post(url, {"mode": "choose", "decision": other.pk})
    instructed_application_a.refresh_from_db()
    assert instructed_application_a.opinion is None
    client.post(url, {"mode": "choose", "decision": decision.pk})
    instructed_application_a.refresh_from_db()
    assert instructed_application_a.opinion == decision


def test_opinion_page_explains_when_no_meeting_exists(
    client_for, regional_coordinator, instructed_application_a
):
    page = client_for(regional_coordinator).get(
        reverse("labels:application_opinion", kwargs={"pk": instructed_application_a.pk})
    )
    assert "Aucune réunion de la commission régionale" in page.content.decode()


def test_refusal_sends_a_first_application_back_to_project(
    regional_coordinator, instructed_application_a, commission_meeting
):
    application = services.label_application_create_opinion(
        application=instructed_application_a,
        meeting=commission_meeting,
        kind=DecisionKind.UNFAVOURABLE,
        summary="Défavorable",
        author=regional_coordinator,
    )
    services.label_application_decide(
        application=application, decision=RegionDecision.REFUSED, decided_on=timezone.localdate()
    )
    application.site.refresh_from_db()
    assert application.site.label_status == LabelStatus.PROJECT


def test_refused_renewal_keeps_the_site_labelled(regional_coordinator, site_a, commission_meeting):
    application = services.label_application_create(site=site_a, is_renewal=True)
    services.label_application_submit(application=application)
    services.label_application_instruct(
        application=application, notes="x", instructed_on=timezone.localdate()
    )
    services.label_application_create_opinion(
        application=application, meeting=commission_meeting, kind=DecisionKind.UNFAVOURABLE, summary="Non"
    )
    services.label_application_decide(
        application=application, decision=RegionDecision.REFUSED, decided_on=timezone.localdate()
    )
    site_a.refresh_from_db()
    assert site_a.label_status == LabelStatus.LABELLED


def test_granted_decision_needs_the_dates(
    client_for, regional_coordinator, instructed_application_a, commission_meeting
):
    services.label_application_create_opinion(
        application=instructed_application_a,
        meeting=commission_meeting,
        kind=DecisionKind.FAVOURABLE,
        summary="Oui",
    )
    response = client_for(regional_coordinator).post(
        reverse("labels:application_decide", kwargs={"pk": instructed_application_a.pk}),
        {"decision": RegionDecision.GRANTED, "decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    instructed_application_a.refresh_from_db()
    assert instructed_application_a.status == ApplicationStatus.OPINION_GIVEN


def test_steps_out_of_order_are_refused(client_for, regional_coordinator, application_a):
    client = client_for(regional_coordinator)
    response = client.post(
        reverse("labels:application_decide", kwargs={"pk": application_a.pk}),
        {"decision": RegionDecision.REFUSED, "decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.DRAFT


def test_crafted_posts_of_another_site_change_nothing(
    client_for, coordinator_b, instructed_application_a, commission_meeting
):
    client = client_for(coordinator_b)
    pk = instructed_application_a.pk
    for name, data in [
        ("application_submit", {}),
        ("application_withdraw", {}),
        ("application_instruct", {"notes": "piraté"}),
        (
            "application_opinion",
            {"mode": "create", "meeting": commission_meeting.pk, "kind": "avis_favorable", "summary": "x"},
        ),
        ("application_decide", {"decision": "accorde"}),
    ]:
        assert client.post(reverse(f"labels:{name}", kwargs={"pk": pk}), data).status_code == 404, name
    instructed_application_a.refresh_from_db()
    assert instructed_application_a.status == ApplicationStatus.INSTRUCTION
    assert instructed_application_a.instruction_notes == "Dossier complet."
    assert not Decision.objects.exists()


def test_observer_gets_403_on_writes(client_for, observer, instructed_application_a):
    client = client_for(observer)
    pk = instructed_application_a.pk
    for name in ["application_submit", "application_withdraw", "application_instruct", "application_decide"]:
        assert client.post(reverse(f"labels:{name}", kwargs={"pk": pk}), {}).status_code == 403, name


# Renewal.


def test_renewal_due_shows_and_prepares_a_renewal(
    client_for, coordinator_a, regional_coordinator, site_a, commission_meeting
):
    # A granted application some years ago; the label is now close to its renewal date.
    application = services.label_application_create(site=site_a, is_renewal=True)
    services.label_application_submit(application=application)
    services.label_application_instruct(
        application=application, notes="x", instructed_on=timezone.localdate()
    )
    services.label_application_create_opinion(
        application=application, meeting=commission_meeting, kind=DecisionKind.FAVOURABLE, summary="Oui"
    )
    today = timezone.localdate()
    services.label_application_decide(
        application=application,
        decision=RegionDecision.GRANTED,
        decided_on=today,
        label_start_on=today,
        label_renewal_due_on=today + datetime.timedelta(days=30),
    )
    page = client_for(coordinator_a).get(reverse("labels:application_detail", kwargs={"pk": application.pk}))
    page = page.content.decode()
    assert "Renouvellement à prévoir" in page
    assert "Préparer le renouvellement" in page
    url = reverse("labels:application_prepare_renewal", kwargs={"slug": site_a.slug})
    response = client_for(coordinator_a).post(url)
    renewal = LabelApplication.objects.exclude(pk=application.pk).get()
    assert renewal.is_renewal
    assert response["Location"] == reverse("labels:application_detail", kwargs={"pk": renewal.pk})
    # A second click opens nothing more.
    client_for(coordinator_a).post(url)
    assert LabelApplication.objects.count() == 2


def test_prepare_renewal_personas(client_for, coordinator_b, observer, site_a):
    url = reverse("labels:application_prepare_renewal", kwargs={"slug": site_a.slug})
    assert client_for(coordinator_b).post(url).status_code == 404
    assert client_for(observer).post(url).status_code == 403
    assert not LabelApplication.objects.exists()
