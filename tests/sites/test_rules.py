"""The rules of sites/rules.py, per persona: who may create, edit, manage a site, read its history."""

import datetime

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from sites.rules import site_id_of
from tests.factories import CoordinatorAssignmentFactory, UserFactory
from tests.helpers import PERSONAS

pytestmark = pytest.mark.django_db

EVERYONE = set(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}


@pytest.fixture
def user_of(personas):
    """The persona's user; the anonymous visitor is Django's AnonymousUser (no roles)."""

    def user(name):
        return personas[name] or AnonymousUser()

    return user


def _allowed(user_of, rule, obj=None) -> set[str]:
    return {name for name in PERSONAS if rules.test_rule(rule, user_of(name), obj)}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("sites.edit_practical_info", {"regional_coordinator", "coordinator_a"}),
        ("sites.manage_site", {"regional_coordinator"}),
        ("sites.read_history", {"regional_coordinator", "observer", "coordinator_a"}),
        ("sites.read_data", {"regional_coordinator", "observer", "coordinator_a"}),
        ("sites.read_coordinators", SIGNED_IN),
    ],
)
def test_rules_about_a_site(user_of, site_a, rule, expected):
    assert _allowed(user_of, rule, site_a) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("sites.create_site", {"regional_coordinator"}),
        ("sites.read_all_sites", {"regional_coordinator", "observer"}),
        # Without a site, object rules answer for the person alone: no site, no coordinator.
        ("sites.edit_practical_info", {"regional_coordinator"}),
        ("sites.read_history", {"regional_coordinator", "observer"}),
    ],
)
def test_rules_without_a_site(user_of, rule, expected):
    assert _allowed(user_of, rule) == expected


def test_the_other_sites_coordinator_edits_their_own_only(user_of, site_a, site_b):
    coordinator_b = user_of("coordinator_b")
    assert rules.test_rule("sites.edit_practical_info", coordinator_b, site_b)
    assert not rules.test_rule("sites.edit_practical_info", coordinator_b, site_a)
    assert not rules.test_rule("sites.read_history", coordinator_b, site_a)


def test_an_ended_assignment_gives_no_right(site_a):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    former = UserFactory(username="ancien-ctem")
    CoordinatorAssignmentFactory(
        user=former, site=site_a, start_date=yesterday - datetime.timedelta(days=30), end_date=yesterday
    )
    assert not rules.test_rule("sites.edit_practical_info", former, site_a)
    assert not rules.test_rule("sites.read_history", former, site_a)


def test_a_superuser_is_the_regional_coordination_and_nothing_more(site_a):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    assert rules.test_rule("sites.manage_site", admin, site_a)
    # Rules are not permissions: Django's superuser shortcut grants any name, even an unknown one.
    assert admin.has_perm("sites.no_such_rule")
    assert not rules.test_rule("sites.no_such_rule", admin, site_a)


def test_site_id_of_reads_a_site_or_an_object_of_one(site_a):
    class OfSite:
        site_id = site_a.pk

    assert site_id_of(site_a) == site_a.pk
    assert site_id_of(OfSite()) == site_a.pk
    assert site_id_of(None) is None
