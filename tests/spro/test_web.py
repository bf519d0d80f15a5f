"""The shared web helpers of spro.web: breadcrumb tag, service errors on forms, history diffs."""

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import engines

from spro.web.forms import attach_service_errors
from spro.web.history import history_entries
from tests.factories import OrganisationFactory


def crumbs(source: str, **context) -> list[tuple]:
    html = engines["django"].from_string("{% load i18n breadcrumb %}" + source).render(context)
    nav = BeautifulSoup(html, "html.parser").find("nav", class_="breadcrumb")
    assert nav["aria-label"] == "Fil d'Ariane"
    return [
        (
            li.get_text(strip=True),
            li.a["href"] if li.a else None,
            li.get("aria-current") or (li.a.get("aria-current") if li.a else None),
        )
        for li in nav.ol.find_all("li")
    ]


def test_breadcrumb_starts_at_home_and_marks_the_last_crumb():
    assert crumbs(
        """{% breadcrumb %}
        {% crumb "network:person_list" %}{% translate "Personnes et rôles" %}{% endcrumb %}
        {% if show %}{% crumb url query_year=2025 %}<b>{{ name }}</b>{% endcrumb %}{% endif %}
        {% crumb %}Modifier{% endcrumb %}
        {% endbreadcrumb %}""",
        show=True,
        url="/x/",
        name="A & B",
    ) == [
        ("Accueil", "/", None),
        ("Personnes et rôles", "/reseau/personnes/", None),
        ("A & B", "/x/?year=2025", None),
        ("Modifier", None, "page"),
    ]


def test_breadcrumb_without_home_and_current_page_as_a_link():
    assert crumbs(
        '{% breadcrumb home=False %}{% crumb "network:person_list" query=q %}Personnes{% endcrumb %}'
        "{% endbreadcrumb %}",
        q="page=2",
    ) == [("Personnes", "/reseau/personnes/?page=2", "page")]


class ExampleForm(forms.Form):
    name = forms.CharField(required=False)


@pytest.mark.parametrize(
    ("error", "field_errors", "top_errors"),
    [
        (ValidationError({"name": "Pris.", "other": "Ailleurs."}), ["Pris."], ["Ailleurs."]),
        (ValidationError("Refusé."), [], ["Refusé."]),
        (PermissionDenied(), [], ["Vous ne pouvez pas faire cette action."]),
    ],
)
def test_attach_service_errors(error, field_errors, top_errors):
    form = ExampleForm(data={})
    assert form.is_valid()
    attach_service_errors(form, error)
    assert form.errors.get("name", []) == field_errors
    assert form.non_field_errors() == top_errors


@pytest.mark.django_db
def test_history_entries_name_the_changed_fields_newest_first():
    organisation = OrganisationFactory(name="Avant")
    organisation.name = "Après"
    organisation.save()
    entries = history_entries(organisation.history.all(), excluded_fields=["updated_at"])
    assert [entry["record"].name for entry in entries] == ["Après", "Avant"]
    assert entries[0]["changes"] == [str(organisation._meta.get_field("name").verbose_name)]
    assert entries[1]["changes"] == []
    assert len(history_entries(organisation.history.all(), limit=1)) == 1
