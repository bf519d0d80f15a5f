"""The network pages, as each persona sees them."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.enums import Role
from network.models import ApiToken, Organisation, RoleAssignment, User
from network.services import api_token_create
from sites.enums import LabelStatus
from sites.models import LabelStatusChange
from tests.factories import (
    CoordinatorAssignmentFactory,
    OrganisationFactory,
    OrganisationKindFactory,
    RoleAssignmentFactory,
    SiteFactory,
    TerritoryFactory,
    UserFactory,
)
from tests.helpers import PERSONAS, element_text, links, text, texts

# The clock is frozen on 15 June 2026: role dates, label renewals and SPRO recognitions are
# computed from that day (and the factories' dates with it), whatever day the tests run.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Mission locale du Rémois", acronym="MLR")


@pytest.fixture
def person(db, organisation):
    return UserFactory(
        username="dominique", first_name="Dominique", last_name="Lefèvre", organisation=organisation
    )


@pytest.fixture
def observer_role(db, person):
    return RoleAssignmentFactory(user=person, role=Role.OBSERVER)


# Who may open what.

READ_FOR_EVERYONE = {persona: 200 for persona in PERSONAS if persona != "anonymous"}
COORDINATION_ONLY = {persona: 403 for persona in PERSONAS if persona != "anonymous"} | {
    "regional_coordinator": 200
}

PAGES = [
    ("home", lambda objects: reverse("home"), READ_FOR_EVERYONE),
    ("organisation_list", lambda objects: reverse("network:organisation_list"), READ_FOR_EVERYONE),
    (
        "organisation_detail",
        lambda objects: reverse("network:organisation_detail", args=[objects["organisation"].pk]),
        READ_FOR_EVERYONE,
    ),
    ("organisation_create", lambda objects: reverse("network:organisation_create"), COORDINATION_ONLY),
    (
        "organisation_edit",
        lambda objects: reverse("network:organisation_edit", args=[objects["organisation"].pk]),
        COORDINATION_ONLY,
    ),
    ("person_list", lambda objects: reverse("network:person_list"), COORDINATION_ONLY),
    ("person_create", lambda objects: reverse("network:person_create"), COORDINATION_ONLY),
    (
        "person_detail",
        lambda objects: reverse("network:person_detail", args=[objects["person"].pk]),
        COORDINATION_ONLY,
    ),
    ("role_add", lambda objects: reverse("network:role_add", args=[objects["person"].pk]), COORDINATION_ONLY),
    ("role_end", lambda objects: reverse("network:role_end", args=[objects["role"].pk]), COORDINATION_ONLY),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url_for", "expected"), PAGES, ids=[page[0] for page in PAGES])
def test_every_page_answers_each_persona(
    as_persona, organisation, person, observer_role, persona, name, url_for, expected
):
    client = as_persona(persona)
    url = url_for({"organisation": organisation, "person": person, "role": observer_role})

    response = client.get(url)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    else:
        assert response.status_code == expected[persona]
    if response.status_code == 403:
        assert "Accès refusé" in text(response)


@pytest.mark.parametrize("persona", ["coordinator_a", "partner", "observer"])
def test_management_posts_are_refused_to_non_coordinators(as_persona, organisation, person, persona):
    client = as_persona(persona)
    role = RoleAssignmentFactory(user=person, role=Role.OBSERVER)

    responses = [
        client.post(
            reverse("network:organisation_create"), {"name": "Intruse", "kind": organisation.kind_id}
        ),
        client.post(reverse("network:organisation_edit", args=[organisation.pk]), {"name": "Renommée"}),
        client.post(reverse("network:person_create"), {"username": "intrus", "email": "intrus@exemple.fr"}),
        client.post(reverse("network:role_end", args=[role.pk]), {"end_date": TODAY.isoformat()}),
    ]

    assert [response.status_code for response in responses] == [403] * 4
    assert not Organisation.objects.filter(name__in=["Intruse", "Renommée"]).exists()
    assert not User.objects.filter(username="intrus").exists()
    role.refresh_from_db()
    assert role.end_date is None


def test_unknown_objects_give_a_french_404(client_for, regional_coordinator):
    response = client_for(regional_coordinator).get(reverse("network:organisation_detail", args=[999999]))

    assert response.status_code == 404
    assert "Page introuvable" in text(response)


# Home page.


def test_regional_home_shows_the_network_at_a_glance(client_for, regional_coordinator, site_a, site_b):
    due = SiteFactory(
        name="Espace métiers de Sedan", label_renewal_due_on=TODAY + datetime.timedelta(days=20)
    )
    SiteFactory(name="Espace métiers en projet", label_status=LabelStatus.PROJECT, label_renewal_due_on=None)
    LabelStatusChange.objects.create(
        site=site_b,
        previous_status=LabelStatus.APPLICATION,
        status=LabelStatus.LABELLED,
        effective_on=TODAY,
        author=regional_coordinator,
    )

    response = client_for(regional_coordinator).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["nav"] == "home"
    assert response.context["site_count"] == 4
    assert response.context["labelled_count"] == 3
    assert response.context["due_for_renewal"] == [due]
    assert {row["status"]: row["count"] for row in response.context["sites_by_status"]}[
        LabelStatus.PROJECT
    ] == 1
    assert [row["count"] for row in response.context["sites_by_kind"]] == [4]
    page = text(response)
    assert "Le réseau en un coup d'œil" in page
    assert "Espace métiers de Sedan" in page
    assert reverse("sites:detail", kwargs={"slug": due.slug}) in page
    assert "Espace métiers de Troyes" in page  # recent label change
    assert reverse("network:organisation_create") in page


def test_regional_home_query_count_does_not_grow_with_the_network(client_for, regional_coordinator):
    client = client_for(regional_coordinator)

    def home_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        return len(queries)

    def add_sites(number: int, start: int):
        for offset in range(number):
            site = SiteFactory(label_renewal_due_on=TODAY + datetime.timedelta(days=start + offset))
            LabelStatusChange.objects.create(site=site, status=LabelStatus.LABELLED, effective_on=TODAY)

    add_sites(2, 0)
    small = home_queries()
    add_sites(6, 2)
    assert home_queries() == small
    assert len(client.get(reverse("home")).context["due_for_renewal"]) == 8


def test_observer_home_is_the_network_overview_read_only(client_for, observer, site_a):
    response = client_for(observer).get(reverse("home"))

    page = text(response)
    assert "Le réseau en un coup d'œil" in page
    assert "lecture seule" in page
    assert reverse("network:organisation_create") not in links(response)


def test_site_coordinator_home_shows_their_site_only(client_for, coordinator_a, site_a, site_b):
    response = client_for(coordinator_a).get(reverse("home"))

    page = text(response)
    assert "Mes sites" in page
    assert "Espace métiers de Reims" in page
    assert reverse("sites:edit_practical", kwargs={"slug": "reims"}) in page
    assert reverse("sites:detail", kwargs={"slug": "reims"}) in page
    assert "Espace métiers de Troyes" not in element_text(response, "main")
    assert "Le réseau en un coup d'œil" not in texts(response, "main h2")


def test_partner_home_shows_their_organisation_and_the_api(client_for, partner):
    response = client_for(partner).get(reverse("home"))

    page = text(response)
    assert "France Travail Grand Est" in page
    assert reverse("api-docs") in page
    assert reverse("sites:directory") in page
    assert "Le réseau en un coup d'œil" not in texts(response, "main h2")


def test_a_person_without_role_is_told_whom_to_contact(client_for, regional_coordinator):
    newcomer = UserFactory(username="nouveau")

    response = client_for(newcomer).get(reverse("home"))

    page = text(response)
    assert "Votre compte n'a pas encore de rôle" in page
    assert regional_coordinator.email in page
    assert "Le réseau en un coup d'œil" not in texts(response, "main h2")


# Organisations.


def test_organisation_list_searches_and_filters(client_for, partner):
    ardennes = TerritoryFactory(code="08", name="Ardennes")
    meuse = TerritoryFactory(code="0M", name="Meuse")
    cio = OrganisationKindFactory(code="cio", label="CIO")
    OrganisationFactory(name="CIO de Reims", kind=cio, departement=ardennes, is_spro_member=True)
    OrganisationFactory(name="Maison de l'emploi de Troyes", commune="Troyes", departement=meuse)
    client = client_for(partner)

    def names(params):
        response = client.get(reverse("network:organisation_list"), params)
        return [organisation.name for organisation in response.context["page_obj"]]

    assert names({"q": "troyes"}) == ["Maison de l'emploi de Troyes"]
    assert names({"kind": cio.pk}) == ["CIO de Reims"]
    assert names({"departement": meuse.pk}) == ["Maison de l'emploi de Troyes"]
    assert names({"spro_member": "oui"}) == ["CIO de Reims"]
    assert "CIO de Reims" not in names({"spro_member": "non"})


def test_spro_membership_filter_follows_the_recognition_dates(client_for, partner):
    OrganisationFactory(
        name="Ancien membre", is_spro_member=True, spro_recognition_ends_on=TODAY - datetime.timedelta(days=1)
    )
    OrganisationFactory(
        name="Membre en cours",
        is_spro_member=True,
        spro_recognition_ends_on=TODAY + datetime.timedelta(days=1),
    )
    response = client_for(partner).get(reverse("network:organisation_list"), {"spro_member": "oui"})

    listed = element_text(response, "main table tbody")
    assert "Membre en cours" in listed
    assert "Ancien membre" not in listed


def test_organisation_list_paginates_by_25(client_for, partner):
    OrganisationFactory.create_batch(29)  # plus the partner's own organisation: 30

    first = client_for(partner).get(reverse("network:organisation_list"))
    second = client_for(partner).get(reverse("network:organisation_list"), {"page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert "Page 2 sur 2" in text(second)
    assert "30 organisations" in text(first)


def test_organisation_list_empty_state(client_for, partner):
    response = client_for(partner).get(reverse("network:organisation_list"), {"q": "introuvable"})

    assert "Aucune organisation ne correspond à ces critères." in text(response)


def test_organisation_list_query_count(client_for, partner, django_assert_num_queries):
    for _number in range(30):
        SiteFactory()  # each with its own host organisation and département
    client = client_for(partner)

    # 2 session and user, 2 roles, then: count for the paginator, the page (kind and
    # département joined, hosted sites counted in the same query), and the two <select>
    # of the filter form (types, départements).
    with django_assert_num_queries(8):
        response = client.get(reverse("network:organisation_list"))
    assert len(response.context["page_obj"]) == 25


def test_organisation_detail_shows_members_and_history_to_the_coordination_only(
    client_for, regional_coordinator, partner, organisation, person
):
    site = SiteFactory(name="Espace métiers de Reims centre", host=organisation)
    url = reverse("network:organisation_detail", args=[organisation.pk])

    partner_response = client_for(partner).get(url)
    coordination_page = text(client_for(regional_coordinator).get(url))
    partner_page = text(partner_response)

    for page in (coordination_page, partner_page):
        assert "Mission locale du Rémois" in page
        assert reverse("sites:detail", kwargs={"slug": site.slug}) in page
    assert "Dominique Lefèvre" in coordination_page
    assert "Historique des modifications" in coordination_page
    assert "Dominique Lefèvre" not in element_text(partner_response, "main")
    assert "Historique des modifications" not in texts(partner_response, "main h2")
    assert reverse("network:organisation_edit", args=[organisation.pk]) not in links(partner_response)


def test_a_site_in_project_is_not_listed_to_a_partner(client_for, partner, organisation):
    SiteFactory(name="Espace métiers labellisé", host=organisation)
    SiteFactory(name="Projet confidentiel", host=organisation, label_status=LabelStatus.PROJECT)

    response = client_for(partner).get(reverse("network:organisation_detail", args=[organisation.pk]))

    hosted_sites = element_text(response, "main .columns ul")
    assert "Espace métiers labellisé" in hosted_sites
    assert "Projet confidentiel" not in hosted_sites


def organisation_data(**overrides):
    kind = OrganisationKindFactory()
    data = {
        "name": "Cap emploi Marne",
        "acronym": "CE51",
        "kind": kind.pk,
        "is_spro_member": "on",
        "spro_recognised_on": "2024-01-15",
        "spro_recognition_ends_on": "",
        "commune": "Reims",
        "website": "capemploi51.fr",
    }
    return data | overrides


def test_coordinator_creates_an_organisation_with_history(client_for, regional_coordinator):
    response = client_for(regional_coordinator).post(
        reverse("network:organisation_create"), organisation_data(), follow=True
    )

    organisation = Organisation.objects.get(name="Cap emploi Marne")
    assert response.redirect_chain[-1][0] == reverse("network:organisation_detail", args=[organisation.pk])
    assert organisation.spro_recognised_on == datetime.date(2024, 1, 15)
    assert organisation.website == "https://capemploi51.fr"
    record = organisation.history.get()
    assert record.history_type == "+"
    assert record.history_user == regional_coordinator
    page = text(response)
    assert "a été créée" in page
    assert "15 janvier 2024" in page


def test_coordinator_edits_an_organisation_and_history_keeps_the_author(
    client_for, regional_coordinator, organisation
):
    url = reverse("network:organisation_edit", args=[organisation.pk])
    client = client_for(regional_coordinator)
    form_page = client.get(url)
    assert 'value="Mission locale du Rémois"' in text(form_page)

    response = client.post(url, organisation_data(name="Mission locale de Reims", kind=organisation.kind_id))

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Mission locale de Reims"
    latest = organisation.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == regional_coordinator
    detail = text(client.get(reverse("network:organisation_detail", args=[organisation.pk])))
    assert "modification" in detail
    assert str(regional_coordinator) in detail


def test_invalid_organisation_form_keeps_typed_values_and_explains_in_french(
    client_for, regional_coordinator
):
    data = organisation_data(name="", spro_recognised_on="2024-06-01", spro_recognition_ends_on="2024-01-01")

    response = client_for(regional_coordinator).post(reverse("network:organisation_create"), data)

    assert response.status_code == 200
    page = text(response)
    assert "Ce champ est obligatoire." in page
    assert "La date de fin ne peut pas précéder la date de début." in page
    assert 'value="CE51"' in page
    assert 'value="2024-06-01"' in page
    assert not Organisation.objects.filter(acronym="CE51").exists()


def test_a_service_refusal_is_shown_on_the_form(client_for, regional_coordinator, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "Ce nom est déjà pris par une autre structure."})

    monkeypatch.setattr("network.services.organisation_save", refuse)

    response = client_for(regional_coordinator).post(
        reverse("network:organisation_create"), organisation_data()
    )

    assert response.status_code == 200
    assert "Ce nom est déjà pris par une autre structure." in text(response)
    assert 'value="Cap emploi Marne"' in text(response)


# People and roles.


def test_person_list_shows_current_roles_and_sites(client_for, regional_coordinator, coordinator_a, partner):
    response = client_for(regional_coordinator).get(reverse("network:person_list"))

    assert response.status_code == 200
    assert response.context["nav"] == "people"
    page = text(response)
    assert "Espace métiers de Reims" in page  # coordinator_a's site
    assert "Membre partenaire" in page
    assert "Coordination régionale" in page


def test_person_list_searches_and_filters_by_role(
    client_for, regional_coordinator, coordinator_a, partner, observer
):
    old = UserFactory(username="ancien")
    RoleAssignmentFactory(
        user=old,
        role=Role.OBSERVER,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=10),
    )
    client = client_for(regional_coordinator)

    def usernames(params):
        response = client.get(reverse("network:person_list"), params)
        return {user.username for user in response.context["page_obj"]}

    assert usernames({"q": "partenaire"}) == {"partenaire"}
    assert usernames({"role": Role.OBSERVER}) == {"region"}
    assert usernames({"role": "site_coordinator"}) == {"ctem-a"}
    assert usernames({"role": "none"}) == {"ancien"}


def test_person_list_query_count(client_for, regional_coordinator, django_assert_num_queries):
    for _number in range(10):
        CoordinatorAssignmentFactory()
        RoleAssignmentFactory(role=Role.OBSERVER)
    client = client_for(regional_coordinator)

    # 2 session and user, 2 roles, then: count for the paginator, the page (organisation joined),
    # one prefetch of current roles, one prefetch of current site assignments (site joined).
    with django_assert_num_queries(8):
        response = client.get(reverse("network:person_list"))
    assert len(response.context["page_obj"]) == 21


def test_person_detail_shows_roles_and_site_assignments(
    client_for, regional_coordinator, coordinator_a, site_a
):
    response = client_for(regional_coordinator).get(reverse("network:person_detail", args=[coordinator_a.pk]))

    page = text(response)
    assert "Espace métiers de Reims" in page
    assert reverse("sites:detail", kwargs={"slug": "reims"}) in page
    assert reverse("sites:coordinator_add", kwargs={"slug": "reims"}) in page
    assert reverse("network:role_add", args=[coordinator_a.pk]) in page


def test_person_create_makes_an_account_without_password_nor_email(
    client_for, regional_coordinator, organisation
):
    data = {
        "username": "c.durand",
        "first_name": "Claire",
        "last_name": "Durand",
        "email": "claire.durand@exemple.fr",
        "organisation": organisation.pk,
        "position": "Conseillère",
    }
    client = client_for(regional_coordinator)
    assert "Mot de passe oublié" in text(client.get(reverse("network:person_create")))

    response = client.post(reverse("network:person_create"), data, follow=True)

    person = User.objects.get(username="c.durand")
    assert response.redirect_chain[-1][0] == reverse("network:person_detail", args=[person.pk])
    assert not person.has_usable_password()
    assert person.organisation == organisation
    assert mail.outbox == []
    assert "Mot de passe oublié" in text(response)


def test_person_create_refuses_an_e_mail_already_used(client_for, regional_coordinator, person):
    data = {"username": "doublon", "first_name": "A", "last_name": "B", "email": person.email.upper()}

    response = client_for(regional_coordinator).post(reverse("network:person_create"), data)

    assert response.status_code == 200
    assert "Une personne utilise déjà cette adresse de courriel." in text(response)
    assert not User.objects.filter(username="doublon").exists()


def test_coordinator_adds_a_role(client_for, regional_coordinator, person):
    url = reverse("network:role_add", args=[person.pk])

    response = client_for(regional_coordinator).post(
        url, {"role": Role.OBSERVER, "start_date": TODAY.isoformat()}, follow=True
    )

    assignment = RoleAssignment.objects.get(user=person)
    assert assignment.role == Role.OBSERVER
    assert assignment.created_by == regional_coordinator
    assert assignment.history.get().history_user == regional_coordinator
    assert response.redirect_chain[-1][0] == reverse("network:person_detail", args=[person.pk])
    assert "attribué à Dominique Lefèvre" in text(response)
    assert User.objects.get(pk=person.pk).roles.is_observer


def test_role_add_shows_the_service_rules_in_french(client_for, regional_coordinator, person):
    url = reverse("network:role_add", args=[person.pk])
    client = client_for(regional_coordinator)

    partner_without_organisation = client.post(
        url, {"role": Role.PARTNER_MEMBER, "organisation": "", "start_date": TODAY.isoformat()}
    )
    RoleAssignmentFactory(user=person, role=Role.OBSERVER)
    twice = client.post(url, {"role": Role.OBSERVER, "start_date": TODAY.isoformat()})

    assert "Un membre partenaire représente une organisation." in text(partner_without_organisation)
    assert "Cette personne a déjà ce rôle à cette date." in text(twice)
    assert RoleAssignment.objects.filter(user=person).count() == 1


def test_a_site_coordinator_cannot_grant_themselves_a_role(client_for, coordinator_a):
    response = client_for(coordinator_a).post(
        reverse("network:role_add", args=[coordinator_a.pk]),
        {"role": Role.REGIONAL_COORDINATOR, "start_date": TODAY.isoformat()},
    )

    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=coordinator_a).exists()
    assert not User.objects.get(pk=coordinator_a.pk).roles.is_regional_coordinator


def test_ending_a_role_asks_for_confirmation_first(client_for, regional_coordinator, observer_role):
    url = reverse("network:role_end", args=[observer_role.pk])
    client = client_for(regional_coordinator)

    confirmation = client.get(url)

    assert "Voulez-vous mettre fin au rôle" in text(confirmation)
    observer_role.refresh_from_db()
    assert observer_role.end_date is None

    response = client.post(url, {"end_date": TODAY.isoformat()}, follow=True)

    observer_role.refresh_from_db()
    assert observer_role.end_date == TODAY
    assert observer_role.history.first().history_user == regional_coordinator
    assert response.redirect_chain[-1][0] == reverse("network:person_detail", args=[observer_role.user_id])
    assert "prend fin le" in text(response)


def test_ending_a_role_before_it_started_is_refused(client_for, regional_coordinator, observer_role):
    before = observer_role.start_date - datetime.timedelta(days=1)

    response = client_for(regional_coordinator).post(
        reverse("network:role_end", args=[observer_role.pk]), {"end_date": before.isoformat()}
    )

    assert response.status_code == 200
    assert "La date de fin ne peut pas précéder la date de début." in text(response)
    observer_role.refresh_from_db()
    assert observer_role.end_date is None


def test_an_ended_role_no_longer_gives_rights(client_for, regional_coordinator, observer_role):
    yesterday = TODAY - datetime.timedelta(days=1)
    observer_role.start_date = TODAY - datetime.timedelta(days=30)
    observer_role.save()

    client_for(regional_coordinator).post(
        reverse("network:role_end", args=[observer_role.pk]), {"end_date": yesterday.isoformat()}
    )

    assert not User.objects.get(pk=observer_role.user_id).roles.is_observer


# Admin of the reference lists, people and API tokens.


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model",
    ["territorykind", "organisationkind", "territory", "organisation", "user", "roleassignment", "apitoken"],
)
def test_admin_pages_open(client_for, administrator, organisation, observer_role, model):
    client = client_for(administrator)

    assert client.get(reverse(f"admin:network_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:network_{model}_add")).status_code == 200


def test_admin_organisation_history_keeps_the_author(client_for, administrator, organisation):
    url = reverse("admin:network_organisation_change", args=[organisation.pk])
    data = organisation_data(name="Mission locale de Reims", kind=organisation.kind_id)

    response = client_for(administrator).post(url, data)

    assert response.status_code == 302
    assert organisation.history.first().history_user == administrator


def test_admin_creates_an_api_token_and_shows_the_key_once(client_for, administrator, organisation):
    client = client_for(administrator)

    response = client.post(
        reverse("admin:network_apitoken_add"),
        {"organisation": organisation.pk, "name": "Entrepôt de données", "scopes": ["read:directory"]},
        follow=True,
    )

    token = ApiToken.objects.get()
    shown = [str(message) for message in response.context["messages"]]
    key = re.search(r"<code>(\S+)</code>", " ".join(shown)).group(1)
    assert ApiToken.find(key) == token
    assert token.scopes == ["read:directory"]
    assert key not in token.key_hash
    change_page = client.get(reverse("admin:network_apitoken_change", args=[token.pk])).content.decode()
    assert key not in change_page
    assert token.prefix in change_page


def test_admin_revokes_api_tokens(client_for, administrator, organisation):
    token, key = api_token_create(organisation=organisation, name="Test", scopes=["read:directory"])

    client_for(administrator).post(
        reverse("admin:network_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )

    assert ApiToken.find(key) is None


def test_the_500_page_renders_without_any_request_context():
    page = render_to_string("500.html")

    assert "Erreur du serveur" in page
    assert 'lang="fr"' in page
