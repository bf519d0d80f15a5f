"""Django admin of the network: reference lists, organisations, people, roles and API tokens."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from spro.admin import HistoryAdmin

from . import services
from .enums import ApiScope
from .models import ApiToken, Organisation, OrganisationKind, RoleAssignment, Territory, TerritoryKind, User


class ReferenceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "order", "valid_from", "valid_until"]
    list_editable = ["order"]
    search_fields = ["code", "label"]
    ordering = ["order", "label"]


@admin.register(TerritoryKind)
class TerritoryKindAdmin(ReferenceItemAdmin):
    pass


@admin.register(OrganisationKind)
class OrganisationKindAdmin(ReferenceItemAdmin):
    pass


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["kind", "parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "acronym", "kind", "commune", "departement", "is_spro_member"]
    list_filter = ["kind", "is_spro_member", "departement"]
    list_select_related = ["kind", "departement"]
    search_fields = ["name", "acronym", "commune"]
    autocomplete_fields = ["departement"]
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        # The same write path as the pages, so the history records the author here too.
        services.organisation_save(organisation=obj, author=request.user)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "organisation", "is_active"]
    list_select_related = ["organisation"]
    list_filter = ["is_active", "is_superuser", "organisation__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (_("Organisation"), {"fields": ["organisation", "position", "phone"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Identité et organisation"),
            {"fields": ["first_name", "last_name", "email", "organisation", "position"]},
        ),
    ]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(HistoryAdmin):
    list_display = ["user", "role", "organisation", "start_date", "end_date"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Portées"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiToken
        fields = ["organisation", "name", "scopes", "revoked_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "organisation", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            # The key is generated on save; the add form only asks what the token is for.
            return ["organisation", "name", "scopes"]
        return [
            "organisation",
            "name",
            "scopes",
            "prefix",
            "key_hash",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A key cannot be moved to another organisation: revoke it and create another.
        return [*self.readonly_fields, "organisation"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = services.api_token_create(
            organisation=obj.organisation, name=obj.name, scopes=form.cleaned_data["scopes"]
        )
        # The admin goes on with `obj` (log entry, redirect): make it the saved token.
        obj.pk, obj.prefix, obj.key_hash, obj.scopes, obj.created_at = (
            token.pk,
            token.prefix,
            token.key_hash,
            token.scopes,
            token.created_at,
        )
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code><br>{}",
                _("Clé du jeton :"),
                key,
                _("Copiez-la maintenant pour la transmettre au partenaire : elle ne sera plus affichée."),
            ),
            messages.WARNING,
        )

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset):
        tokens = list(queryset.active())
        for token in tokens:
            services.api_token_revoke(token=token)
        self.message_user(
            request,
            ngettext("%(count)d jeton révoqué.", "%(count)d jetons révoqués.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
