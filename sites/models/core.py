import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from network.models import Organisation, Territory
from spro.models import DatedQuerySet, ReferenceItem, TimeStampedModel

from ..enums import PUBLIC_STATUSES, CoordinatorPosition, LabelStatus


class SiteKind(ReferenceItem):
    """Espace métiers, Cité des métiers, centre associé, point relais…: a list, not a hard-coded pair."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("type de site")
        verbose_name_plural = _("types de site")


class Theme(ReferenceItem):
    """Themes of need (pôles) a site serves: métiers, emploi, formation, orientation…"""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")


class ServiceLevel(ReferenceItem):
    """The three levels of the Conseil en évolution professionnelle, and any the Région adds."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("niveau de service")
        verbose_name_plural = _("niveaux de service")


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public sites for everyone; the whole network for the coordination and observers; own sites."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        public = Q(label_status__in=PUBLIC_STATUSES)
        if roles.coordinated_site_ids:
            return self.filter(public | Q(pk__in=roles.coordinated_site_ids))
        return self.filter(public)

    def editable_by(self, user):
        """Every site for the regional coordination; a site coordinator's current sites; nothing else."""
        roles = user.roles
        if roles.is_regional_coordinator:
            return self
        return self.filter(pk__in=roles.coordinated_site_ids)

    def data_visible_to(self, user):
        """Sites whose activity data the user may read: all for coordination and observers, else own."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        return self.filter(pk__in=roles.coordinated_site_ids)

    def labelled(self):
        """Sites holding the label today."""
        return self.filter(label_status=LabelStatus.LABELLED)

    def due_for_renewal(self, within_days: int | None = None, day: datetime.date | None = None):
        """Labelled sites whose renewal date falls within the warning window (or is already past)."""
        day = day or timezone.localdate()
        within_days = settings.SPRO_LABEL_RENEWAL_WARNING_DAYS if within_days is None else within_days
        return self.labelled().filter(label_renewal_due_on__lte=day + datetime.timedelta(days=within_days))

    def search(self, text: str):
        """Sites whose name, commune, postcode or host organisation contains the text."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(commune__icontains=text)
            | Q(postcode__startswith=text)
            | Q(host__name__icontains=text)
        )

    def for_listing(self):
        """What a list row shows, fetched in one query."""
        return self.select_related("kind", "host", "departement", "parent")


class Site(TimeStampedModel):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    kind = models.ForeignKey(SiteKind, on_delete=models.PROTECT, verbose_name=_("type de site"))
    host = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="hosted_sites",
        verbose_name=_("structure porteuse"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("site principal"),
        help_text=_(
            "Pour un centre associé ou un point relais : la Cité des métiers à laquelle il est rattaché."
        ),
    )
    # Practical information: the site coordinator keeps it up to date.
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=120)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    public_description = models.TextField(_("présentation"), blank=True)
    accessibility = models.CharField(_("accessibilité"), max_length=250, blank=True)
    # Identity: the regional coordination keeps it.
    departement = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="sites_in_departement",
        limit_choices_to={"kind__code": "departement"},
        verbose_name=_("département"),
    )
    territories = models.ManyToManyField(
        Territory,
        blank=True,
        related_name="sites",
        verbose_name=_("autres territoires"),
        help_text=_("Bassin d'emploi, agence territoriale…"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="sites", verbose_name=_("thèmes proposés")
    )
    service_levels = models.ManyToManyField(
        ServiceLevel, blank=True, related_name="sites", verbose_name=_("niveaux de service proposés")
    )
    label_status = models.CharField(
        _("statut du label"), max_length=20, choices=LabelStatus.choices, default=LabelStatus.PROJECT
    )
    label_status_since = models.DateField(_("statut depuis le"), default=timezone.localdate)
    labelled_on = models.DateField(_("labellisé le"), null=True, blank=True)
    label_renewal_due_on = models.DateField(_("renouvellement du label le"), null=True, blank=True)
    # Partner API tokens bound to this site (ApiToken.sites): they read and write this site only.
    api_tokens = models.ManyToManyField(
        "network.ApiToken", blank=True, related_name="sites", verbose_name=_("jetons d'API liés")
    )

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        indexes = [models.Index(fields=["label_status", "label_renewal_due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="site_longitude_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sites:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.label_status in PUBLIC_STATUSES

    @property
    def renewal_is_due(self) -> bool:
        if self.label_status != LabelStatus.LABELLED or not self.label_renewal_due_on:
            return False
        warning = datetime.timedelta(days=settings.SPRO_LABEL_RENEWAL_WARNING_DAYS)
        return self.label_renewal_due_on <= timezone.localdate() + warning


class LabelStatusChange(models.Model):
    """One step of a site's label life cycle, kept forever."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="label_changes", verbose_name=_("site")
    )
    previous_status = models.CharField(
        _("statut précédent"), max_length=20, choices=LabelStatus.choices, blank=True
    )
    status = models.CharField(_("nouveau statut"), max_length=20, choices=LabelStatus.choices)
    effective_on = models.DateField(_("date d'effet"))
    comment = models.TextField(_("commentaire"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("auteur")
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de statut du label")
        verbose_name_plural = _("changements de statut du label")
        ordering = ["-effective_on", "-created_at"]

    def __str__(self):
        return f"{self.site} : {self.get_status_display()} ({self.effective_on:%d/%m/%Y})"


class CoordinatorAssignment(TimeStampedModel):
    """A person coordinating a site for a period: people move, the history stays."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="coordinators", verbose_name=_("site")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="site_assignments",
        verbose_name=_("personne"),
    )
    position = models.CharField(
        _("fonction"), max_length=20, choices=CoordinatorPosition.choices, default=CoordinatorPosition.CTEM
    )
    start_date = models.DateField(_("début"), default=timezone.localdate)
    end_date = models.DateField(_("fin"), null=True, blank=True)

    objects = DatedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affectation de coordination")
        verbose_name_plural = _("affectations de coordination")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="coordinator_assignment_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.site}"

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)
