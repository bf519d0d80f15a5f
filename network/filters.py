"""Filters of the network list pages (django-filter)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .enums import Role
from .models import Organisation, OrganisationKind, RoleAssignment, Territory, User

YES, NO = "oui", "non"
YES_NO = [(YES, _("Oui")), (NO, _("Non"))]


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="filter_search")
    kind = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=OrganisationKind.objects.all(), empty_label=_("Tous les types")
    )
    departement = django_filters.ModelChoiceFilter(
        label=_("Département"),
        queryset=Territory.objects.of_kind("departement").order_by("code"),
        empty_label=_("Tous les départements"),
    )
    spro_member = django_filters.ChoiceFilter(
        label=_("Membre du SPRO aujourd'hui"),
        choices=YES_NO,
        empty_label=_("Indifférent"),
        method="filter_spro",
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "departement", "spro_member"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].help_text = _("Nom, sigle ou commune.")

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_spro(self, queryset, name, value):
        # Membership is dated: the flag alone is not enough, the recognition must be in force today.
        members = Organisation.objects.spro_members().values("pk")
        if value == YES:
            return queryset.filter(pk__in=members)
        return queryset.exclude(pk__in=members)


SITE_COORDINATOR = "site_coordinator"
NO_ROLE = "none"


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="filter_search")
    role = django_filters.ChoiceFilter(
        label=_("Rôle en cours"),
        choices=[
            *Role.choices,
            (SITE_COORDINATOR, _("Coordination de site")),
            (NO_ROLE, _("Aucun rôle")),
        ],
        empty_label=_("Tous"),
        method="filter_role",
    )

    class Meta:
        model = User
        fields = ["q", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].help_text = _("Nom, identifiant, courriel ou organisation.")

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(organisation__name__icontains=value)
        )

    def filter_role(self, queryset, name, value):
        # EXISTS subqueries rather than joins: a person with two rows must still appear once.
        current_roles = RoleAssignment.objects.current().filter(user=OuterRef("pk"))
        # Site assignments belong to the sites app, above this one: reached through the reverse relation.
        site_assignments = self.Meta.model._meta.get_field("site_assignments").related_model
        current_sites = site_assignments.objects.current().filter(user=OuterRef("pk"))
        if value == SITE_COORDINATOR:
            return queryset.filter(Exists(current_sites))
        if value == NO_ROLE:
            return queryset.exclude(Exists(current_roles)).exclude(Exists(current_sites))
        return queryset.filter(Exists(current_roles.filter(role=value)))
