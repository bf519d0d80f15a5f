"""The sites pages: who may see and change what, and what the pages do.

Personas (tests/conftest.py): the regional coordinator, the coordinator of site A, the coordinator
of site B, a partner, a read-only observer and an anonymous visitor.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from network.enums import Role
from sites.enums import CoordinatorPosition, LabelStatus
from sites.models import CoordinatorAssignment, LabelStatusChange, Site
from tests.factories import (
    CoordinatorAssignmentFactory,
    OrganisationFactory,
    RoleAssignmentFactory,
    ServiceLevelFactory,
    SiteFactory,
    SiteKindFactory,
    TerritoryFactory,
    TerritoryKindFactory,
    ThemeFactory,
    UserFactory,
)
from tests.helpers import PERSONAS, assert_redirects_to_login, element_text, links, soup, text, texts

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def assignment_a(coordinator_a, site_a):
    return CoordinatorAssignment.objects.get(user=coordinator_a, site=site_a)


def directory_names(response) -> list[str]:
    """The sites listed in the directory's tables (which must be there)."""
    return texts(response, "section table tbody th[scope=row] > a")


def practical_data(site: Site, **changes) -> dict:
    data = {
        "address": site.address,
        "postcode": site.postcode,
        "commune": site.commune,
        "opening_hours": site.opening_hours,
        "phone": site.phone,
        "email": site.email,
        "website": site.website,
        "public_description": site.public_description,
        "accessibility": site.accessibility,
        "themes": [t.pk for t in site.themes.all()],
        "service_levels": [s.pk for s in site.service_levels.all()],
    }
    data.update(changes)
    return data


def identity_data(site: Site, **changes) -> dict:
    data = practical_data(site)
    data.update(
        {
            "name": site.name,
            "kind": site.kind_id,
            "host": site.host_id,
            "parent": site.parent_id or "",
            "departement": site.departement_id,
            "territories": [t.pk for t in site.territories.all()],
            "latitude": "",
            "longitude": "",
        }
    )
    data.update(changes)
    return data


# --- Who gets what: every view, every persona. ---------------------------------------------------

# Pages restricted to the regional coordination: strangers to the site get 404, the site's own
# coordinator 403 (they know the site exists), anonymous visitors the login page.
REGIONAL_ONLY = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 403,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 404,
}


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("sites:directory", dict.fromkeys(PERSONAS, 200)),
        ("sites:detail", dict.fromkeys(PERSONAS, 200)),
        (
            "sites:edit_practical",
            {
                "anonymous": "login",
                "regional_coordinator": 200,
                "coordinator_a": 200,
                "coordinator_b": 404,
                "partner": 404,
                "observer": 404,
            },
        ),
        ("sites:edit", REGIONAL_ONLY),
        ("sites:label_status", REGIONAL_ONLY),
        ("sites:coordinator_add", REGIONAL_ONLY),
        (
            "sites:history",
            {
                "anonymous": "login",
                "regional_coordinator": 200,
                "coordinator_a": 200,
                "coordinator_b": 404,
                "partner": 404,
                "observer": 200,
            },
        ),
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_get_site_a_pages_by_persona(as_persona, site_a, url_name, expected, persona):
    kwargs = {} if url_name == "sites:directory" else {"slug": site_a.slug}
    response = as_persona(persona).get(reverse(url_name, kwargs=kwargs))
    if expected[persona] == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected[persona]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("regional_coordinator", 200),
        ("coordinator_a", 403),
        ("coordinator_b", 403),
        ("partner", 403),
        ("observer", 403),
    ],
)
def test_create_page_by_persona(as_persona, persona, expected):
    response = as_persona(persona).get(reverse("sites:create"))
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_coordinator_end_page_by_persona(as_persona, assignment_a, persona):
    response = as_persona(persona).get(reverse("sites:coordinator_end", kwargs={"pk": assignment_a.pk}))
    if REGIONAL_ONLY[persona] == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == REGIONAL_ONLY[persona]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 404),
        ("regional_coordinator", 200),
        ("coordinator_a", 404),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 200),
    ],
)
def test_detail_of_a_site_in_project_is_hidden_from_the_public(as_persona, persona, expected):
    hidden = SiteFactory(name="Futur Espace métiers de Sedan", label_status=LabelStatus.PROJECT)
    response = as_persona(persona).get(reverse("sites:detail", kwargs={"slug": hidden.slug}))
    assert response.status_code == expected


