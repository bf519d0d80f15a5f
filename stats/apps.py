from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistiques")

    def ready(self):
        # The access rules, registered by name once at start-up (rules' default rule set).
        import stats.rules  # noqa: F401
