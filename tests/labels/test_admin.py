"""The grid is edited in the admin: a grid lists its themes, a theme its items."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_grid_and_theme_admin_pages(client_for, grid):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin)
    assert client.get(reverse("admin:sites_evaluationgrid_changelist")).status_code == 200
    page = client.get(reverse("admin:sites_evaluationgrid_change", args=[grid.pk])).content.decode()
    assert "Stratégie de développement" in page
    theme = grid.themes.get(order=1)
    page = client.get(reverse("admin:sites_evaluationtheme_change", args=[theme.pk])).content.decode()
    assert "Le service est anonyme et respecte la vie privée." in page