def test_own_site_in_project_is_visible_to_its_coordinator(client_for):
    own = SiteFactory(name="Futur Espace métiers de Sedan", label_status=LabelStatus.PROJECT)
    coordinator = UserFactory()
    CoordinatorAssignmentFactory(user=coordinator, site=own)
    client = client_for(coordinator)
    assert client.get(reverse("sites:detail", kwargs={"slug": own.slug})).status_code == 200
    assert "Futur Espace métiers de Sedan" in text(client.get(reverse("sites:directory")))


def test_unknown_site_is_404(client_for, regional_coordinator):
    client = client_for(regional_coordinator)
    for name in ("sites:detail", "sites:edit", "sites:edit_practical", "sites:history", "sites:label_status"):
        assert client.get(reverse(name, kwargs={"slug": "nulle-part"})).status_code == 404


# --- Crafted POSTs by people who may not write: nothing changes. -----------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", "login"), ("coordinator_b", 404), ("partner", 404), ("observer", 404)],
)
def test_crafted_post_to_practical_info_changes_nothing(as_persona, site_a, persona, expected):
    before = site_a.opening_hours
    url = reverse("sites:edit_practical", kwargs={"slug": site_a.slug})
    response = as_persona(persona).post(url, practical_data(site_a, opening_hours="Fermé pour toujours"))
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    site_a.refresh_from_db()
    assert site_a.opening_hours == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("coordinator_a", 403),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 404),
    ],
)
def test_crafted_post_to_full_edit_changes_nothing(as_persona, site_a, persona, expected):
    url = reverse("sites:edit", kwargs={"slug": site_a.slug})
    response = as_persona(persona).post(
        url, identity_data(site_a, name="Piraté", opening_hours="Fermé pour toujours")
    )
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    site_a.refresh_from_db()
    assert site_a.name == "Espace métiers de Reims"
    assert site_a.opening_hours != "Fermé pour toujours"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("coordinator_a", 403),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 404),
    ],
)
def test_crafted_post_to_label_status_changes_nothing(as_persona, site_a, persona, expected):
    url = reverse("sites:label_status", kwargs={"slug": site_a.slug})
    response = as_persona(persona).post(
        url, {"status": LabelStatus.WITHDRAWN, "effective_on": TODAY().isoformat(), "comment": "Retrait"}
    )
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    site_a.refresh_from_db()
    assert site_a.label_status == LabelStatus.LABELLED
    assert not LabelStatusChange.objects.filter(site=site_a).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("coordinator_a", 403),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 404),
    ],
)
def test_crafted_post_to_coordinator_add_changes_nothing(as_persona, personas, site_a, persona, expected):
    url = reverse("sites:coordinator_add", kwargs={"slug": site_a.slug})
    intruder = personas["partner"]
    response = as_persona(persona).post(
        url, {"user": intruder.pk, "position": CoordinatorPosition.CTEM, "start_date": TODAY().isoformat()}
    )
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    assert not CoordinatorAssignment.objects.filter(site=site_a, user=intruder).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("coordinator_a", 403),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 404),
    ],
)
def test_crafted_post_to_coordinator_end_changes_nothing(as_persona, assignment_a, persona, expected):
    url = reverse("sites:coordinator_end", kwargs={"pk": assignment_a.pk})
    yesterday = TODAY() - datetime.timedelta(days=1)
    response = as_persona(persona).post(url, {"end_date": yesterday.isoformat()})
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    assignment_a.refresh_from_db()
    assert assignment_a.end_date is None


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", "login"),
        ("coordinator_a", 403),
        ("coordinator_b", 403),
        ("partner", 403),
        ("observer", 403),
    ],
)
def test_crafted_post_to_create_creates_nothing(as_persona, site_a, persona, expected):
    data = identity_data(site_a, name="Espace métiers fantôme")
    response = as_persona(persona).post(reverse("sites:create"), data)
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    assert not Site.objects.filter(name="Espace métiers fantôme").exists()


