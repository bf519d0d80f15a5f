"""The yearly reports: a run (one click of « Générer les bilans »), the PDF files it stored, and the
narrative each site writes for its report.

A file is one version of one report (kind, site, year): running the reports again stores a new
version, which becomes the current one, and keeps the older ones. Final and provisional reports
each have their current version: a provisional draft never hides the final report of the year.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sites.enums import LabelStatus
from sites.models import Site

from .enums import NarrativeStatus, ReportKind, RunStatus, kind_label


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every run for the regional coordination and observers, none for the others."""
        return self if user.roles.reads_whole_network else self.none()


class ReportRun(models.Model):
    """The building of a year's reports: its progress, what failed and why.

    `outcomes` maps each document of the run ("site:<id>", "region", "governance") to "done" or
    "failed" once it is over; `errors` maps a document to {"label", "message", "attempt", "retrying"}.
    The counters are kept under a row lock by services.report_step_finished, which also decides when
    the regional report starts (every site over, whatever their outcome).
    """

    year = models.PositiveSmallIntegerField(_("année"))
    kinds = models.JSONField(_("types de bilan"), default=list)
    provisional = models.BooleanField(_("provisoire"), default=False)
    site_ids = models.JSONField(_("sites"), default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    status = models.CharField(_("état"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(_("documents à produire"), default=0)
    done = models.PositiveIntegerField(_("documents produits"), default=0)
    failed = models.PositiveIntegerField(_("documents en échec"), default=0)
    outcomes = models.JSONField(_("résultats"), default=dict, blank=True)
    errors = models.JSONField(_("erreurs"), default=dict, blank=True)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("génération de bilans")
        verbose_name_plural = _("générations de bilans")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.year} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def builds_sites(self) -> bool:
        return ReportKind.SITE in self.kinds

    @property
    def sites_total(self) -> int:
        return len(self.site_ids) if self.builds_sites else 0

    @property
    def sites_processed(self) -> int:
        return sum(1 for key in self.outcomes if key.startswith("site:"))

    @property
    def failed_site_ids(self) -> list[int]:
        return [
            int(key[5:])
            for key, value in self.outcomes.items()
            if key.startswith("site:") and value == "failed"
        ]

    @property
    def kind_labels(self) -> list[str]:
        return [kind_label(kind) for kind in self.kinds]

    def step_state(self, key: str) -> str:
        """ "done", "failed", "retrying" or "pending" for one document of the run."""
        if key in self.outcomes:
            return self.outcomes[key]
        if self.errors.get(key, {}).get("retrying"):
            return "retrying"
        return "pending"


def report_upload_to(instance, filename: str) -> str:
    return f"reports/{instance.year}/{instance.kind}/{filename}"


class ReportFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every file for the coordination and observers; their sites' reports for site coordinators;
        for partners (and API tokens), the current final reports of the labelled sites (those of the
        token's binding when it is bound) and the network's reports."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        condition = Q(pk__in=[])
        if roles.coordinated_site_ids:
            condition |= Q(kind=ReportKind.SITE, site_id__in=roles.coordinated_site_ids)
        if roles.is_partner:
            published = Q(kind=ReportKind.SITE, site__label_status=LabelStatus.LABELLED)
            bound = getattr(user, "bound_site_ids", None)
            if bound is not None:
                published &= Q(site_id__in=bound)
            condition |= Q(provisional=False, is_current=True) & (published | Q(site__isnull=True))
        return self.filter(condition)

    def current(self):
        return self.filter(is_current=True)

    def versions_of(self, report_file):
        """Every version of the same report (kind, site, year), final and provisional, newest first."""
        return self.filter(
            kind=report_file.kind, site_id=report_file.site_id, year=report_file.year
        ).order_by("-version")


class ReportFile(models.Model):
    """One stored PDF: a version of a report, with its checksum and the fingerprint of its figures."""

    run = models.ForeignKey(
        ReportRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("génération"),
    )
    kind = models.CharField(_("type"), max_length=30)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_files",
        verbose_name=_("site"),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    provisional = models.BooleanField(_("provisoire"), default=False)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("version en vigueur"), default=True)
    title = models.CharField(_("titre"), max_length=300)
    file = models.FileField(_("fichier"), upload_to=report_upload_to, max_length=255)
    sha256 = models.CharField(_("somme de contrôle SHA-256"), max_length=64)
    fingerprint = models.CharField(_("empreinte des chiffres"), max_length=64)
    figures = models.JSONField(_("chiffres imprimés"), default=dict, blank=True)
    data_as_of = models.DateTimeField(_("données à jour au"))
    page_count = models.PositiveIntegerField(_("pages"))
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    created_at = models.DateTimeField(_("produit le"), auto_now_add=True)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan (fichier PDF)")
        verbose_name_plural = _("bilans (fichiers PDF)")
        ordering = ["-year", "kind", "site__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "site", "year", "version"],
                condition=Q(site__isnull=False),
                name="report_file_site_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "version"],
                condition=Q(site__isnull=True),
                name="report_file_network_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "site", "year", "provisional"],
                condition=Q(is_current=True, site__isnull=False),
                name="report_file_site_current",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "provisional"],
                condition=Q(is_current=True, site__isnull=True),
                name="report_file_network_current",
            ),
        ]
        indexes = [models.Index(fields=["year", "kind", "is_current"], name="report_file_year_kind")]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def download_name(self) -> str:
        subject = self.site.slug if self.site_id else self.kind
        suffix = "-provisoire" if self.provisional else ""
        return f"bilan-{self.year}-{subject}-v{self.version}{suffix}.pdf"


class NarrativeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every narrative for the coordination and observers; their sites' for site coordinators."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        return self.filter(site_id__in=roles.coordinated_site_ids)

    def editable_by(self, user):
        """Every narrative for the regional coordination; their sites' for site coordinators."""
        roles = user.roles
        if roles.is_regional_coordinator:
            return self
        return self.filter(site_id__in=roles.coordinated_site_ids)


class Narrative(models.Model):
    """The site coordinator's text of the year's report: the narrative and the perspectives.

    Written as a draft, marked final by the site, locked once the site's final (non-provisional)
    report is built: the printed text then no longer changes, unless the coordination reopens it.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="report_narratives", verbose_name=_("site")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    narrative = models.TextField(_("bilan qualitatif"), blank=True, max_length=20000)
    perspectives = models.TextField(_("perspectives"), blank=True, max_length=20000)
    status = models.CharField(
        _("état"), max_length=10, choices=NarrativeStatus.choices, default=NarrativeStatus.DRAFT
    )
    locked_at = models.DateTimeField(_("verrouillé le"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = NarrativeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("texte du bilan")
        verbose_name_plural = _("textes des bilans")
        ordering = ["-year", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="narrative_one_per_site_and_year")
        ]

    def __str__(self):
        return f"{self.site} — {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_final(self) -> bool:
        return self.status == NarrativeStatus.FINAL
