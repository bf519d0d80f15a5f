"""The regional strategy: priorities → challenges (défis) → actions (fiches-actions), with
configurable indicators and their yearly values."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import TimeStampedModel

from ..enums import Periodicity, ReviewKind
from .core import Organisation


class NetworkReadQuerySet(models.QuerySet):
    """Network-wide records (the strategy, the professionalisation sessions): read by the network's
    members, written by the regional coordination only."""

    def visible_to(self, user):
        """Everything for the coordination, observers, site coordinators and partners; nothing otherwise."""
        roles = user.roles
        if roles.reads_whole_network or roles.is_site_coordinator or roles.is_partner:
            return self
        return self.none()

    def editable_by(self, user):
        """Everything for the regional coordination; nothing otherwise."""
        return self if user.roles.is_regional_coordinator else self.none()


class Strategy(TimeStampedModel):
    """A regional roadmap over several years (e.g. the orientation part of a CPRDFOP)."""

    title = models.CharField(_("intitulé"), max_length=250)
    start_year = models.PositiveSmallIntegerField(_("première année"))
    end_year = models.PositiveSmallIntegerField(_("dernière année"))
    summary = models.TextField(_("présentation"), blank=True)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("stratégie régionale")
        verbose_name_plural = _("stratégies régionales")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="strategy_years_ordered"
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.start_year}-{self.end_year})"


class Priority(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="priorities")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=250)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("priorité")
        verbose_name_plural = _("priorités")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["strategy", "code"], name="priority_code_unique")]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Challenge(models.Model):
    """A défi of a priority; site actions are linked to these regional axes."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="challenges")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=250)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("défi")
        verbose_name_plural = _("défis")
        ordering = ["priority__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["priority", "code"], name="challenge_code_unique")]

    def __str__(self):
        return f"{self.code} — {self.title}"


class StrategicAction(TimeStampedModel):
    """A fiche-action of the regional strategy."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    pilot = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="piloted_actions",
        verbose_name=_("pilote"),
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_actions", verbose_name=_("partenaires")
    )
    follow_up_method = models.TextField(_("modalités de suivi"), blank=True)

    history = HistoricalRecords()

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche-action")
        verbose_name_plural = _("fiches-actions")
        ordering = ["challenge__priority__order", "challenge__order", "code"]

    def __str__(self):
        return f"{self.code} — {self.title}"


class Milestone(models.Model):
    """A step of an action's échéancier."""

    action = models.ForeignKey(StrategicAction, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField(_("étape"), max_length=250)
    due_on = models.DateField(_("échéance"))
    done_on = models.DateField(_("réalisée le"), null=True, blank=True)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("échéancier")
        ordering = ["due_on"]

    def __str__(self):
        return self.label


class Indicator(TimeStampedModel):
    """A result indicator, configured in the interface: the Région keeps adding them."""

    action = models.ForeignKey(
        StrategicAction, on_delete=models.CASCADE, related_name="indicators", null=True, blank=True
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("intitulé"), max_length=250)
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    periodicity = models.CharField(
        _("périodicité"), max_length=15, choices=Periodicity.choices, default=Periodicity.YEARLY
    )
    target = models.DecimalField(_("cible"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["code"]

    def __str__(self):
        return self.label


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    comment = models.CharField(_("commentaire"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateur")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicator_value_once_a_year")
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} : {self.value}"


class StrategyReview(TimeStampedModel):
    """A yearly progress report, the mid-term review or the final review of a strategy."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("nature"), max_length=15, choices=ReviewKind.choices)
    year = models.PositiveSmallIntegerField(_("année"))
    text = models.TextField(_("texte"))

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan de la stratégie")
        verbose_name_plural = _("bilans de la stratégie")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "kind", "year"], name="strategy_review_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year}"