# --- Directory. -------------------------------------------------------------------------------------


@pytest.fixture
def sites_of_every_status(db):
    return {
        status: SiteFactory(name=f"Site au statut {status}", label_status=status)
        for status in LabelStatus.values
    }


def test_directory_shows_only_public_sites_to_anonymous(client_for, sites_of_every_status):
    names = directory_names(client_for(None).get(reverse("sites:directory")))
    assert sorted(names) == ["Site au statut labellise", "Site au statut suspendu"]


def test_directory_status_filter_only_for_whole_network_readers(
    client_for, sites_of_every_status, regional_coordinator, observer, partner
):
    # The public cannot use the status filter, even with a crafted query string.
    response = client_for(None).get(reverse("sites:directory"), {"label_status": LabelStatus.PROJECT})
    assert "label_status" not in response.context["filter"].form.fields
    assert "Site au statut projet" not in directory_names(response)
    assert (
        "label_status"
        not in client_for(partner).get(reverse("sites:directory")).context["filter"].form.fields
    )

    for reader in (regional_coordinator, observer):
        response = client_for(reader).get(reverse("sites:directory"), {"label_status": LabelStatus.PROJECT})
        assert "label_status" in response.context["filter"].form.fields
        assert directory_names(response) == ["Site au statut projet"]


def test_directory_search_and_filters(client_for, site_a, site_b):
    client = client_for(None)
    names = directory_names(client.get(reverse("sites:directory"), {"q": "troyes"}))
    assert names == ["Espace métiers de Troyes"]

    names = directory_names(client.get(reverse("sites:directory"), {"departement": site_a.departement.code}))
    assert names == ["Espace métiers de Reims"]

    cdm = SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")
    SiteFactory(name="Cité des métiers de Reims", kind=cdm)
    names = directory_names(client.get(reverse("sites:directory"), {"kind": "cite-des-metiers"}))
    assert names == ["Cité des métiers de Reims"]


def test_directory_groups_by_departement_with_counts(client_for):
    marne = TerritoryFactory(code="51", name="Marne")
    aube = TerritoryFactory(code="10", name="Aube")
    for name in ("Reims", "Épernay", "Châlons"):
        SiteFactory(name=f"EM {name}", departement=marne)
    SiteFactory(name="EM Troyes", departement=aube)

    response = client_for(None).get(reverse("sites:directory"))
    groups = response.context["groups"]
    assert [(g["departement"].name, g["total"], [s.name for s in g["sites"]]) for g in groups] == [
        ("Aube", 1, ["EM Troyes"]),
        ("Marne", 3, ["EM Châlons", "EM Reims", "EM Épernay"]),
    ]
    page = text(response)
    assert "Marne (51)" in page
    assert "3 sites" in page


def test_directory_paginates_and_keeps_filters_in_page_links(client_for):
    marne = TerritoryFactory(code="51", name="Marne")
    for n in range(30):
        SiteFactory(name=f"EM Marne {n:02d}", departement=marne)
    SiteFactory(name="EM ailleurs")
    client = client_for(None)

    first = client.get(reverse("sites:directory"), {"departement": "51"})
    assert sum(len(g["sites"]) for g in first.context["groups"]) == 25
    assert first.context["page"].paginator.count == 30
    assert "departement=51&amp;page=2" in first.content.decode()

    second = client.get(reverse("sites:directory"), {"departement": "51", "page": 2})
    names = [s.name for g in second.context["groups"] for s in g["sites"]]
    assert len(names) == 5
    assert "EM ailleurs" not in names
    # The group continues on page 2 and still announces its full count.
    assert second.context["groups"][0]["total"] == 30


def test_directory_empty_state(client_for, site_a):
    response = client_for(None).get(reverse("sites:directory"), {"q": "Tombouctou"})
    page = text(response)
    assert "Aucun site ne correspond à votre recherche." in page
    assert "Aucun site trouvé." in page
    # No table at all: the empty state stands in for it.
    assert soup(response).select("main .empty")
    assert not soup(response).select("main table")


