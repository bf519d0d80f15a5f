"""Admin of the versioned self-evaluation grid: the regional coordination edits grids, their
themes and their items here. Django's admin does not nest inlines, so a grid lists its themes
inline and each theme (reached by its change link) lists its items inline."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models.evaluation import EvaluationGrid, EvaluationItem, EvaluationTheme


class EvaluationThemeInline(admin.TabularInline):
    model = EvaluationTheme
    extra = 0
    fields = ["order", "title", "item_count"]
    readonly_fields = ["item_count"]
    show_change_link = True

    @admin.display(description=_("critères"))
    def item_count(self, theme):
        return theme.items.count() if theme.pk else 0


class EvaluationItemInline(admin.TabularInline):
    model = EvaluationItem
    extra = 1
    fields = ["order", "text"]


@admin.register(EvaluationGrid)
class EvaluationGridAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "published_on", "is_current"]
    list_filter = ["is_current"]
    inlines = [EvaluationThemeInline]


@admin.register(EvaluationTheme)
class EvaluationThemeAdmin(admin.ModelAdmin):
    list_display = ["title", "grid", "order"]
    list_filter = ["grid"]
    list_select_related = ["grid"]
    inlines = [EvaluationItemInline]
