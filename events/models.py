"""Events organised by the sites (animations), their attendance, the territorial programmes and
the sites' monthly themes.

Nothing here identifies a visitor: registrations and attendance are counts entered by the
organiser; registering happens with the organiser or a partner, through their own link.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from network.models import Organisation, Territory
from sites.models import Site, Theme
from sites.models.plans import PlanAction
from spro.models import ReferenceItem, TimeStampedModel
from stats.models import AgeBand, Sex, Situation

from .enums import AttendanceMode, EventStatus, Registration


class EventKind(ReferenceItem):
    """Forum, salon, job dating, atelier, information collective, visite d'entreprise, conférence…"""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("type d'événement")
        verbose_name_plural = _("types d'événement")


class TerritorialProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Programmes are read by the network's members (coordination, observers, sites, partners)."""
        roles = user.roles
        if roles.reads_whole_network or roles.is_site_coordinator or roles.is_partner:
            return self
        return self.none()

    def editable_by(self, user):
        """The regional coordination drafts and keeps the programmes."""
        return self if user.roles.is_regional_coordinator else self.none()


class TerritorialProgramme(TimeStampedModel):
    """A territory's yearly programme of events, drafted in the concertation territoriale."""

    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="event_programmes", verbose_name=_("territoire")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    title = models.CharField(_("intitulé"), max_length=200)
    notes = models.TextField(_("orientations"), blank=True)
    meetings = models.ManyToManyField(
        "network.Meeting",
        blank=True,
        related_name="event_programmes",
        verbose_name=_("réunions de concertation"),
        help_text=_("Les réunions de la concertation territoriale dont le programme est issu."),
    )

    objects = TerritorialProgrammeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("programme territorial")
        verbose_name_plural = _("programmes territoriaux")
        ordering = ["-year", "territory__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "year"], name="programme_one_per_territory_and_year"
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="programme_year_range"),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def get_absolute_url(self):
        return reverse("events:programme_detail", kwargs={"pk": self.pk})


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The whole agenda for the coordination and observers; a site coordinator's sites' events;
        a partner's co-organised events; published events for everyone else (the public agenda)."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        own = Q(pk__in=[])
        if roles.coordinated_site_ids:
            own |= Q(sites__in=roles.coordinated_site_ids)
        if roles.partner_organisation_ids:
            own |= Q(partners__in=roles.partner_organisation_ids)
        ids = self.filter(own).values("pk")
        return self.filter(Q(pk__in=ids) | Q(published=True))

    def data_visible_to(self, user):
        """Events whose internal data (unpublished fields, attendance, history) the user reads: every
        event for the coordination and observers, their sites' events for a site coordinator, the
        co-organised ones for a partner. The organisers' pages (/evenements/) read through this."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        own = Q(pk__in=[])
        if roles.coordinated_site_ids:
            own |= Q(sites__in=roles.coordinated_site_ids)
        if roles.partner_organisation_ids:
            own |= Q(partners__in=roles.partner_organisation_ids)
        return self.filter(pk__in=self.filter(own).values("pk"))

    def managed_by(self, user):
        """Every event for the regional coordination; the events of a site coordinator's sites."""
        roles = user.roles
        if roles.is_regional_coordinator:
            return self
        if not roles.coordinated_site_ids:
            return self.none()
        return self.filter(pk__in=self.filter(sites__in=roles.coordinated_site_ids).values("pk"))

    def published(self):
        """What the public agenda shows: published events (cancelled ones included, marked so)."""
        return self.filter(published=True)

    def starting_between(self, start, end):
        """Events with a date starting in [start, end) (aware datetimes)."""
        return self.filter(pk__in=EventDate.objects.filter(start__gte=start, start__lt=end).values("event"))