@pytest.mark.parametrize("number_of_sites", [3, 30])
def test_directory_query_count_does_not_grow_with_sites(
    client_for, regional_coordinator, django_assert_num_queries, number_of_sites
):
    parent = SiteFactory(name="Cité des métiers")
    for n in range(number_of_sites):
        SiteFactory(departement=TerritoryFactory(code=f"{n % 4 + 51}"), parent=parent)
    anonymous, coordination = client_for(None), client_for(regional_coordinator)

    # Anonymous visitor, 5 queries:
    #   1. COUNT of the matching sites (paginator)
    #   2. the page's sites, with kind, host, département and parent joined (for_listing)
    #   3. the number of sites per département (one GROUP BY)
    #   4. the site kinds offered in the filter
    #   5. the départements offered in the filter
    with django_assert_num_queries(5):
        assert anonymous.get(reverse("sites:directory")).status_code == 200

    # Logged-in user, 4 more before those 5: the session, the user, their role assignments and
    # their site assignments (UserRoles, computed once per request).
    with django_assert_num_queries(9):
        assert coordination.get(reverse("sites:directory")).status_code == 200


# --- Detail page. -----------------------------------------------------------------------------------


def test_detail_shows_the_public_sheet(client_for, site_a):
    theme = ThemeFactory(label="Création d'activité")
    level = ServiceLevelFactory(label="Conseil personnalisé")
    site_a.themes.add(theme)
    site_a.service_levels.add(level)
    centre = SiteFactory(name="Point relais de Fismes", parent=site_a)

    response = client_for(None).get(reverse("sites:detail", kwargs={"slug": site_a.slug}))
    page = text(response)
    assert "Espace métiers de Reims" in page
    assert site_a.opening_hours in page
    assert site_a.host.name in page
    assert "Création d'activité" in page
    assert "Conseil personnalisé" in page
    assert centre.get_absolute_url() in page
    label = element_text(response, "main p.label-status")
    assert "Labellisé" in label
    assert "Renouvellement à prévoir" not in label
    # The public sees neither the coordinators nor any edit button.
    assert texts(response, "main aside h2") == ["Identité"]
    assert not soup(response).select("main ul.coordinators")
    assert reverse("sites:edit_practical", kwargs={"slug": site_a.slug}) not in links(response, "main")

    centre_page = text(client_for(None).get(centre.get_absolute_url()))
    assert site_a.get_absolute_url() in centre_page


def test_detail_links_the_host_for_logged_in_users(client_for, partner, site_a):
    page = text(client_for(partner).get(site_a.get_absolute_url()))
    assert reverse("network:organisation_detail", kwargs={"pk": site_a.host_id}) in page


def test_detail_announces_renewal_when_due(client_for):
    site = SiteFactory(label_renewal_due_on=TODAY() + datetime.timedelta(days=30))
    assert "Renouvellement à prévoir" in text(client_for(None).get(site.get_absolute_url()))


def test_detail_shows_coordinators_to_logged_in_users_only(client_for, coordinator_a, partner, site_a):
    coordinator_a.first_name, coordinator_a.last_name = "Alice", "Durand"
    coordinator_a.save()
    public_sheet = client_for(None).get(site_a.get_absolute_url())
    assert "Alice Durand" not in element_text(public_sheet, "main aside")
    assert not soup(public_sheet).select("main ul.coordinators")
    coordinators = texts(client_for(partner).get(site_a.get_absolute_url()), "main ul.coordinators li")
    assert [name.split(" — ")[0] for name in coordinators] == ["Alice Durand"]


@pytest.mark.parametrize(
    ("persona", "practical", "manage", "history"),
    [
        ("anonymous", False, False, False),
        ("regional_coordinator", True, True, True),
        ("coordinator_a", True, False, True),
        ("coordinator_b", False, False, False),
        ("partner", False, False, False),
        ("observer", False, False, True),
    ],
)
def test_detail_shows_only_usable_buttons(as_persona, site_a, personas, persona, practical, manage, history):
    response = as_persona(persona).get(site_a.get_absolute_url())
    assert response.status_code == 200
    targets = links(response, "main")
    slug = {"slug": site_a.slug}
    assert (reverse("sites:edit_practical", kwargs=slug) in targets) is practical
    assert (reverse("sites:edit", kwargs=slug) in targets) is manage
    assert (reverse("sites:label_status", kwargs=slug) in targets) is manage
    assert (reverse("sites:coordinator_add", kwargs=slug) in targets) is manage
    assert (reverse("sites:history", kwargs=slug) in targets) is history


