"""Shared fixtures: the personas every permission test uses.

Personas: regional coordinator, coordinator of site A, coordinator of site B, partner member,
read-only observer, anonymous visitor.
"""

import pytest
from django.test import Client

from network.enums import Role
from tests.factories import (
    CoordinatorAssignmentFactory,
    OrganisationFactory,
    RoleAssignmentFactory,
    SiteFactory,
    UserFactory,
)

# In CI every skip fails the run (tests/ci_skips.py, loaded as a plugin).
pytest_plugins = ["tests.ci_skips"]
pytest.register_assert_rewrite("tests.ci_skips")
from tests.ci_skips import IN_CI  # noqa: E402


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (rate limits, reminders, import previews)."""
    from django.core.cache import cache

    from network import calllog

    cache.clear()
    calllog.discard()
    yield


def require(condition: bool, reason: str):
    """Skip locally when a service is missing, but fail in CI: nothing is silently skipped there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def site_a(db):
    return SiteFactory(name="Espace métiers de Reims", slug="reims")


@pytest.fixture
def site_b(db):
    return SiteFactory(name="Espace métiers de Troyes", slug="troyes", commune="Troyes", postcode="10000")


@pytest.fixture
def regional_coordinator(db):
    user = UserFactory(username="coordination")
    RoleAssignmentFactory(user=user, role=Role.REGIONAL_COORDINATOR)
    return user


@pytest.fixture
def coordinator_a(db, site_a):
    user = UserFactory(username="ctem-a")
    CoordinatorAssignmentFactory(user=user, site=site_a)
    return user


@pytest.fixture
def coordinator_b(db, site_b):
    user = UserFactory(username="ctem-b")
    CoordinatorAssignmentFactory(user=user, site=site_b)
    return user


@pytest.fixture
def partner(db):
    organisation = OrganisationFactory(name="France Travail Grand Est")
    user = UserFactory(username="partenaire", organisation=organisation)
    RoleAssignmentFactory(user=user, role=Role.PARTNER_MEMBER, organisation=organisation)
    return user


@pytest.fixture
def observer(db):
    user = UserFactory(username="region")
    RoleAssignmentFactory(user=user, role=Role.OBSERVER)
    return user


def _client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """A test client logged in as the given user (or anonymous with None)."""
    return _client_for


@pytest.fixture
def personas(regional_coordinator, coordinator_a, coordinator_b, partner, observer):
    """Every persona's user by name ("anonymous" is None). All of them exist, so a test about one
    persona runs in the same network as for the others (site B exists for coordinator A, etc.)."""
    return {
        "anonymous": None,
        "regional_coordinator": regional_coordinator,
        "coordinator_a": coordinator_a,
        "coordinator_b": coordinator_b,
        "partner": partner,
        "observer": observer,
    }


@pytest.fixture
def as_persona(personas, client_for):
    """as_persona(name): a test client logged in as that persona (see tests.helpers.PERSONAS)."""

    def make(name):
        return client_for(personas[name])

    return make
