import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_regional_coordination_edits_reference_lists_in_the_admin(client_for, regional_coordinator):
    client = client_for(regional_coordinator)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:sites_theme_changelist")).status_code == 200
    response = client.post(
        reverse("admin:sites_theme_add"), {"code": "mobilite", "label": "Mobilité", "order": 7}
    )
    assert response.status_code == 302
    from sites.models import Theme

    assert Theme.objects.filter(code="mobilite").exists()


def test_the_coordination_only_reads_sites_in_the_admin(client_for, regional_coordinator, site_a):
    client = client_for(regional_coordinator)
    assert client.get(reverse("admin:sites_site_changelist")).status_code == 200
    assert client.get(reverse("admin:sites_site_add")).status_code == 403


@pytest.mark.parametrize("persona", ["coordinator_a", "partner", "observer"])
def test_other_roles_cannot_enter_the_admin(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert (
        client.post(reverse("admin:sites_theme_add"), {"code": "x", "label": "X", "order": 1}).status_code
        == 302
    )
    from sites.models import Theme

    assert not Theme.objects.filter(code="x").exists()