# --- Practical information. -------------------------------------------------------------------------


def test_site_coordinator_edits_opening_hours_of_own_site(client_for, coordinator_a, site_a):
    new_hours = "Mardi et jeudi, 14 h – 18 h"
    client = client_for(coordinator_a)
    url = reverse("sites:edit_practical", kwargs={"slug": site_a.slug})

    response = client.post(url, practical_data(site_a, opening_hours=new_hours))

    assert response.status_code == 302
    assert response.url == site_a.get_absolute_url()
    site_a.refresh_from_db()
    assert site_a.opening_hours == new_hours
    latest = site_a.history.order_by("-history_date", "-history_id").first()
    assert latest.opening_hours == new_hours
    assert latest.history_user == coordinator_a
    detail = client.get(response.url)
    assert new_hours in text(detail)
    assert "Les informations pratiques de « Espace métiers de Reims » ont été enregistrées." in text(detail)


def test_practical_info_invalid_post_keeps_what_was_typed(client_for, coordinator_a, site_a):
    url = reverse("sites:edit_practical", kwargs={"slug": site_a.slug})
    response = client_for(coordinator_a).post(
        url, practical_data(site_a, opening_hours="Tous les jours", email="pas-un-courriel")
    )
    assert response.status_code == 200
    page = text(response)
    assert "Saisissez une adresse e-mail valide." in page
    assert "Tous les jours" in page
    site_a.refresh_from_db()
    assert site_a.opening_hours != "Tous les jours"


def test_practical_info_stores_browser_line_breaks_as_is_in_the_database(client_for, coordinator_a, site_a):
    site_a.public_description = "Un lieu ouvert.\nGratuit."
    site_a.save()
    url = reverse("sites:edit_practical", kwargs={"slug": site_a.slug})
    # Browsers send textarea content with CRLF line breaks.
    client_for(coordinator_a).post(
        url, practical_data(site_a, public_description="Un lieu ouvert.\r\nGratuit.")
    )
    site_a.refresh_from_db()
    assert site_a.public_description == "Un lieu ouvert.\nGratuit."


def test_practical_info_offers_only_current_reference_items(client_for, coordinator_a, site_a):
    ThemeFactory(label="Mobilité internationale")
    ThemeFactory(label="Ancien thème", valid_until=TODAY() - datetime.timedelta(days=1))
    kept = ThemeFactory(label="Thème retiré mais coché", valid_until=TODAY() - datetime.timedelta(days=1))
    site_a.themes.add(kept)
    response = client_for(coordinator_a).get(reverse("sites:edit_practical", kwargs={"slug": site_a.slug}))
    offered = texts(response, "#id_themes label")
    assert "Mobilité internationale" in offered
    assert "Ancien thème" not in offered
    # An item no longer offered stays on the site that has it, so that saving does not drop it.
    assert "Thème retiré mais coché" in offered


def test_practical_info_saves_themes_and_service_levels(client_for, coordinator_a, site_a):
    theme, level = ThemeFactory(), ServiceLevelFactory()
    url = reverse("sites:edit_practical", kwargs={"slug": site_a.slug})
    response = client_for(coordinator_a).post(
        url, practical_data(site_a, themes=[theme.pk], service_levels=[level.pk])
    )
    assert response.status_code == 302
    assert list(site_a.themes.all()) == [theme]
    assert list(site_a.service_levels.all()) == [level]


# --- Identity (regional coordination). --------------------------------------------------------------


