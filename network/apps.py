from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Réseau")

    def ready(self):
        # The access rules, registered by name once at start-up (rules' default rule set).
        from django.contrib.auth.models import AnonymousUser

        import network.governance.rules  # noqa: F401
        import network.rules  # noqa: F401
        import network.sessions.rules  # noqa: F401
        import network.strategy.rules  # noqa: F401

        from .roles import NO_ROLES

        # Every request's user has roles, the anonymous one too (none at all): code asks
        # `user.roles` without first checking who is asking. Signed-in people get theirs from
        # User.roles, resolved once per request.
        AnonymousUser.roles = NO_ROLES
