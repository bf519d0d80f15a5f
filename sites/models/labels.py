"""Label applications and their instruction, avis and decision; the pieces a file needs, a
reference list per site kind."""

import datetime
import os

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import ReferenceItem, ReferenceQuerySet, TimeStampedModel

from ..enums import ApplicationStatus, RegionDecision
from .core import Site, SiteKind


class RequiredPieceQuerySet(ReferenceQuerySet):
    def for_kind(self, kind, day: datetime.date | None = None):
        """The pieces asked of a site of this kind, valid on the day (today by default). A piece
        applies to the kinds it names only: one without a kind is asked of nobody."""
        return self.active_on(day).filter(site_kinds=kind).distinct()


class RequiredPiece(ReferenceItem):
    """A piece of the label application file (charte, cahier des charges, plan de financement…),
    asked of the site kinds it names; the coordination edits the list in the admin."""

    site_kinds = models.ManyToManyField(
        SiteKind, related_name="application_pieces", blank=True, verbose_name=_("types de site")
    )
    required = models.BooleanField(
        _("obligatoire"),
        default=True,
        help_text=_("Une candidature ne peut pas être déposée tant qu'une pièce obligatoire manque."),
    )
    help_text = models.CharField(_("précisions"), max_length=300, blank=True)

    objects = RequiredPieceQuerySet.as_manager()

    class Meta(ReferenceItem.Meta):
        verbose_name = _("pièce du dossier de candidature")
        verbose_name_plural = _("pièces du dossier de candidature")


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

    def pieces_day(self) -> datetime.date:
        """The day whose list of pieces the file follows: its filing day, or today while in draft."""
        return self.submitted_on or timezone.localdate()

    def expected_pieces(self):
        """The pieces asked of this site's kind (required first, then in the list's order)."""
        return RequiredPiece.objects.for_kind(self.site.kind_id, self.pieces_day()).order_by(
            "-required", "order", "label"
        )

    def checklist(self) -> list[tuple[RequiredPiece, list]]:
        """Each expected piece with the documents given for it (newest first)."""
        documents = list(self.documents.select_related("piece", "uploaded_by")) if self.pk else []
        return [
            (piece, [document for document in documents if document.piece_id == piece.pk])
            for piece in self.expected_pieces()
        ]

    def missing_pieces(self) -> list[RequiredPiece]:
        """The required pieces of which no document has been given yet."""
        given = (
            set(self.documents.exclude(piece=None).values_list("piece_id", flat=True)) if self.pk else set()
        )
        return [piece for piece in self.expected_pieces().filter(required=True) if piece.pk not in given]


def application_document_path(instance, filename):
    return f"candidatures/{instance.application.site.slug}/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(LabelApplication, on_delete=models.CASCADE, related_name="documents")
    piece = models.ForeignKey(
        RequiredPiece,
        on_delete=models.PROTECT,
        null=True,
        related_name="documents",
        verbose_name=_("pièce"),
        help_text=_("La pièce du dossier que ce fichier fournit."),
    )
    title = models.CharField(
        _("titre"), max_length=200, blank=True, help_text=_("Par défaut, le nom du fichier déposé.")
    )
    file = models.FileField(_("fichier"), upload_to=application_document_path)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pièce du dossier")
        verbose_name_plural = _("pièces du dossier")
        ordering = ["piece__order", "-uploaded_at"]

    def __str__(self):
        return f"{self.piece or _('Pièce')} — {self.display_title}"

    @property
    def display_title(self) -> str:
        """What the pages show: the title given on upload, or the file's own name (never its path)."""
        return self.title or os.path.basename(self.file.name)
