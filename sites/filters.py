"""Filters of the public site directory."""

import django_filters
import rules
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from network.models import Territory

from .enums import LabelStatus
from .models import Site, SiteKind


class SiteFilter(django_filters.FilterSet):
    """Search box, kind, département and (for the whole-network readers only) label status.

    Choices are matched on codes, not ids, so that links such as `?departement=51` stay readable.
    """

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Rechercher"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom, commune, code postal…")}),
    )
    kind = django_filters.ModelChoiceFilter(
        queryset=SiteKind.objects.all(),
        to_field_name="code",
        label=_("Type de site"),
        empty_label=_("Tous les types"),
    )
    departement = django_filters.ModelChoiceFilter(
        queryset=Territory.objects.of_kind("departement").order_by("code", "name"),
        to_field_name="code",
        label=_("Département"),
        empty_label=_("Tous les départements"),
    )
    label_status = django_filters.ChoiceFilter(
        choices=LabelStatus.choices,
        label=_("Statut du label"),
        empty_label=_("Tous les statuts"),
    )

    class Meta:
        model = Site
        fields = ["q", "kind", "departement", "label_status"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user if request is not None else AnonymousUser()
        # The public only ever sees labelled or suspended sites: a status filter would be
        # meaningless for them and would hint at sites they cannot see.
        if not rules.test_rule("sites.read_all_sites", user):
            del self.filters["label_status"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
