"""Pages of the network: organisations, people and their roles (the home page is in sites/home.py)."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from spro.web.access import rule_required
from spro.web.forms import attach_service_errors
from spro.web.history import history_entries

from . import services
from .filters import OrganisationFilter, PersonFilter
from .forms import OrganisationForm, PersonForm, RoleAssignmentForm, RoleEndForm
from .models import Organisation, RoleAssignment, User

PAGE_SIZE = 25
HISTORY_LENGTH = 20


COORDINATION_ONLY = gettext_lazy("Cette page est réservée à la coordination régionale.")


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# The sites app sits above this one: its models are reached through the reverse relation
# User.site_assignments, never imported.


def _site_assignment_model():
    return User._meta.get_field("site_assignments").related_model


def _site_model():
    return _site_assignment_model()._meta.get_field("site").related_model


# Organisations


def organisation_list(request):
    # Explicit order: with a GROUP BY (the site count) Django no longer applies Meta.ordering.
    organisations = (
        Organisation.objects.select_related("kind", "departement")
        .annotate(site_count=Count("hosted_sites"))
        .order_by("name", "pk")
    )
    filterset = OrganisationFilter(request.GET, queryset=organisations)
    return render(
        request,
        "network/organisation_list.html",
        {
            "nav": "organisations",
            "filterset": filterset,
            "page_obj": _page(request, filterset.qs),
            "is_filtered": any(request.GET.get(name) for name in filterset.form.fields),
        },
    )


def organisation_detail(request, pk):
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("kind", "departement"), pk=pk
    )
    is_coordination = rules.test_rule("network.manage_people", request.user)
    context = {
        "nav": "organisations",
        "organisation": organisation,
        "is_spro_member_today": Organisation.objects.spro_members().filter(pk=pk).exists(),
        "hosted_sites": organisation.hosted_sites.visible_to(request.user).select_related("kind"),
        "can_edit": rules.test_rule("network.manage_organisations", request.user),
    }
    if is_coordination:
        context["members"] = organisation.members.order_by("last_name", "first_name")
        # One record more than shown, so that the oldest shown one is diffed against its predecessor.
        context["history"] = history_entries(
            organisation.history.select_related("history_user")[: HISTORY_LENGTH + 1],
            excluded_fields=["updated_at"],
            limit=HISTORY_LENGTH,
        )
    return render(request, "network/organisation_detail.html", context)


@rule_required("network.manage_organisations", COORDINATION_ONLY)
def organisation_create(request):
    return _organisation_form(request, Organisation())


@rule_required("network.manage_organisations", COORDINATION_ONLY)
def organisation_edit(request, pk):
    return _organisation_form(
        request, get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    )


def _organisation_form(request, organisation):
    creating = organisation.pk is None
    # Kept before binding: a rejected form leaves the typed values on the instance.
    saved_name = organisation.name
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_save(organisation=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            if creating:
                messages.success(
                    request, _("L'organisation « %(name)s » a été créée.") % {"name": organisation}
                )
            else:
                messages.success(
                    request, _("L'organisation « %(name)s » a été modifiée.") % {"name": organisation}
                )
            return redirect("network:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "network/organisation_form.html",
        {
            "nav": "organisations",
            "form": form,
            "organisation": organisation,
            "saved_name": saved_name,
            "creating": creating,
        },
    )


# People and roles


@rule_required("network.manage_people", COORDINATION_ONLY)
def person_list(request):
    people = (
        User.objects.select_related("organisation")
        .order_by("last_name", "first_name", "pk")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.current().select_related("organisation"),
                to_attr="current_roles",
            ),
            Prefetch(
                "site_assignments",
                queryset=_site_assignment_model().objects.current().select_related("site"),
                to_attr="current_sites",
            ),
        )
    )
    filterset = PersonFilter(request.GET, queryset=people)
    return render(
        request,
        "network/person_list.html",
        {
            "nav": "people",
            "filterset": filterset,
            "page_obj": _page(request, filterset.qs),
            "is_filtered": any(request.GET.get(name) for name in filterset.form.fields),
        },
    )


@rule_required("network.manage_people", COORDINATION_ONLY)
def person_detail(request, pk):
    person = get_object_or_404(User.objects.visible_to(request.user).select_related("organisation"), pk=pk)
    return render(
        request,
        "network/person_detail.html",
        {
            "nav": "people",
            "person": person,
            "role_assignments": person.role_assignments.select_related("organisation", "created_by"),
            "site_assignments": person.site_assignments.select_related("site"),
            # For the "assign to a site" links: the assignment itself is made on the site's page.
            "sites": _site_model().objects.only("name", "slug").order_by("name"),
            "today": timezone.localdate(),
        },
    )


@rule_required("network.manage_people", COORDINATION_ONLY)
def person_create(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.save(commit=False)
        # No password and no e-mail: the person chooses a password through "mot de passe oublié".
        person.set_unusable_password()
        person.save()
        messages.success(
            request,
            _(
                "%(name)s a été ajouté·e. Pour se connecter, cette personne choisit son mot de passe avec "
                "le lien « Mot de passe oublié ? » de la page de connexion."
            )
            % {"name": person},
        )
        return redirect("network:person_detail", pk=person.pk)
    return render(request, "network/person_form.html", {"nav": "people", "form": form})


@rule_required("network.manage_people", COORDINATION_ONLY)
def role_add(request, pk):
    person = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    form = RoleAssignmentForm(request.POST or None, initial={"organisation": person.organisation_id})
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.role_assign(user=person, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Rôle « %(role)s » attribué à %(name)s.")
                % {"role": assignment.get_role_display(), "name": person},
            )
            return redirect("network:person_detail", pk=person.pk)
    return render(request, "network/role_form.html", {"nav": "people", "form": form, "person": person})


@rule_required("network.manage_people", COORDINATION_ONLY)
@require_http_methods(["GET", "POST"])
def role_end(request, pk):
    assignment = get_object_or_404(
        RoleAssignment.objects.editable_by(request.user).select_related("user", "organisation"), pk=pk
    )
    if assignment.end_date and assignment.end_date < timezone.localdate():
        messages.info(request, _("Ce rôle est déjà terminé."))
        return redirect("network:person_detail", pk=assignment.user_id)
    form = RoleEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_end(
                assignment=assignment, end_date=form.cleaned_data["end_date"], author=request.user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Le rôle « %(role)s » de %(name)s prend fin le %(date)s.")
                % {
                    "role": assignment.get_role_display(),
                    "name": assignment.user,
                    "date": _french_date(assignment.end_date),
                },
            )
            return redirect("network:person_detail", pk=assignment.user_id)
    return render(
        request,
        "network/role_end_confirm.html",
        {"nav": "people", "form": form, "assignment": assignment, "person": assignment.user},
    )


def _french_date(day) -> str:
    return date_format(day, "j F Y")
