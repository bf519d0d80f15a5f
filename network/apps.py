from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Réseau")

    def ready(self):
        from django.contrib.auth.models import AnonymousUser

        from .roles import NO_ROLES

        # Every request's user has roles, the anonymous one too (none at all): code asks
        # `user.roles` without first checking who is asking. Signed-in people get theirs from
        # User.roles, resolved once per request.
        AnonymousUser.roles = NO_ROLES
