"""The statistics' reference lists in the admin, and the periods read only.

Raw visits, aggregate counts and satisfaction responses are not in the admin: every write to them
goes through stats.services, which keeps the roll-ups and the periods' history right.
"""

from django.contrib import admin

from sites.admin import ReferenceItemAdmin

from .models import (
    AgeBand,
    Channel,
    ContactKind,
    EducationLevel,
    Period,
    PeriodEvent,
    ReferralTarget,
    SatisfactionQuestion,
    Sex,
    Situation,
)

for model in (
    ContactKind,
    Sex,
    AgeBand,
    Situation,
    EducationLevel,
    Channel,
    ReferralTarget,
    SatisfactionQuestion,
):
    admin.site.register(model, ReferenceItemAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: periods move through their workflow, history is kept forever."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PeriodEventInline(admin.TabularInline):
    model = PeriodEvent
    fields = ["created_at", "action", "from_status", "to_status", "reason", "author"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = [
        "site",
        "month",
        "mode",
        "status",
        "submitted_at",
        "validated_at",
        "locked_at",
        "last_reminder_on",
    ]
    list_filter = ["status", "mode", "site"]
    list_select_related = ["site"]
    search_fields = ["site__name", "site__slug"]
    date_hierarchy = "month"
    inlines = [PeriodEventInline]


@admin.register(PeriodEvent)
class PeriodEventAdmin(ReadOnlyAdmin):
    list_display = ["period", "action", "from_status", "to_status", "author", "created_at"]
    list_filter = ["action", "to_status"]
    list_select_related = ["period__site", "author"]
    search_fields = ["period__site__name", "reason"]
    date_hierarchy = "created_at"
