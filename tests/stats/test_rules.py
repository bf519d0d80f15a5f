"""The access rules of the statistics (stats/rules.py), asked directly for each persona and state.

Personas (tests/conftest.py): the regional coordinator, the coordinator of site A, the coordinator
of site B, a partner, a read-only observer and an anonymous visitor. The objects are site A, its
periods in each state, and visits in them. The pages, services and API that ask these rules are
tested in the other modules; here, the rules themselves and their agreement with the querysets.
"""

import datetime

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from network.roles import UserRoles
from sites.models import Site
from stats.enums import PeriodStatus
from stats.models import Period, Visit
from tests.factories import TerritoryFactory, UserFactory
from tests.helpers import PERSONAS

MONTH = datetime.date(2026, 5, 1)
OPEN, SUBMITTED, VALIDATED, LOCKED = (
    PeriodStatus.OPEN,
    PeriodStatus.SUBMITTED,
    PeriodStatus.VALIDATED,
    PeriodStatus.LOCKED,
)
STATES = [OPEN, SUBMITTED, VALIDATED, LOCKED]
EVERY_RULE = {
    "stats.read_region",
    "stats.read_territory",
    "stats.read_site",
    "stats.read_periods",
    "stats.read_figures",
    "stats.read_published_figures",
    "stats.enter_data",
    "stats.use_desk",
    "stats.import",
    "stats.write_period",
    "stats.edit_visit",
    "stats.manage_periods",
    "stats.submit_period",
    "stats.validate_period",
    "stats.lock_period",
    "stats.reopen_period",
    "stats.moderate_comments",
}


@pytest.fixture
def users(personas):
    """Every persona's user, the anonymous visitor as Django gives it to a view."""
    return {name: user if user is not None else AnonymousUser() for name, user in personas.items()}


def allowed(users, rule, obj=None) -> set[str]:
    """The personas the rule lets through for this object."""
    return {name for name in PERSONAS if rules.test_rule(rule, users[name], obj)}


def period_in(site, status) -> Period:
    return Period.objects.create(site=site, month=MONTH, status=status)


def test_every_rule_of_the_app_is_tested_here():
    registered = {name for name in rules.rulesets.default_rules if name.startswith("stats.")}
    assert registered == EVERY_RULE


# --- Reading ---------------------------------------------------------------------------------------


WHOLE_NETWORK = {"regional_coordinator", "observer"}
SITE_PEOPLE = {"regional_coordinator", "observer", "coordinator_a", "coordinator_b"}


def test_region_and_territories_are_read_by_the_whole_network_readers(users):
    assert allowed(users, "stats.read_region") == WHOLE_NETWORK
    assert allowed(users, "stats.read_territory", TerritoryFactory()) == WHOLE_NETWORK


def test_a_site_is_read_by_the_whole_network_and_its_own_coordinators(users, site_a, site_b):
    assert allowed(users, "stats.read_site", site_a) == WHOLE_NETWORK | {"coordinator_a"}
    assert allowed(users, "stats.read_site", site_b) == WHOLE_NETWORK | {"coordinator_b"}
    # Without a site, only the role decides: a site coordinator reads no site in general.
    assert allowed(users, "stats.read_site") == WHOLE_NETWORK


def test_periods_and_full_figures_are_read_by_the_network_and_the_sites(users):
    assert allowed(users, "stats.read_periods") == SITE_PEOPLE
    assert allowed(users, "stats.read_figures") == SITE_PEOPLE


def test_partners_read_the_published_figures_only(users):
    assert allowed(users, "stats.read_published_figures") == {"partner"}
    # An organisation token's principal (network.api_auth.ApiClient) has a partner's roles.
    token = type("ApiClient", (), {"roles": UserRoles(partner_organisation_ids=frozenset({1}))})()
    assert rules.test_rule("stats.read_published_figures", token)
    assert not rules.test_rule("stats.read_figures", token)


def test_comments_are_moderated_by_the_coordination_only(users, site_a):
    assert allowed(users, "stats.moderate_comments", site_a) == {"regional_coordinator"}


# --- Entering data ---------------------------------------------------------------------------------


