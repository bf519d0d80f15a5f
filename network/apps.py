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

        # A token changed anywhere (admin included) is read again from the database.
        from django.db.models.signals import post_delete, post_save

        from .models import ApiToken

        for signal in (post_save, post_delete):
            signal.connect(_forget_token, sender=ApiToken, dispatch_uid=f"api-token-forget-{signal}")

        # The home page's cards: governance's work to do (registered with sites/home_cards.py by
        # the governance package, which sits above the sites core).
        from network.governance.home_cards import register

        register()


def _forget_token(sender, instance, **kwargs):
    instance.forget()
