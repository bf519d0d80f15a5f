"""The self-evaluation grid (versioned) and each site's yearly assessment."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spro.models import TimeStampedModel

from ..enums import AssessmentStatus, Judgement
from .core import Site, SiteKind

MAX_EVIDENCE_LINES = 5


class EvaluationGridQuerySet(models.QuerySet):
    def current_for(self, kind) -> "EvaluationGrid | None":
        """The grid a new self-evaluation of a site of this kind takes: the latest grid in force
        for the kind; failing that, the latest grid in force for no kind in particular (a common
        grid). Never another kind's grid: an Espace métiers is not assessed on the Cités des
        métiers grid."""
        current = self.filter(is_current=True).order_by("-published_on", "-pk")
        return current.filter(site_kinds=kind).first() or current.filter(site_kinds=None).first()


class EvaluationGrid(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    version = models.CharField(_("version"), max_length=20)
    published_on = models.DateField(_("publiée le"))
    is_current = models.BooleanField(_("grille en vigueur"), default=False)
    site_kinds = models.ManyToManyField(
        SiteKind,
        related_name="evaluation_grids",
        blank=True,
        verbose_name=_("types de site"),
        help_text=_(
            "Les types de site évalués sur cette grille. Sans type, la grille sert aux types qui "
            "n'ont pas de grille en vigueur à eux."
        ),
    )

    objects = EvaluationGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grille d'auto-évaluation")
        verbose_name_plural = _("grilles d'auto-évaluation")
        ordering = ["-published_on"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="grid_version_unique")]

    def __str__(self):
        return f"{self.name} (v{self.version})"


class EvaluationTheme(models.Model):
    grid = models.ForeignKey(EvaluationGrid, on_delete=models.CASCADE, related_name="themes")
    order = models.PositiveSmallIntegerField(_("ordre"))
    title = models.CharField(_("thème"), max_length=250)

    class Meta:
        verbose_name = _("thème de la grille")
        verbose_name_plural = _("thèmes de la grille")
        ordering = ["order"]

    def __str__(self):
        return self.title


class EvaluationItem(models.Model):
    theme = models.ForeignKey(EvaluationTheme, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("ordre"))
    text = models.CharField(_("critère"), max_length=400)

    class Meta:
        verbose_name = _("critère de la grille")
        verbose_name_plural = _("critères de la grille")
        ordering = ["theme__order", "order"]

    def __str__(self):
        return self.text


class SelfAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Self-assessments of the sites whose data the user reads."""
        return self.filter(site__in=Site.objects.data_visible_to(user))


class SelfAssessment(TimeStampedModel):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="self_assessments")
    year = models.PositiveSmallIntegerField(_("année"))
    grid = models.ForeignKey(EvaluationGrid, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("état"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = SelfAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("auto-évaluation")
        verbose_name_plural = _("auto-évaluations")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="one_assessment_per_site_and_year")
        ]

    def __str__(self):
        return f"{self.site} — {self.year}"


class AssessmentAnswer(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="answers")
    judgement = models.CharField(_("appréciation"), max_length=8, choices=Judgement.choices)
    evidence = models.TextField(_("éléments de preuve"), blank=True, help_text=_("Cinq lignes au plus."))

    class Meta:
        verbose_name = _("réponse d'auto-évaluation")
        verbose_name_plural = _("réponses d'auto-évaluation")
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="one_answer_per_item")]

    def __str__(self):
        return f"{self.item} : {self.get_judgement_display()}"
