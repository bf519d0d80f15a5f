import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from sites import services
from sites.enums import LabelStatus
from sites.models import LabelStatusChange, Site
from tests.factories import CoordinatorAssignmentFactory, SiteFactory, SiteKindFactory, UserFactory

pytestmark = pytest.mark.django_db
# A fixed day, Paris time: a run that crosses midnight must not see two different "today"s.
NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def hidden_site(db):
    return SiteFactory(name="Projet de Vitry", label_status=LabelStatus.PROJECT, labelled_on=None)


def test_anonymous_sees_only_public_sites(site_a, hidden_site):
    assert list(Site.objects.visible_to(AnonymousUser())) == [site_a]


def test_coordination_and_observers_see_every_site(regional_coordinator, observer, site_a, hidden_site):
    for user in (regional_coordinator, observer):
        assert set(Site.objects.visible_to(user)) == {site_a, hidden_site}


def test_site_coordinator_sees_public_sites_and_their_own(site_a, hidden_site):
    user = UserFactory()
    CoordinatorAssignmentFactory(user=user, site=hidden_site)
    other_hidden = SiteFactory(label_status=LabelStatus.APPLICATION)
    visible = set(Site.objects.visible_to(user))
    assert visible == {site_a, hidden_site}
    assert other_hidden not in visible


def test_only_the_coordination_and_own_coordinators_may_edit(
    regional_coordinator, coordinator_a, coordinator_b, partner, observer, site_a, site_b
):
    assert set(Site.objects.editable_by(regional_coordinator)) == {site_a, site_b}
    assert list(Site.objects.editable_by(coordinator_a)) == [site_a]
    assert list(Site.objects.editable_by(coordinator_b)) == [site_b]
    assert not Site.objects.editable_by(partner).exists()
    assert not Site.objects.editable_by(observer).exists()
    assert not Site.objects.editable_by(AnonymousUser()).exists()


def test_data_visibility_is_per_site(coordinator_a, partner, observer, site_a, site_b):
    assert list(Site.objects.data_visible_to(coordinator_a)) == [site_a]
    assert set(Site.objects.data_visible_to(observer)) == {site_a, site_b}
    assert not Site.objects.data_visible_to(partner).exists()


def test_ended_assignment_removes_access(site_a):
    user = UserFactory()
    assignment = CoordinatorAssignmentFactory(
        user=user, site=site_a, start_date=TODAY - datetime.timedelta(days=60)
    )
    services.coordinator_unassign(assignment=assignment, end_date=TODAY - datetime.timedelta(days=1))
    fresh = type(user).objects.get(pk=user.pk)
    assert not Site.objects.editable_by(fresh).exists()


def test_due_for_renewal_lists_labelled_sites_inside_the_window():
    due = SiteFactory(label_renewal_due_on=TODAY + datetime.timedelta(days=30))
    late = SiteFactory(label_renewal_due_on=TODAY - datetime.timedelta(days=3))
    SiteFactory(label_renewal_due_on=TODAY + datetime.timedelta(days=900))
    SiteFactory(label_status=LabelStatus.SUSPENDED, label_renewal_due_on=TODAY + datetime.timedelta(days=10))
    assert set(Site.objects.due_for_renewal(within_days=90)) == {due, late}
    assert due.renewal_is_due


def test_search_matches_name_commune_postcode_and_host(site_a, site_b):
    assert list(Site.objects.search("troy")) == [site_b]
    assert list(Site.objects.search("51100")) == [site_a]
    assert set(Site.objects.search("")) == {site_a, site_b}


def test_site_save_creates_a_slug_and_the_first_history_step(site_a):
    author = UserFactory()
    site = SiteFactory.build(
        name="Espace métiers de Reims",
        slug="",
        kind=SiteKindFactory(),
        host=site_a.host,
        departement=site_a.departement,
        label_status=LabelStatus.PROJECT,
    )
    services.site_save(site=site, author=author)
    assert site.slug == "espace-metiers-de-reims"
    change = LabelStatusChange.objects.get(site=site)
    assert change.status == LabelStatus.PROJECT and change.author == author
    assert site.history.first().history_user == author


def test_label_life_cycle_records_every_step(site_a):
    author = UserFactory()
    site = SiteFactory(label_status=LabelStatus.PROJECT, labelled_on=None, label_renewal_due_on=None)
    services.site_change_label_status(site=site, status=LabelStatus.APPLICATION, author=author)
    renewal = TODAY + datetime.timedelta(days=3 * 365)
    site = services.site_change_label_status(
        site=site,
        status=LabelStatus.LABELLED,
        renewal_due_on=renewal,
        comment="Avis favorable",
        author=author,
    )
    assert site.label_status == LabelStatus.LABELLED
    assert site.labelled_on == TODAY and site.label_renewal_due_on == renewal
    services.site_change_label_status(site=site, status=LabelStatus.SUSPENDED, author=author)
    steps = list(site.label_changes.order_by("created_at").values_list("previous_status", "status"))
    assert steps == [
        (LabelStatus.PROJECT, LabelStatus.APPLICATION),
        (LabelStatus.APPLICATION, LabelStatus.LABELLED),
        (LabelStatus.LABELLED, LabelStatus.SUSPENDED),
    ]


def test_label_transition_outside_the_life_cycle_is_refused_in_french():
    site = SiteFactory(label_status=LabelStatus.PROJECT)
    with pytest.raises(ValidationError) as error:
        services.site_change_label_status(site=site, status=LabelStatus.SUSPENDED)
    assert "ne peut pas passer" in str(error.value)
    site.refresh_from_db()
    assert site.label_status == LabelStatus.PROJECT
    assert not site.label_changes.exists()


def test_labelling_needs_a_renewal_date_after_the_effective_date():
    site = SiteFactory(label_status=LabelStatus.APPLICATION)
    with pytest.raises(ValidationError):
        services.site_change_label_status(site=site, status=LabelStatus.LABELLED)
    with pytest.raises(ValidationError):
        services.site_change_label_status(site=site, status=LabelStatus.LABELLED, renewal_due_on=TODAY)


def test_coordinator_cannot_be_assigned_twice_to_the_same_site(site_a, coordinator_a):
    with pytest.raises(ValidationError):
        services.coordinator_assign(site=site_a, user=coordinator_a, position="ctem")
