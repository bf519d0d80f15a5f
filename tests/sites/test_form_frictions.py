"""Forms without small frictions: a single site comes chosen, the person a form was opened from too,
and only the fields one must fill are starred, once."""

import pytest
from django.urls import reverse

from tests.factories import CoordinatorAssignmentFactory
from tests.helpers import soup

pytestmark = pytest.mark.django_db


def _site_select(response):
    return soup(response).select_one("select[name=site]")


@pytest.mark.parametrize("url_name", ["plans:create", "labels:application_create"])
def test_a_coordinator_of_one_site_finds_it_chosen(client_for, coordinator_a, site_b, url_name):
    select = _site_select(client_for(coordinator_a).get(reverse(url_name)))

    options = select.select("option")
    assert [(o["value"], o.has_attr("selected")) for o in options] == [("reims", True)]


@pytest.mark.parametrize("url_name", ["plans:create", "labels:application_create"])
def test_a_coordinator_of_two_sites_still_chooses(client_for, coordinator_a, site_b, url_name):
    CoordinatorAssignmentFactory(user=coordinator_a, site=site_b)

    select = _site_select(client_for(coordinator_a).get(reverse(url_name)))

    values = [o["value"] for o in select.select("option")]
    assert values[0] == "" and set(values[1:]) == {"reims", "troyes"}
    assert [o["value"] for o in select.select("option[selected]")] in ([], [""])


def test_the_assignment_form_opened_from_a_person_has_that_person_chosen(
    client_for, regional_coordinator, coordinator_b, site_a
):
    url = reverse("sites:coordinator_add", kwargs={"slug": site_a.slug})

    opened_from_person = soup(client_for(regional_coordinator).get(url, {"user": coordinator_b.pk}))
    chosen = opened_from_person.select_one("select[name=user] option[selected]")
    plain = soup(client_for(regional_coordinator).get(url)).select_one("select[name=user] option[selected]")

    assert chosen["value"] == str(coordinator_b.pk)
    assert plain is None or plain["value"] == ""


def test_optional_rows_are_not_starred_and_no_label_has_two_stars(client_for, regional_coordinator, site_a):
    html = soup(client_for(regional_coordinator).get(reverse("labels:visit_create")))

    # The follow-up rows may be left blank: none of their fields is starred.
    follow_up_fields = [f for f in html.select("form .field") if f.select_one("[name^=suites-]")]
    assert follow_up_fields
    assert not [f for f in follow_up_fields if "field-required" in f["class"] or f.select(".required")]
    # The visit's own required fields are starred, once: by the style sheet or by a mark, never both.
    starred = html.select(".field-required")
    assert starred
    assert not [f for f in starred if f.select_one(":scope > label .required")]
