from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Platform-wide roles. Site coordinators are assigned per site (sites.CoordinatorAssignment)."""

    REGIONAL_COORDINATOR = "regional_coordinator", _("Coordination régionale")
    PARTNER_MEMBER = "partner_member", _("Membre partenaire")
    OBSERVER = "observer", _("Observateur (lecture seule)")


class ApiScope(models.TextChoices):
    NETWORK_READ = "network:read", _("Lecture du réseau (organisations, territoires)")
    SITES_READ = "sites:read", _("Lecture des sites labellisés")
    STATS_READ = "stats:read", _("Lecture des statistiques agrégées")
