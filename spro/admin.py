from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SproAdminSite(admin.AdminSite):
    site_header = _("Administration du SPRO hub")
    site_title = _("SPRO hub")
    index_title = _("Listes de référence et administration")

    def has_permission(self, request):
        """Staff, and the regional coordination (who edit the reference lists)."""
        user = request.user
        roles = getattr(user, "roles", None)
        return user.is_active and (user.is_staff or (roles is not None and roles.is_regional_coordinator))


class SproAdminConfig(AdminConfig):
    default_site = "spro.admin.SproAdminSite"
