"""The self-evaluation grid is chosen per site kind: an Espace métiers is assessed on its own grid,
never on the Cités des métiers'; a grid without a kind serves the kinds without a grid of their
own; the coordination gives each kind its grid in the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sites.enums import Judgement
from sites.labels import services
from sites.labels.demo import load_em_evaluation_grid, load_evaluation_grid
from sites.models.evaluation import EvaluationGrid, EvaluationItem, SelfAssessment
from tests.factories import SiteFactory, SiteKindFactory
from tests.helpers import element_text

pytestmark = pytest.mark.django_db

YEAR = 2025


def _url(site, year=YEAR):
    return reverse("labels:assessment_edit", kwargs={"slug": site.slug, "year": year})


@pytest.fixture
def cdm_kind(db):
    return SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")


@pytest.fixture
def grids(cdm_kind, site_a):
    """Both demo grids, each given to its kind (the kinds exist before the grids are loaded)."""
    return {"cdm": load_evaluation_grid(), "em": load_em_evaluation_grid()}


@pytest.fixture
def cdm_site(cdm_kind):
    return SiteFactory(name="Cité des métiers de Belfort", slug="cdm-belfort", kind=cdm_kind)


def test_each_kind_gets_its_own_grid(grids, site_a, cdm_kind):
    assert set(grids["cdm"].site_kinds.all()) == {cdm_kind}
    assert set(grids["em"].site_kinds.all()) == {site_a.kind}
    assert grids["cdm"].is_current and grids["em"].is_current
    assert EvaluationGrid.objects.current_for(site_a.kind) == grids["em"]
    assert EvaluationGrid.objects.current_for(cdm_kind) == grids["cdm"]
    # A kind without a grid of its own and no common grid: none.
    assert EvaluationGrid.objects.current_for(SiteKindFactory(code="point-relais")) is None


def test_a_common_grid_serves_the_kinds_without_one(grids):
    common = EvaluationGrid.objects.create(
        name="Grille commune", version="1", published_on="2020-01-01", is_current=True
    )
    relay = SiteKindFactory(code="point-relais", label="Point relais")
    assert EvaluationGrid.objects.current_for(relay) == common
    assert EvaluationGrid.objects.current_for(SiteKindFactory()) == grids["em"]


def test_the_latest_current_grid_of_a_kind_wins(grids, site_a):
    newer = EvaluationGrid.objects.create(
        name="Grille des Espaces métiers", version="2026", published_on="2026-01-01", is_current=True
    )
    newer.site_kinds.add(site_a.kind)
    assert EvaluationGrid.objects.current_for(site_a.kind) == newer


def test_the_page_of_an_espace_metiers_shows_its_grid(client_for, coordinator_a, site_a, cdm_site, grids):
    client = client_for(coordinator_a)
    page = element_text(client.get(_url(site_a)), "main")
    assert "Accueil et information des publics" in page
    assert "Stratégie de développement" not in page
    listing = element_text(
        client.get(reverse("labels:assessment_list", kwargs={"slug": site_a.slug})), "main"
    )
    assert "Grille d'auto-évaluation des Espaces métiers" in listing


def test_a_cite_des_metiers_is_assessed_on_its_grid(client_for, regional_coordinator, cdm_site, grids):
    page = element_text(client_for(regional_coordinator).get(_url(cdm_site)), "main")
    assert "Stratégie de développement" in page
    assert "Accueil et information des publics" not in page


def test_a_new_assessment_takes_the_grid_of_its_kind(client_for, coordinator_a, site_a, grids):
    items = EvaluationItem.objects.filter(theme__grid=grids["em"])
    data = {f"judgement_{item.pk}": Judgement.YES for item in items}
    client_for(coordinator_a).post(_url(site_a), {**data, "action": "submit"})
    assert SelfAssessment.objects.get(site=site_a, year=YEAR).grid == grids["em"]


def test_the_service_refuses_another_kinds_grid(coordinator_a, site_a, grids):
    with pytest.raises(ValidationError, match="n'est pas celle des sites de type « Espace métiers »"):
        services.self_assessment_save(
            site=site_a, year=YEAR, grid=grids["cdm"], answers={}, author=coordinator_a
        )
    assert not SelfAssessment.objects.exists()


def test_a_past_assessment_keeps_its_grid(client_for, regional_coordinator, site_a, grids):
    """An assessment made before the kind got its own grid stays on the grid it was made on."""
    SelfAssessment.objects.create(site=site_a, year=YEAR, grid=grids["cdm"])
    page = element_text(client_for(regional_coordinator).get(_url(site_a)), "main")
    assert "Stratégie de développement" in page


def test_a_kind_without_a_grid_says_so(client_for, regional_coordinator, cdm_kind):
    load_evaluation_grid()  # the Cités des métiers' only
    relay = SiteFactory(kind=SiteKindFactory(code="point-relais", label="Point relais"), slug="relais")
    client = client_for(regional_coordinator)
    listing = client.get(reverse("labels:assessment_list", kwargs={"slug": relay.slug}))
    assert "Aucune grille d'auto-évaluation n'est en vigueur pour le type de site « Point relais »" in (
        element_text(listing, "main")
    )
    assert _url(relay, 2026) not in listing.content.decode()
    assert client.get(_url(relay)).status_code == 404


def test_the_coordination_gives_a_kind_its_grid_in_the_admin(
    client_for, regional_coordinator, grids, cdm_kind
):
    relay = SiteKindFactory(code="point-relais", label="Point relais")
    client = client_for(regional_coordinator)
    grid = grids["em"]
    url = reverse("admin:sites_evaluationgrid_change", args=[grid.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="site_kinds"' in page.content.decode()
    themes = list(grid.themes.all())
    data = {
        "name": grid.name,
        "version": grid.version,
        "published_on": grid.published_on.isoformat(),
        "is_current": "on",
        "site_kinds": [k.pk for k in grid.site_kinds.all()] + [relay.pk],
        "themes-TOTAL_FORMS": len(themes),
        "themes-INITIAL_FORMS": len(themes),
        "themes-MIN_NUM_FORMS": 0,
        "themes-MAX_NUM_FORMS": 1000,
    }
    for index, theme in enumerate(themes):
        data |= {
            f"themes-{index}-id": theme.pk,
            f"themes-{index}-grid": grid.pk,
            f"themes-{index}-order": theme.order,
            f"themes-{index}-title": theme.title,
        }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EvaluationGrid.objects.current_for(relay) == grid
