"""Django permissions derived from dated roles, for the admin (reference lists) only.

Pages and the API check roles through scoped querysets; the admin asks `user.has_perm`. Rather
than keeping groups in sync with role assignments by hand, current regional coordinators get:
- full rights on reference lists (codes, labels, order, validity dates);
- the right to create and revoke partner API tokens;
- the right to lift a login lockout (deleting django-axes's attempts) and to read its logs;
- read access to the other models of the platform's apps.
"""

from django.apps import apps

from spro.models import ReferenceItem

PLATFORM_APPS = {"network", "sites", "events", "stats", "axes"}
WRITABLE_MODELS = {("network", "apitoken"), ("axes", "accessattempt")}


def _is_coordination(user) -> bool:
    return bool(user.is_active and user.roles.is_regional_coordinator)


class RoleBackend:
    def authenticate(self, request, **credentials):
        return None  # Permissions only: logging in stays with ModelBackend.

    def has_module_perms(self, user, app_label):
        return _is_coordination(user) and app_label in PLATFORM_APPS

    def has_perm(self, user, perm, obj=None):
        if not _is_coordination(user) or "." not in perm:
            return False
        app_label, codename = perm.split(".", 1)
        if app_label not in PLATFORM_APPS or "_" not in codename:
            return False
        action, model_name = codename.split("_", 1)
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return False
        if action == "view":
            return True
        return issubclass(model, ReferenceItem) or (app_label, model_name) in WRITABLE_MODELS