class Event(TimeStampedModel):
    # The iCalendar UID: given once, never changed, so that calendars update rather than duplicate.
    uid = models.UUIDField(_("identifiant iCalendar"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.ForeignKey(EventKind, on_delete=models.PROTECT, verbose_name=_("type"))
    sites = models.ManyToManyField(Site, related_name="events", verbose_name=_("sites organisateurs"))
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="events", verbose_name=_("partenaires co-organisateurs")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="events", verbose_name=_("thèmes"))
    publics = models.ManyToManyField(
        Situation, blank=True, related_name="events", verbose_name=_("publics visés")
    )
    mode = models.CharField(
        _("format"), max_length=12, choices=AttendanceMode.choices, default=AttendanceMode.IN_PERSON
    )
    place_name = models.CharField(_("lieu"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    online_url = models.URLField(_("lien de connexion"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacité d'accueil"), null=True, blank=True)
    registration = models.CharField(
        _("inscription"), max_length=12, choices=Registration.choices, default=Registration.NONE
    )
    registration_url = models.URLField(
        _("lien d'inscription"),
        max_length=500,
        blank=True,
        help_text=_("Chez l'organisateur ou le partenaire : la plateforme ne recueille aucune inscription."),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    cancellation_reason = models.CharField(_("motif d'annulation"), max_length=250, blank=True)
    # When postponed: the first date as it was announced before (schema.org previousStartDate).
    previous_start = models.DateTimeField(_("date initialement prévue"), null=True, blank=True)
    plan_action = models.ForeignKey(
        PlanAction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("action du plan d'actions"),
    )
    programme = models.ForeignKey(
        TerritorialProgramme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("programme territorial"),
    )
    published = models.BooleanField(_("publié dans l'agenda"), default=False)
    # iCalendar SEQUENCE: grows with every significant change (dates, place, status, title).
    sequence = models.PositiveIntegerField(_("version iCalendar"), default=0, editable=False)
    # Attendance, entered after the event: counts only, never names.
    registered = models.PositiveIntegerField(_("inscrits"), null=True, blank=True)
    present = models.PositiveIntegerField(_("présents"), null=True, blank=True)
    satisfied = models.PositiveIntegerField(_("satisfaits"), null=True, blank=True)
    neutral = models.PositiveIntegerField(_("mitigés"), null=True, blank=True)
    dissatisfied = models.PositiveIntegerField(_("insatisfaits"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"pk": self.pk})

    def get_public_url(self):
        return reverse("agenda:event", kwargs={"pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_postponed(self) -> bool:
        return self.status == EventStatus.POSTPONED

    @property
    def is_held(self) -> bool:
        return self.status == EventStatus.HELD

    @property
    def is_online(self) -> bool:
        return self.mode in (AttendanceMode.ONLINE, AttendanceMode.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.mode in (AttendanceMode.IN_PERSON, AttendanceMode.HYBRID)


class EventDate(models.Model):
    """One of an event's dates (an event may take place on several days), aware datetimes."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="dates", verbose_name=_("événement")
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="eventdate_ends_after_start")
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self):
        return f"{self.start:%d/%m/%Y %H:%M}"


class AttendanceCount(models.Model):
    """The present broken down like visits: one row per (event, dimension item), counts only."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance_counts")
    sex = models.ForeignKey(Sex, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("sexe"))
    age_band = models.ForeignKey(
        AgeBand, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("tranche d'âge")
    )
    situation = models.ForeignKey(
        Situation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("situation")
    )
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("répartition des présents")
        verbose_name_plural = _("répartitions des présents")
        constraints = [
            # Exactly one dimension per row.
            models.CheckConstraint(
                condition=(
                    Q(sex__isnull=False, age_band__isnull=True, situation__isnull=True)
                    | Q(sex__isnull=True, age_band__isnull=False, situation__isnull=True)
                    | Q(sex__isnull=True, age_band__isnull=True, situation__isnull=False)
                ),
                name="attendancecount_one_dimension",
            ),
            models.UniqueConstraint(fields=["event", "sex"], name="attendancecount_unique_sex"),
            models.UniqueConstraint(fields=["event", "age_band"], name="attendancecount_unique_age"),
            models.UniqueConstraint(fields=["event", "situation"], name="attendancecount_unique_situation"),
        ]

    def __str__(self):
        return f"{self.sex or self.age_band or self.situation} : {self.count}"


class MonthlyThemeQuerySet(models.QuerySet):
    def editable_by(self, user):
        roles = user.roles
        if roles.is_regional_coordinator:
            return self
        return self.filter(site__in=roles.coordinated_site_ids)


class MonthlyTheme(TimeStampedModel):
    """A site's theme of the month (« le mois de l'industrie »), shown on its public page."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="monthly_themes", verbose_name=_("site")
    )
    month = models.DateField(_("mois"), help_text=_("Premier jour du mois."))
    title = models.CharField(_("thème du mois"), max_length=200)
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thème de référence"),
    )
    description = models.TextField(_("présentation"), blank=True)

    objects = MonthlyThemeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("thème du mois")
        verbose_name_plural = _("thèmes du mois")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="monthlytheme_one_per_site_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlytheme_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.site} — {self.month:%m/%Y} : {self.title}"
