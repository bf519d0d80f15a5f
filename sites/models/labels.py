"""Label applications and their instruction, avis and decision."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import TimeStampedModel

from ..enums import ApplicationStatus, DocumentKind, RegionDecision
from .core import Site


class LabelApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications of the sites whose data the user reads."""
        return self.filter(site__in=Site.objects.data_visible_to(user))


class LabelApplication(TimeStampedModel):
    """A site's application for the label (or its renewal): file → instruction → avis → décision."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="label_applications", verbose_name=_("site")
    )
    is_renewal = models.BooleanField(_("renouvellement"), default=False)
    status = models.CharField(
        _("état"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    submitted_on = models.DateField(_("déposée le"), null=True, blank=True)
    instruction_notes = models.TextField(_("avis technique de la coordination"), blank=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instruite par"),
    )
    instructed_on = models.DateField(_("instruction terminée le"), null=True, blank=True)
    opinion = models.ForeignKey(
        "network.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("avis de la commission régionale"),
    )
    region_decision = models.CharField(
        _("décision de la Région"), max_length=10, choices=RegionDecision.choices, blank=True
    )
    region_decision_on = models.DateField(_("décision du"), null=True, blank=True)
    label_start_on = models.DateField(_("label à compter du"), null=True, blank=True)
    label_renewal_due_on = models.DateField(_("renouvellement le"), null=True, blank=True)

    objects = LabelApplicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("candidature au label")
        verbose_name_plural = _("candidatures au label")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{_('Candidature')} {self.site} ({self.created_at:%Y})" if self.created_at else str(self.site)


def application_document_path(instance, filename):
    return f"candidatures/{instance.application.site.slug}/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(LabelApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("pièce"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("fichier"), upload_to=application_document_path)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pièce du dossier")
        verbose_name_plural = _("pièces du dossier")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.file.name}"
