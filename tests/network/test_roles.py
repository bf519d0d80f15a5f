import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from network import services
from network.enums import Role
from network.models import Organisation
from network.roles import NO_ROLES
from tests.factories import (
    CoordinatorAssignmentFactory,
    OrganisationFactory,
    RoleAssignmentFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
# A fixed day, Paris time: a run that crosses midnight must not see two different "today"s.
NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_anonymous_has_the_empty_roles_object():
    """Every request's user has roles: code asks `user.roles` without checking who is asking."""
    roles = AnonymousUser().roles
    assert roles is NO_ROLES
    assert not (roles.reads_whole_network or roles.is_site_coordinator or roles.is_partner)
    assert roles.coordinated_site_ids == frozenset() and roles.labels == []


def test_roles_follow_assignment_dates():
    user = UserFactory()
    RoleAssignmentFactory(
        user=user,
        role=Role.REGIONAL_COORDINATOR,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=1),
    )
    assert not user.roles.is_regional_coordinator

    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.OBSERVER, start_date=TODAY + datetime.timedelta(days=3))
    assert not user.roles.is_observer


def test_site_coordinator_roles_cover_only_current_sites():
    user = UserFactory()
    current = CoordinatorAssignmentFactory(user=user).site
    CoordinatorAssignmentFactory(
        user=user,
        start_date=TODAY - datetime.timedelta(days=900),
        end_date=TODAY - datetime.timedelta(days=200),
    )
    assert user.roles.coordinated_site_ids == {current.pk}
    assert user.roles.is_site_coordinator
    assert not user.roles.reads_whole_network


def test_roles_are_computed_once_per_user_object(django_assert_num_queries):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.OBSERVER)
    # One query for role assignments, one for site assignments; then cached on the object.
    with django_assert_num_queries(2):
        assert user.roles.reads_whole_network
        assert user.roles.is_observer


def test_inactive_user_has_no_role():
    user = UserFactory(is_active=False)
    RoleAssignmentFactory(user=user, role=Role.REGIONAL_COORDINATOR)
    assert not user.roles.is_regional_coordinator


def test_role_assign_refuses_partner_without_organisation():
    with pytest.raises(ValidationError) as error:
        services.role_assign(user=UserFactory(), role=Role.PARTNER_MEMBER)
    assert "organisation" in error.value.message_dict


def test_role_assign_refuses_the_same_role_twice_at_a_date():
    user = UserFactory()
    services.role_assign(user=user, role=Role.REGIONAL_COORDINATOR)
    with pytest.raises(ValidationError):
        services.role_assign(user=user, role=Role.REGIONAL_COORDINATOR)


def test_role_end_keeps_the_row_and_removes_the_right_tomorrow():
    user = UserFactory()
    assignment = services.role_assign(
        user=user, role=Role.OBSERVER, start_date=TODAY - datetime.timedelta(days=5)
    )
    services.role_end(assignment=assignment, end_date=TODAY - datetime.timedelta(days=1))
    user.refresh_from_db()
    fresh = type(user).objects.get(pk=user.pk)
    assert not fresh.roles.is_observer
    assert fresh.role_assignments.count() == 1


def test_role_end_refuses_an_end_before_the_start():
    assignment = services.role_assign(user=UserFactory(), role=Role.OBSERVER)
    with pytest.raises(ValidationError):
        services.role_end(assignment=assignment, end_date=TODAY - datetime.timedelta(days=10))


def test_organisation_save_validates_spro_dates_and_keeps_history():
    author = UserFactory()
    organisation = OrganisationFactory.build(
        departement=None,
        kind=OrganisationFactory().kind,
        spro_recognised_on=TODAY,
        spro_recognition_ends_on=TODAY - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        services.organisation_save(organisation=organisation, author=author)
    organisation.spro_recognition_ends_on = None
    organisation.is_spro_member = True
    services.organisation_save(organisation=organisation, author=author)
    assert Organisation.objects.spro_members().filter(pk=organisation.pk).exists()
    assert organisation.history.first().history_user == author


def test_spro_membership_depends_on_dates():
    OrganisationFactory(
        name="Ancien membre",
        is_spro_member=True,
        spro_recognised_on=TODAY - datetime.timedelta(days=800),
        spro_recognition_ends_on=TODAY - datetime.timedelta(days=2),
    )
    OrganisationFactory(name="Pas membre", is_spro_member=False)
    member = OrganisationFactory(name="Membre", is_spro_member=True, spro_recognised_on=TODAY)
    assert list(Organisation.objects.spro_members()) == [member]


def test_api_token_stores_only_a_hash():
    organisation = OrganisationFactory()
    token, key = services.api_token_create(
        organisation=organisation, name="Entrepôt", scopes=["read:directory"]
    )
    assert key not in (token.key_hash, token.prefix)
    assert token.prefix == key[:8]
    from network.models import ApiToken

    assert ApiToken.find(key) == token
    services.api_token_revoke(token=token)
    assert ApiToken.find(key) is None


def test_api_token_refuses_unknown_scopes():
    with pytest.raises(ValidationError):
        services.api_token_create(organisation=OrganisationFactory(), name="x", scopes=["stats:write"])


def test_site_factory_is_usable():
    assert SiteFactory().is_public
