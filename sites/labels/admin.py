"""Admin of the label's reference lists. The regional coordination edits here the pieces of an
application file, per site kind, and the versioned self-evaluation grids, their site kinds, themes
and items. Django's admin does not nest inlines, so a grid lists its themes inline and each theme
(reached by its change link) lists its items inline.

Registered from here rather than from sites/admin.py, which may not read the labels' models (the
layers' contract); sites/admin.py imports this module."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..admin import ReferenceItemAdmin
from ..models.evaluation import EvaluationGrid, EvaluationItem, EvaluationTheme
from ..models.labels import RequiredPiece


class CoordinationEditsMixin:
    """The grids are the coordination's to edit, like the reference lists (network/backends.py
    grants those only): current regional coordinators may add, change and delete here."""

    def _coordination(self, request) -> bool:
        return bool(request.user.is_active and request.user.roles.is_regional_coordinator)

    def has_add_permission(self, request, *args):
        return self._coordination(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._coordination(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._coordination(request) or super().has_delete_permission(request, obj)


@admin.register(RequiredPiece)
class RequiredPieceAdmin(ReferenceItemAdmin):
    list_display = ["code", "label", "required", "kinds", "order", "valid_from", "valid_until"]
    list_filter = ["required", "site_kinds"]
    filter_horizontal = ["site_kinds"]
    fields = ["code", "label", "help_text", "required", "site_kinds", "order", "valid_from", "valid_until"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("site_kinds")

    @admin.display(description=_("types de site"))
    def kinds(self, piece):
        return ", ".join(kind.label for kind in piece.site_kinds.all()) or "—"


class EvaluationThemeInline(CoordinationEditsMixin, admin.TabularInline):
    model = EvaluationTheme
    extra = 0
    fields = ["order", "title", "item_count"]
    readonly_fields = ["item_count"]
    show_change_link = True

    @admin.display(description=_("critères"))
    def item_count(self, theme):
        return theme.items.count() if theme.pk else 0


class EvaluationItemInline(CoordinationEditsMixin, admin.TabularInline):
    model = EvaluationItem
    extra = 1
    fields = ["order", "text"]


@admin.register(EvaluationGrid)
class EvaluationGridAdmin(CoordinationEditsMixin, admin.ModelAdmin):
    list_display = ["name", "version", "published_on", "is_current", "kinds"]
    list_filter = ["is_current", "site_kinds"]
    filter_horizontal = ["site_kinds"]
    inlines = [EvaluationThemeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("site_kinds")

    @admin.display(description=_("types de site"))
    def kinds(self, grid):
        return ", ".join(kind.label for kind in grid.site_kinds.all()) or _(
            "tous les types sans grille propre"
        )


@admin.register(EvaluationTheme)
class EvaluationThemeAdmin(CoordinationEditsMixin, admin.ModelAdmin):
    list_display = ["title", "grid", "order"]
    list_filter = ["grid"]
    list_select_related = ["grid"]
    inlines = [EvaluationItemInline]
