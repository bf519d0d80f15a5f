"""The public directory as open data, in the data·inclusion schema v1: every record valid (warnings
included), public sites only, the same for everyone, date_maj from the site's history."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from data_inclusion.schema.v1 import Service, Structure
from django.urls import reverse

from sites import services as site_services
from sites.enums import LabelStatus
from sites.opendata.hours import osm_opening_hours
from tests.factories import (
    OrganisationFactory,
    OrganisationKindFactory,
    ServiceLevelFactory,
    SiteFactory,
    TerritoryFactory,
    TerritoryKindFactory,
    ThemeFactory,
)

NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.time_machine(NOW, tick=False), pytest.mark.django_db]
STRICT = {"ignore_warnings": False}

STRUCTURES_JSON = reverse("opendata_sites:structures_json")
SERVICES_JSON = reverse("opendata_sites:services_json")
STRUCTURES_CSV = reverse("opendata_sites:structures_csv")
SERVICES_CSV = reverse("opendata_sites:services_csv")


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def network():
    """Sites with every kind of practical information, good and bad, and non-public ones."""
    commune_kind = TerritoryKindFactory(code="commune", label="Commune", order=5)
    reims_commune = TerritoryFactory(kind=commune_kind, code="51454", name="Reims")
    marne = TerritoryFactory(code="51", name="Marne")
    mission_locale = OrganisationFactory(
        name="Mission locale de Reims", kind=OrganisationKindFactory(code="mission-locale", label="ML")
    )
    levels = {
        code: ServiceLevelFactory(code=code, label=code)
        for code in ("accueil-information", "conseil-personnalise", "accompagnement", "autre-niveau")
    }
    themes = {
        code: ThemeFactory(code=code, label=code) for code in ("metiers", "formation", "vae", "inconnu")
    }
    full = SiteFactory(
        slug="reims",
        name="Cité des métiers de Reims",
        host=mission_locale,
        departement=marne,
        address="12, rue du Temple",
        postcode="51100",
        commune="Reims",
        phone="03 26 00 00 00",
        email="accueil@cdm-reims.example",
        website="https://cdm-reims.example",
        public_description="Lieu ouvert à tous, gratuit et anonyme.",
        accessibility="https://acceslibre.beta.gouv.fr/app/51-reims/a/cite/erp/cdm-reims/",
        opening_hours="Du lundi au vendredi : 9 h – 12 h et 13 h 30 – 17 h.",
        latitude=Decimal("49.258329"),
        longitude=Decimal("4.031696"),
    )
    full.territories.set([reims_commune])
    full.themes.set(themes.values())
    full.service_levels.set(levels.values())
    # Everything blank or badly typed, a name ending with a full stop (a warning of the schema),
    # a formula in the name, a suspended label (still in the public directory).
    SiteFactory(
        slug="troyes",
        name='=HYPERLINK("http://evil.example") Espace métiers de Troyes.',
        postcode="10 000",
        commune="Troyes",
        phone="pas de téléphone",
        opening_hours="Le jeudi jusqu'à 19 h.",
        accessibility="Locaux accessibles aux personnes à mobilité réduite.",
        public_description="abc",
        label_status=LabelStatus.SUSPENDED,
    )
    SiteFactory(slug="sedan", name="Espace métiers de Sedan", phone="0262 12 34 56")
    for status in (LabelStatus.PROJECT, LabelStatus.APPLICATION, LabelStatus.WITHDRAWN):
        SiteFactory(slug=f"cache-{status}", name=f"Site caché {status}", label_status=status)
    return full


def test_every_record_validates_with_the_schema_warnings_included(client, network):
    structures = client.get(STRUCTURES_JSON).json()
    services = client.get(SERVICES_JSON).json()

    assert {s["id"] for s in structures} == {"reims", "sedan", "troyes"}
    for record in structures:
        Structure.model_validate(record, context=STRICT)
    for record in services:
        Service.model_validate(record, context=STRICT)
    assert {s["structure_id"] for s in services} <= {s["id"] for s in structures}
    # Each id appears once.
    assert len({s["id"] for s in services}) == len(services)


def test_the_site_maps_to_a_structure(client, network):
    structures = {s["id"]: s for s in client.get(STRUCTURES_JSON).json()}

    reims = structures["reims"]
    assert reims["source"] == "spro-hub"
    assert reims["nom"] == "Cité des métiers de Reims"
    assert reims["date_maj"] == "2026-06-15"
    assert (reims["adresse"], reims["code_postal"], reims["commune"], reims["code_insee"]) == (
        "12, rue du Temple",
        "51100",
        "Reims",
        "51454",
    )
    assert reims["telephone"] == "+33326000000"
    assert reims["courriel"] == "accueil@cdm-reims.example"
    assert reims["site_web"].startswith("https://cdm-reims.example")
    assert reims["horaires_accueil"] == "Mo-Fr 09:00-12:00,13:30-17:00"
    assert reims["accessibilite_lieu"].startswith("https://acceslibre.beta.gouv.fr/")
    assert reims["reseaux_porteurs"] == ["mission-locale"]
    assert reims["lien_source"] == "http://testserver/sites/reims/"
    assert (reims["latitude"], reims["longitude"]) == (49.258329, 4.031696)

    troyes = structures["troyes"]
    # What the schema would refuse or warn about is tidied or left empty, never published wrong.
    assert not troyes["nom"].endswith(".")
    assert troyes["code_postal"] is None
    assert troyes["horaires_accueil"] is None
    assert troyes["accessibilite_lieu"] is None
    assert troyes["description"] is None
    assert troyes["telephone"] is None
    assert troyes["reseaux_porteurs"] == ["maisons-de-l-emploi"]
    # An overseas number keeps its national form (its country code is not +33).
    assert structures["sedan"]["telephone"] == "0262 12 34 56"


def test_every_site_offers_reception_and_its_other_levels(client, network):
    services = {s["id"]: s for s in client.get(SERVICES_JSON).json()}

    assert set(services) == {
        "reims--accueil-information",
        "reims--conseil-personnalise",
        "reims--accompagnement",
        "troyes--accueil-information",
        "sedan--accueil-information",
    }
    reception = services["reims--accueil-information"]
    assert reception["type"] == "information"
    assert reception["frais"] == "gratuit"
    assert reception["publics"] == ["tous-publics"]
    assert reception["modes_accueil"] == ["a-distance", "en-presentiel"]
    assert reception["modes_mobilisation"] == ["envoyer-un-courriel", "se-presenter", "telephoner"]
    assert reception["zone_eligibilite"] == ["51"]
    assert reception["date_maj"] == "2026-06-15"
    assert "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite" in reception["thematiques"]
    # The site's themes add theirs (VAE: valuing one's skills); an unknown theme adds nothing.
    assert "preparer-sa-candidature--valoriser-ses-competences" in reception["thematiques"]
    assert services["reims--conseil-personnalise"]["type"] == "accompagnement"
    # No phone and no e-mail: in person only.
    assert services["troyes--accueil-information"]["modes_accueil"] == ["en-presentiel"]
    assert services["troyes--accueil-information"]["modes_mobilisation"] == ["se-presenter"]
    assert services["troyes--accueil-information"]["contact_nom_prenom"] is None


def test_unpublished_sites_never_appear_whoever_asks(client, client_for, network, regional_coordinator):
    for reader in (client, client_for(regional_coordinator)):
        for url in (STRUCTURES_JSON, SERVICES_JSON, STRUCTURES_CSV, SERVICES_CSV):
            response = reader.get(url)
            assert response.status_code == 200
            assert b"cache-" not in response.content
            assert "Site caché" not in response.content.decode()
    coordinator_view = client_for(regional_coordinator).get(STRUCTURES_JSON).json()
    assert coordinator_view == client.get(STRUCTURES_JSON).json()


def test_date_maj_follows_the_site_history(client, db):
    with time_machine.travel(datetime.datetime(2025, 3, 2, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        site = SiteFactory(slug="chaumont", name="Espace de Chaumont")
    structures = {s["id"]: s for s in client.get(STRUCTURES_JSON).json()}
    assert structures["chaumont"]["date_maj"] == "2025-03-02"
    services = client.get(SERVICES_JSON).json()
    assert {s["date_maj"] for s in services if s["structure_id"] == "chaumont"} == {"2025-03-02"}

    # A change of the site's practical information, later: a new history record, a new date.
    with time_machine.travel(datetime.datetime(2026, 5, 20, 9, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        site.phone = "03 25 00 00 00"
        site_services.site_save(site=site)
    structures = {s["id"]: s for s in client.get(STRUCTURES_JSON).json()}
    assert structures["chaumont"]["date_maj"] == "2026-05-20"
    assert structures["chaumont"]["telephone"] == "+33325000000"
    assert site.history.count() == 2


def test_the_csv_files_hold_the_same_records_defused(client, network):
    structures = read_csv(client.get(STRUCTURES_CSV))
    json_structures = client.get(STRUCTURES_JSON).json()

    assert [row["id"] for row in structures] == [s["id"] for s in json_structures]
    assert list(structures[0]) == list(Structure.model_fields)
    reims = next(row for row in structures if row["id"] == "reims")
    # An international phone number stays as it is; a name that looks like a formula does not run.
    assert reims["telephone"] == "+33326000000"
    assert reims["reseaux_porteurs"] == "mission-locale"
    troyes = next(row for row in structures if row["id"] == "troyes")
    assert troyes["nom"].startswith("'=HYPERLINK")
    services = read_csv(client.get(SERVICES_CSV))
    assert list(services[0]) == list(Service.model_fields)
    reception = next(row for row in services if row["id"] == "reims--accueil-information")
    assert reception["publics"] == "tous-publics"
    assert reception["modes_accueil"] == "a-distance|en-presentiel"


def test_open_to_anyone_from_anywhere(client, network, django_assert_max_num_queries):
    # The sites and their history in one query, then one per many-to-many list (themes, service
    # levels, territories): the count does not grow with the sites.
    with django_assert_max_num_queries(4):
        response = client.get(STRUCTURES_JSON)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"].startswith("application/json")
    for url in (SERVICES_JSON, STRUCTURES_CSV, SERVICES_CSV):
        assert client.get(url).status_code == 200
        assert client.head(url).status_code == 200
        assert client.post(url).status_code == 405


def test_the_lists_are_empty_lists_when_no_site_is_public(client, db):
    SiteFactory(label_status=LabelStatus.PROJECT)
    assert client.get(STRUCTURES_JSON).json() == []
    rows = client.get(STRUCTURES_CSV).content.decode().splitlines()
    assert rows == [",".join(Structure.model_fields)]


@pytest.mark.parametrize(
    ("text", "osm"),
    [
        ("Du lundi au vendredi : 9 h – 12 h et 13 h 30 – 17 h.", "Mo-Fr 09:00-12:00,13:30-17:00"),
        ("Lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h", "Mo-Fr 09:00-12:30,13:30-17:00"),
        (
            "Lundi, mardi et jeudi : 9 h – 12 h et 14 h – 17 h.\nMercredi : 9 h – 12 h.",
            "Mo,Tu,Th 09:00-12:00,14:00-17:00; We 09:00-12:00",
        ),
        ("Du lundi au vendredi : 9 h – 17 h, sans rendez-vous.", "Mo-Fr 09:00-17:00"),
        ("Mardi : 9h30-12h", "Tu 09:30-12:00"),
        # All or nothing: one line it cannot read, and the hours are left out.
        ("Du lundi au vendredi : 9 h – 17 h.\nLe jeudi jusqu'à 19 h.", None),
        ("Samedi matin sur rendez-vous.", None),
        ("Du vendredi au lundi : 9 h – 12 h", None),
        ("Lundi : 14 h – 12 h", None),
        ("Lundi : 25 h – 26 h", None),
        ("", None),
    ],
)
def test_opening_hours_become_osm_only_when_every_line_reads(text, osm):
    assert osm_opening_hours(text) == osm


@pytest.mark.parametrize(
    "query", ["?page=-1&page_size=99999999999999999999", "?q=%00&annee=deux-mille", "?id=1e30"]
)
def test_query_strings_are_ignored(client, network, query):
    for url in (STRUCTURES_JSON, SERVICES_JSON, STRUCTURES_CSV, SERVICES_CSV):
        assert client.get(url + query).status_code == 200
