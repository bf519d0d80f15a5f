"""A month far outside the site's own history warns (it never blocks)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from stats import services
from stats.enums import Dimension

# The clock is frozen on 15 June 2026: the month checked is May, its history the months before.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]

LAST_MONTH = datetime.date(2026, 5, 1)


def month_before(month, n):
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def set_total(site, author, refs, month, total):
    return services.aggregate_set(
        site=site, month=month, author=author, counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): total}
    )


@pytest.fixture
def history(site_a, regional_coordinator, refs):
    for n in range(1, 5):
        set_total(site_a, regional_coordinator, refs, month_before(LAST_MONTH, n), 300 + n)


def test_a_usual_month_does_not_warn(site_a, regional_coordinator, refs, history):
    period = set_total(site_a, regional_coordinator, refs, LAST_MONTH, 280)
    assert services.period_unusual_warning(period=period) is None


@pytest.mark.parametrize("total", [40, 2000])
def test_a_month_far_from_the_sites_history_warns(site_a, regional_coordinator, refs, history, total):
    period = set_total(site_a, regional_coordinator, refs, LAST_MONTH, total)
    warning = services.period_unusual_warning(period=period)
    assert warning and "très éloigné" in warning and str(total) in warning


def test_without_enough_history_nothing_warns(site_a, regional_coordinator, refs):
    period = set_total(site_a, regional_coordinator, refs, LAST_MONTH, 5000)
    assert services.period_unusual_warning(period=period) is None


def test_the_warning_shows_when_submitting_but_does_not_block(
    client_for, site_a, coordinator_a, regional_coordinator, refs, history
):
    period = set_total(site_a, regional_coordinator, refs, LAST_MONTH, 2000)
    client = client_for(coordinator_a)
    url = reverse("stats:period_submit", kwargs={"pk": period.pk})
    page = client.get(url)
    assert "très éloigné" in page.content.decode()
    client.post(url)
    period.refresh_from_db()
    assert period.status == "soumise"
