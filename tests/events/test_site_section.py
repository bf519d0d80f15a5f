"""A site's public page shows its theme of the month and its next published events."""

import datetime

import pytest
from django.urls import reverse

from tests.events.conftest import FROZEN
from tests.events.factories import EventFactory, MonthlyThemeFactory
from tests.helpers import element_text

pytestmark = [pytest.mark.django_db, FROZEN]


def test_the_site_page_shows_the_month_s_theme_and_next_events(client, site_a, site_b, kind):
    MonthlyThemeFactory(site=site_a, month=datetime.date(2026, 6, 1), title="Le mois de l'industrie")
    EventFactory(title="Forum de l'industrie", sites=[site_a], kind=kind, day=datetime.date(2026, 6, 20))
    EventFactory(title="Atelier interne", sites=[site_a], kind=kind, published=False)
    EventFactory(title="Forum de Troyes", sites=[site_b], kind=kind)

    page = element_text(client.get(reverse("sites:detail", kwargs={"slug": site_a.slug})), "main")

    assert "Le mois de l'industrie" in page
    assert "Forum de l'industrie" in page
    assert "Atelier interne" not in page and "Forum de Troyes" not in page