def test_regional_coordinator_edits_identity(client_for, regional_coordinator, site_a):
    marne = TerritoryFactory(code="51", name="Marne")
    host = OrganisationFactory(name="Maison de l'emploi du Grand Reims")
    url = reverse("sites:edit", kwargs={"slug": site_a.slug})

    response = client_for(regional_coordinator).post(
        url, identity_data(site_a, name="Espace métiers du Grand Reims", departement=marne.pk, host=host.pk)
    )

    assert response.status_code == 302
    site_a.refresh_from_db()
    assert (site_a.name, site_a.departement, site_a.host) == ("Espace métiers du Grand Reims", marne, host)
    assert site_a.slug == "reims"  # Links to the site keep working.
    assert (
        site_a.history.order_by("-history_date", "-history_id").first().history_user == regional_coordinator
    )


def test_identity_form_offers_only_departements(client_for, regional_coordinator, site_a):
    bassin = TerritoryFactory(
        kind=TerritoryKindFactory(code="bassin-emploi", label="Bassin d'emploi"), code="B1"
    )
    form = (
        client_for(regional_coordinator)
        .get(reverse("sites:edit", kwargs={"slug": site_a.slug}))
        .context["form"]
    )
    assert bassin not in form.fields["departement"].queryset
    assert site_a.departement in form.fields["departement"].queryset
    # A site cannot be its own parent.
    assert site_a not in form.fields["parent"].queryset

    response = client_for(regional_coordinator).post(
        reverse("sites:edit", kwargs={"slug": site_a.slug}), identity_data(site_a, departement=bassin.pk)
    )
    assert response.status_code == 200
    assert "departement" in response.context["form"].errors


def test_regional_coordinator_creates_a_site(client_for, regional_coordinator):
    kind = SiteKindFactory()
    host = OrganisationFactory()
    marne = TerritoryFactory(code="51", name="Marne")
    data = {
        "name": "Espace métiers d'Épernay",
        "kind": kind.pk,
        "host": host.pk,
        "parent": "",
        "departement": marne.pk,
        "commune": "Épernay",
        "postcode": "51200",
        "opening_hours": "Du lundi au vendredi",
    }
    response = client_for(regional_coordinator).post(reverse("sites:create"), data)

    site = Site.objects.get(name="Espace métiers d'Épernay")
    assert response.status_code == 302
    assert response.url == site.get_absolute_url()
    assert site.slug == "espace-metiers-depernay"
    assert site.label_status == LabelStatus.PROJECT
    assert site.label_changes.get().author == regional_coordinator


