from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from spro.admin import HistoryAdmin

from .models import CoordinatorAssignment, LabelStatusChange, ServiceLevel, Site, SiteKind, Theme
from .services import site_save


class ReferenceItemAdmin(admin.ModelAdmin):
    """Reference lists edited by the regional coordination: reorder them from the list itself."""

    list_display = ["code", "label", "order", "valid_from", "valid_until"]
    list_display_links = ["code", "label"]
    list_editable = ["order"]
    search_fields = ["code", "label"]
    ordering = ["order", "label"]


admin.site.register(SiteKind, ReferenceItemAdmin)
admin.site.register(Theme, ReferenceItemAdmin)
admin.site.register(ServiceLevel, ReferenceItemAdmin)


class SiteAdminForm(forms.ModelForm):
    """Base of the admin's site form (the admin adds the model and fields)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "parent" in self.fields:
            self.fields["parent"].queryset = Site.objects.exclude(pk=self.instance.pk)


class LabelStatusChangeInline(admin.TabularInline):
    model = LabelStatusChange
    fields = ["effective_on", "previous_status", "status", "comment", "author", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(HistoryAdmin):
    form = SiteAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "commune", "departement", "host", "label_status", "label_renewal_due_on"]
    list_filter = ["label_status", "kind", "departement"]
    list_select_related = ["kind", "departement", "host"]
    search_fields = ["name", "slug", "commune", "postcode", "host__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["territories", "themes", "service_levels"]
    raw_id_fields = ["host", "parent"]
    # The label moves only through its life cycle (sites.services.site_change_label_status), so that
    # every step is recorded: the admin shows it but does not edit it.
    readonly_fields = ["label_status", "label_status_since", "labelled_on", "label_renewal_due_on"]
    inlines = [LabelStatusChangeInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "host", "parent", "departement", "territories"]}),
        (
            _("Informations pratiques"),
            {
                "fields": [
                    "address",
                    "postcode",
                    "commune",
                    "latitude",
                    "longitude",
                    "opening_hours",
                    "phone",
                    "email",
                    "website",
                    "public_description",
                    "accessibility",
                    "themes",
                    "service_levels",
                ]
            },
        ),
        (
            _("Label"),
            {"fields": ["label_status", "label_status_since", "labelled_on", "label_renewal_due_on"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        # Through the service, so that a creation also records the first step of the label.
        # The many-to-many fields are saved afterwards by the admin (save_related).
        site_save(site=obj, author=request.user)


@admin.register(LabelStatusChange)
class LabelStatusChangeAdmin(admin.ModelAdmin):
    """Steps of the label life cycle are kept forever: read only."""

    list_display = ["site", "effective_on", "previous_status", "status", "author", "created_at"]
    list_filter = ["status", "previous_status"]
    list_select_related = ["site", "author"]
    search_fields = ["site__name", "comment"]
    date_hierarchy = "effective_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CoordinatorAssignment)
class CoordinatorAssignmentAdmin(HistoryAdmin):
    list_display = ["user", "site", "position", "start_date", "end_date"]
    list_filter = ["position", "site"]
    list_select_related = ["user", "site"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "site__name"]
    autocomplete_fields = ["site"]
    raw_id_fields = ["user"]
    date_hierarchy = "start_date"


from sites.labels import admin as labels_admin  # noqa: E402, F401
