from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class SproAdminSite(admin.AdminSite):
    site_header = _("Administration du SPRO hub")
    site_title = _("SPRO hub")
    index_title = _("Listes de référence et administration")

    def has_permission(self, request):
        """Staff, and the regional coordination (who edit the reference lists)."""
        user = request.user
        return user.is_active and (user.is_staff or user.roles.is_regional_coordinator)


class SproAdminConfig(AdminConfig):
    default_site = "spro.admin.SproAdminSite"


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose history page answers 404 to an id that is not one
    (`/admin/sites/site/a/b/history/`): the library hands it to the database as is, a server error."""

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404 from error
        return super().history_view(request, object_id, extra_context)