def test_create_with_missing_fields_shows_errors(client_for, regional_coordinator):
    response = client_for(regional_coordinator).post(reverse("sites:create"), {"name": "Incomplet"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)
    assert not Site.objects.filter(name="Incomplet").exists()


# --- Label status. ----------------------------------------------------------------------------------


def test_label_status_valid_transition(client_for, regional_coordinator, site_a):
    effective = TODAY() - datetime.timedelta(days=2)
    response = client_for(regional_coordinator).post(
        reverse("sites:label_status", kwargs={"slug": site_a.slug}),
        {"status": LabelStatus.SUSPENDED, "effective_on": effective.isoformat(), "comment": "Poste vacant"},
    )
    assert response.status_code == 302
    site_a.refresh_from_db()
    assert site_a.label_status == LabelStatus.SUSPENDED
    assert site_a.label_status_since == effective
    step = site_a.label_changes.get()
    assert (step.previous_status, step.status, step.comment, step.author) == (
        LabelStatus.LABELLED,
        LabelStatus.SUSPENDED,
        "Poste vacant",
        regional_coordinator,
    )
    history = text(
        client_for(regional_coordinator).get(reverse("sites:history", kwargs={"slug": site_a.slug}))
    )
    assert "Poste vacant" in history


def test_label_status_labelling_sets_renewal(client_for, regional_coordinator):
    site = SiteFactory(label_status=LabelStatus.APPLICATION, labelled_on=None, label_renewal_due_on=None)
    renewal = TODAY() + datetime.timedelta(days=3 * 365)
    response = client_for(regional_coordinator).post(
        reverse("sites:label_status", kwargs={"slug": site.slug}),
        {
            "status": LabelStatus.LABELLED,
            "effective_on": TODAY().isoformat(),
            "renewal_due_on": renewal.isoformat(),
        },
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.label_status, site.labelled_on, site.label_renewal_due_on) == (
        LabelStatus.LABELLED,
        TODAY(),
        renewal,
    )


def test_label_status_refused_transition_shows_french_error_and_keeps_data(
    client_for, regional_coordinator, site_a
):
    response = client_for(regional_coordinator).post(
        reverse("sites:label_status", kwargs={"slug": site_a.slug}),
        {
            "status": LabelStatus.APPLICATION,
            "effective_on": TODAY().isoformat(),
            "comment": "Avis du 12 juin",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Un site au statut « Labellisé » ne peut pas passer au statut « Candidature »." in page
    assert "Avis du 12 juin" in page
    site_a.refresh_from_db()
    assert site_a.label_status == LabelStatus.LABELLED
    assert not site_a.label_changes.exists()


def test_label_status_labelling_without_renewal_date_is_refused(client_for, regional_coordinator):
    site = SiteFactory(label_status=LabelStatus.APPLICATION)
    response = client_for(regional_coordinator).post(
        reverse("sites:label_status", kwargs={"slug": site.slug}),
        {"status": LabelStatus.LABELLED, "effective_on": TODAY().isoformat()},
    )
    assert response.status_code == 200
    assert "Indiquez la date de renouvellement du label." in text(response)
    site.refresh_from_db()
    assert site.label_status == LabelStatus.APPLICATION


# --- Coordinators. ----------------------------------------------------------------------------------


def test_regional_coordinator_adds_a_coordinator_who_then_edits_the_site(
    client_for, regional_coordinator, site_a
):
    newcomer = UserFactory(first_name="Nadia", last_name="Benali")
    url = reverse("sites:coordinator_add", kwargs={"slug": site_a.slug})
    assert (
        client_for(newcomer).get(reverse("sites:edit_practical", kwargs={"slug": site_a.slug})).status_code
        == 404
    )

    response = client_for(regional_coordinator).post(
        url,
        {"user": newcomer.pk, "position": CoordinatorPosition.DIRECTOR, "start_date": TODAY().isoformat()},
    )

    assert response.status_code == 302
    assignment = CoordinatorAssignment.objects.get(site=site_a, user=newcomer)
    assert assignment.position == CoordinatorPosition.DIRECTOR
    assert (
        client_for(newcomer).get(reverse("sites:edit_practical", kwargs={"slug": site_a.slug})).status_code
        == 200
    )


def test_adding_a_current_coordinator_again_is_refused(
    client_for, regional_coordinator, coordinator_a, site_a
):
    response = client_for(regional_coordinator).post(
        reverse("sites:coordinator_add", kwargs={"slug": site_a.slug}),
        {"user": coordinator_a.pk, "position": CoordinatorPosition.CTEM, "start_date": TODAY().isoformat()},
    )
    assert response.status_code == 200
    assert "Cette personne coordonne déjà ce site à cette date." in text(response)
    assert CoordinatorAssignment.objects.filter(site=site_a, user=coordinator_a).count() == 1


def test_coordinator_add_rejects_end_before_start(client_for, regional_coordinator, site_a):
    someone = UserFactory()
    response = client_for(regional_coordinator).post(
        reverse("sites:coordinator_add", kwargs={"slug": site_a.slug}),
        {
            "user": someone.pk,
            "position": CoordinatorPosition.CTEM,
            "start_date": TODAY().isoformat(),
            "end_date": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "La date de fin ne peut pas précéder la date de début." in text(response)
    assert not CoordinatorAssignment.objects.filter(user=someone).exists()


def test_ending_a_coordination_removes_access(
    client_for, regional_coordinator, coordinator_a, assignment_a, site_a
):
    url = reverse("sites:coordinator_end", kwargs={"pk": assignment_a.pk})
    confirmation = client_for(regional_coordinator).get(url)
    assert "Confirmer la fin de la coordination" in text(confirmation)
    yesterday = TODAY() - datetime.timedelta(days=1)

    response = client_for(regional_coordinator).post(url, {"end_date": yesterday.isoformat()})

    assert response.status_code == 302
    assert response.url == site_a.get_absolute_url()
    assignment_a.refresh_from_db()
    assert assignment_a.end_date == yesterday
    assert (
        client_for(coordinator_a)
        .get(reverse("sites:edit_practical", kwargs={"slug": site_a.slug}))
        .status_code
        == 404
    )


def test_ending_a_coordination_before_it_started_is_refused(client_for, regional_coordinator, assignment_a):
    too_early = assignment_a.start_date - datetime.timedelta(days=1)
    response = client_for(regional_coordinator).post(
        reverse("sites:coordinator_end", kwargs={"pk": assignment_a.pk}), {"end_date": too_early.isoformat()}
    )
    assert response.status_code == 200
    assert "La date de fin ne peut pas précéder la date de début." in text(response)
    assignment_a.refresh_from_db()
    assert assignment_a.end_date is None


# --- History. ---------------------------------------------------------------------------------------


def test_history_shows_who_changed_what(client_for, coordinator_a, observer, site_a):
    coordinator_a.first_name, coordinator_a.last_name = "Alice", "Durand"
    coordinator_a.save()
    client_for(coordinator_a).post(
        reverse("sites:edit_practical", kwargs={"slug": site_a.slug}),
        practical_data(site_a, opening_hours="Mercredi, 9 h – 12 h"),
    )
    page = text(client_for(observer).get(reverse("sites:history", kwargs={"slug": site_a.slug})))
    assert "Horaires d'ouverture" in page
    assert "Lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h" in page
    assert "Mercredi, 9 h – 12 h" in page
    assert "Alice Durand" in page
    assert "Création de la fiche." in page


def test_history_names_related_objects(client_for, regional_coordinator, site_a):
    new_departement = TerritoryFactory(code="08", name="Ardennes")
    old_departement = site_a.departement
    client_for(regional_coordinator).post(
        reverse("sites:edit", kwargs={"slug": site_a.slug}),
        identity_data(site_a, departement=new_departement.pk),
    )
    page = text(client_for(regional_coordinator).get(reverse("sites:history", kwargs={"slug": site_a.slug})))
    assert str(old_departement) in page
    assert "Ardennes (08)" in page


def test_history_is_hidden_once_the_observer_role_has_ended(client_for, site_a):
    former = UserFactory()
    RoleAssignmentFactory(user=former, role=Role.OBSERVER, end_date=TODAY() - datetime.timedelta(days=1))
    assert client_for(former).get(reverse("sites:history", kwargs={"slug": site_a.slug})).status_code == 404


# --- Admin (reference lists and the raw tables). ----------------------------------------------------


@pytest.mark.parametrize(
    "model", ["sitekind", "theme", "servicelevel", "site", "labelstatuschange", "coordinatorassignment"]
)
def test_admin_lists_open(admin_client, site_a, assignment_a, model):
    assert admin_client.get(reverse(f"admin:sites_{model}_changelist")).status_code == 200


def test_admin_reference_list_order_is_editable_in_place(admin_client):
    ThemeFactory(code="emploi", label="Emploi", order=1)
    page = admin_client.get(reverse("admin:sites_theme_changelist")).content.decode()
    assert 'name="form-0-order"' in page


def test_admin_label_steps_are_read_only(admin_client, site_a):
    step = LabelStatusChange.objects.create(
        site=site_a, previous_status="", status=LabelStatus.LABELLED, effective_on=TODAY()
    )
    assert admin_client.get(reverse("admin:sites_labelstatuschange_add")).status_code == 403
    delete_url = reverse("admin:sites_labelstatuschange_delete", args=[step.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert LabelStatusChange.objects.filter(pk=step.pk).exists()


def test_admin_site_creation_records_the_first_label_step(admin_client):
    kind, host, departement = (
        SiteKindFactory(),
        OrganisationFactory(),
        TerritoryFactory(code="52", name="Haute-Marne"),
    )
    response = admin_client.post(
        reverse("admin:sites_site_add"),
        {
            "name": "Espace métiers de Chaumont",
            "slug": "chaumont",
            "kind": kind.pk,
            "host": host.pk,
            "departement": departement.pk,
            "commune": "Chaumont",
            "website": "www.em-chaumont.fr",
            "label_changes-TOTAL_FORMS": "0",
            "label_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    site = Site.objects.get(slug="chaumont")
    assert site.website == "https://www.em-chaumont.fr"
    assert site.label_changes.get().status == LabelStatus.PROJECT
