"""The demo data: loads, is idempotent, never creates its public-password accounts with DEBUG off."""

import io
import time

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

from network.demo import DemoAccountsRefused
from network.enums import Role
from network.models import Organisation, Territory, User
from sites.demo import load_demo
from sites.enums import LabelStatus
from sites.models import Site
from stats.management.commands import seed_demo as seed_demo_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def network_only(monkeypatch):
    # The other apps' demo loaders (years of statistics) are tested with their app; here, none.
    monkeypatch.setattr(seed_demo_command, "EXTRA_LOADERS", [])


EXTRA_CALLS = []


def fake_statistics_loader():
    EXTRA_CALLS.append(Site.objects.count())
    return {"passages": 12, "périodes": 0}


def seed(*args):
    with override_settings(DEBUG=True):
        call_command("seed_demo", *args, stdout=io.StringIO())


def row_counts():
    """Rows of every model, history tables included: a second load must not add a single one."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_creates_the_eleven_espaces_metiers_in_four_departements():
    started = time.monotonic()
    seed()
    assert time.monotonic() - started < 10

    espaces = Site.objects.filter(kind__code="espace-metiers")
    assert espaces.count() == 11
    assert set(espaces.values_list("departement__code", flat=True)) == {"08", "10", "51", "52"}
    assert {"reims", "troyes", "charleville-mezieres", "vireux-molhain", "saint-dizier"} <= set(
        espaces.values_list("slug", flat=True)
    )
    assert set(
        Territory.objects.of_kind("departement").filter(parent__code="44").values_list("code", flat=True)
    ) == {
        "08",
        "10",
        "51",
        "52",
        "54",
        "55",
        "57",
        "67",
        "68",
        "88",
    }


def test_seed_covers_the_label_life_cycle_and_a_cite_des_metiers():
    seed()
    statuses = list(Site.objects.values_list("label_status", flat=True))
    assert statuses.count(LabelStatus.APPLICATION) == 1
    assert statuses.count(LabelStatus.SUSPENDED) == 1
    assert statuses.count(LabelStatus.LABELLED) >= 10
    assert Site.objects.due_for_renewal(within_days=180).count() >= 2
    # Every step went through the label service, so each site has a history starting at creation.
    reims = Site.objects.get(slug="reims")
    assert reims.label_changes.count() >= 3
    assert reims.themes.exists() and reims.service_levels.count() == 3
    assert reims.latitude is not None

    cdm = Site.objects.get(kind__code="cite-des-metiers")
    assert cdm.children.filter(kind__code="centre-associe").count() == 1


def test_seed_loads_the_spro_members():
    seed()
    members = set(Organisation.objects.spro_members().values_list("kind__code", flat=True))
    assert {
        "france-travail",
        "mission-locale",
        "cio",
        "cap-emploi",
        "apec",
        "transitions-pro",
        "cci",
        "cma",
    } <= (members)
    # The Fongecif left the SPRO when Transitions Pro replaced it.
    assert not Organisation.objects.spro_members().filter(name="Fongecif Champagne-Ardenne").exists()


def test_running_twice_changes_nothing():
    seed()
    before = row_counts()
    reims = Site.objects.get(slug="reims")
    seed()
    assert row_counts() == before
    assert Site.objects.get(slug="reims").updated_at == reims.updated_at


def test_seed_brings_back_edited_demo_values_without_duplicates():
    seed()
    Site.objects.filter(slug="reims").update(opening_hours="Fermé")
    seed()
    assert Site.objects.filter(slug="reims").get().opening_hours != "Fermé"
    assert Site.objects.filter(slug="reims").count() == 1


def test_accounts_are_refused_with_debug_off():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()
    # Nothing half-loaded either: the refusal comes before the transaction writes anything.
    assert not Site.objects.exists()


def test_load_demo_refuses_accounts_with_debug_off():
    with override_settings(DEBUG=False), pytest.raises(DemoAccountsRefused):
        load_demo(with_accounts=True)


def test_no_accounts_loads_only_the_data_with_debug_off():
    out = io.StringIO()
    with override_settings(DEBUG=False):
        call_command("seed_demo", "--no-accounts", stdout=out)
    assert Site.objects.count() >= 12
    assert not User.objects.exists()
    assert "http://127.0.0.1:8000/" in out.getvalue()


def test_demo_accounts_have_their_roles():
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8000/" in out.getvalue()
    for username in ("coordination", "ctem-reims", "ctem-troyes", "partenaire", "region"):
        assert username in out.getvalue()
        assert User.objects.get(username=username).check_password("demo")

    reims = Site.objects.get(slug="reims")
    assert User.objects.get(username="ctem-reims").roles.coordinated_site_ids == {reims.pk}
    assert User.objects.get(username="ctem-troyes").roles.coordinated_site_ids == {
        Site.objects.get(slug="troyes").pk
    }
    assert User.objects.get(username="coordination").roles.is_regional_coordinator
    assert User.objects.get(username="region").roles.is_observer
    partner = User.objects.get(username="partenaire")
    france_travail = Organisation.objects.get(name="France Travail Grand Est")
    assert partner.roles.partner_organisation_ids == {france_travail.pk}
    assert partner.role_assignments.get().role == Role.PARTNER_MEMBER


def test_password_is_set_only_at_creation():
    seed()
    user = User.objects.get(username="region")
    user.set_password("un-autre-mot-de-passe")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("un-autre-mot-de-passe")


def test_seed_runs_the_other_apps_loaders_after_the_sites(monkeypatch):
    monkeypatch.setattr(
        seed_demo_command, "EXTRA_LOADERS", [("statistiques", f"{__name__}.fake_statistics_loader")]
    )
    EXTRA_CALLS.clear()
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--no-accounts", stdout=out)
    # Called once, after every site existed.
    assert EXTRA_CALLS[0] == Site.objects.count() and len(EXTRA_CALLS) == 1
    assert "Statistiques : 12 passages." in out.getvalue()

    call_command("seed_demo", "--no-accounts", "--network-only", stdout=io.StringIO())
    assert len(EXTRA_CALLS) == 1