def test_a_sites_data_is_entered_by_its_coordinators_and_the_coordination(users, site_a, site_b):
    assert allowed(users, "stats.enter_data", site_a) == {"regional_coordinator", "coordinator_a"}
    assert allowed(users, "stats.enter_data", site_b) == {"regional_coordinator", "coordinator_b"}


def test_the_desk_and_the_import(users):
    assert allowed(users, "stats.use_desk") == {"coordinator_a", "coordinator_b"}
    assert allowed(users, "stats.import") == {"regional_coordinator", "coordinator_a", "coordinator_b"}


WRITERS = {
    OPEN: {"regional_coordinator", "coordinator_a"},
    SUBMITTED: {"regional_coordinator"},
    VALIDATED: {"regional_coordinator"},
    LOCKED: set(),
}


@pytest.mark.parametrize("status", STATES)
def test_who_writes_a_period_and_its_visits_in_each_state(users, site_a, status):
    period = period_in(site_a, status)
    assert allowed(users, "stats.write_period", period) == WRITERS[status]
    # A visit is corrected or deleted by whoever may write its period (an unsaved one will do).
    assert allowed(users, "stats.edit_visit", Visit(site=site_a, period=period)) == WRITERS[status]


def test_an_unsaved_period_is_open(users, site_a):
    assert allowed(users, "stats.write_period", Period(site=site_a, month=MONTH)) == WRITERS[OPEN]
    assert allowed(users, "stats.submit_period", Period(site=site_a, month=MONTH)) == WRITERS[OPEN]


# --- The period workflow ---------------------------------------------------------------------------

# Who may take each action on site A's period, by the period's state.
WORKFLOW = {
    "stats.submit_period": {OPEN: {"regional_coordinator", "coordinator_a"}},
    "stats.validate_period": {SUBMITTED: {"regional_coordinator"}},
    "stats.lock_period": {VALIDATED: {"regional_coordinator"}},
    "stats.reopen_period": {
        SUBMITTED: {"regional_coordinator"},
        VALIDATED: {"regional_coordinator"},
        LOCKED: {"regional_coordinator"},
    },
}


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("rule", sorted(WORKFLOW))
def test_workflow_actions_by_persona_and_state(users, site_a, rule, status):
    assert allowed(users, rule, period_in(site_a, status)) == WORKFLOW[rule].get(status, set())


@pytest.mark.parametrize("status", STATES)
def test_the_role_part_of_the_workflow_ignores_the_state(users, site_a, status):
    period = period_in(site_a, status)
    assert allowed(users, "stats.manage_periods", period) == {"regional_coordinator"}


@pytest.mark.parametrize("rule", ["stats.submit_period", *sorted(WORKFLOW), "stats.write_period"])
def test_period_rules_refuse_without_a_period(users, rule):
    assert allowed(users, rule) == set()


def test_another_sites_coordinator_may_not_submit(users, site_b):
    period = period_in(site_b, OPEN)
    assert allowed(users, "stats.submit_period", period) == {"regional_coordinator", "coordinator_b"}


def test_a_superuser_is_the_regional_coordination_nothing_more(db, site_a):
    superuser = UserFactory(username="admin", is_superuser=True, is_staff=True)
    assert rules.test_rule("stats.validate_period", superuser, period_in(site_a, SUBMITTED))
    locked = Period.objects.create(site=site_a, month=datetime.date(2026, 4, 1), status=LOCKED)
    # What the state forbids stays forbidden (user.has_perm would grant it).
    assert not rules.test_rule("stats.write_period", superuser, locked)
    assert not rules.test_rule("stats.lock_period", superuser, locked)


# --- The rules and the querysets agree -------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_rules_agree_with_the_scoping_querysets(users, site_a, site_b, refs, persona):
    user = users[persona]
    period = period_in(site_a, OPEN)
    visit = Visit.objects.create(
        site=site_a, period=period, visited_on=MONTH, contact_kind=refs.contact_kinds[0], sex=refs.sexes[0]
    )
    for site in (site_a, site_b):
        assert rules.test_rule("stats.enter_data", user, site) == Site.objects.editable_by(user).contains(
            site
        )
        assert rules.test_rule("stats.read_site", user, site) == Site.objects.data_visible_to(user).contains(
            site
        )
    assert rules.test_rule("stats.edit_visit", user, visit) == Visit.objects.editable_by(user).contains(visit)
