"""Coordination visits to the sites (visites sur site) and their follow-up actions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spro.models import TimeStampedModel

from ..enums import VisitPurpose
from .core import Site


class CoordinationVisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Visits of the sites whose data the user reads."""
        return self.filter(site__in=Site.objects.data_visible_to(user))


class CoordinationVisit(TimeStampedModel):
    """A visit of the regional coordination to a site (not stats.Visit, a visitor's passage)."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="coordination_visits", verbose_name=_("site")
    )
    visited_on = models.DateField(_("date"))
    purpose = models.CharField(_("objet"), max_length=25, choices=VisitPurpose.choices)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("chargé·e de mission"),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CoordinationVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visite sur site")
        verbose_name_plural = _("visites sur site")
        ordering = ["-visited_on"]

    def __str__(self):
        return f"{self.site} — {self.visited_on:%d/%m/%Y}"


class CoordinationVisitFollowUp(models.Model):
    """An action agreed during a coordination visit, with who does it and by when."""

    visit = models.ForeignKey(CoordinationVisit, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(_("suite à donner"), max_length=300)
    owner = models.CharField(_("qui"), max_length=150, blank=True)
    due_on = models.DateField(_("pour le"), null=True, blank=True)
    done_on = models.DateField(_("fait le"), null=True, blank=True)

    class Meta:
        verbose_name = _("suite de visite")
        verbose_name_plural = _("suites de visite")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.action
