"""Steering bodies (instances), their meetings, attendance, minutes and decisions."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import ReferenceItem, TimeStampedModel

from ..enums import AttendanceStatus, BodyScope, DecisionKind, DecisionStatus, MeetingStatus, MinutesStatus
from .core import Organisation, Territory
from .strategy import NetworkReadQuerySet


class BodyKind(ReferenceItem):
    """Commission régionale, comité technique local de programmation, comité de pilotage…"""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("type d'instance")
        verbose_name_plural = _("types d'instance")


class BodyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The coordination and observers see every body; a site coordinator the bodies of their sites
        and the regional ones; a partner the bodies their organisation sits in."""
        roles = user.roles
        if roles.reads_whole_network:
            return self
        visible = Q(scope=BodyScope.REGION)
        if roles.coordinated_site_ids:
            visible |= Q(site_id__in=roles.coordinated_site_ids)
        if roles.partner_organisation_ids:
            visible |= Q(members__organisation_id__in=roles.partner_organisation_ids)
        if getattr(user, "pk", None):
            visible |= Q(members__user=user)
        return self.filter(visible).distinct()

    def managed_by(self, user):
        """Bodies whose meetings the user organises: all for the coordination; a site's own
        steering committee for its coordinators."""
        roles = user.roles
        if roles.is_regional_coordinator:
            return self
        return self.filter(scope=BodyScope.SITE, site_id__in=roles.coordinated_site_ids)


class Body(TimeStampedModel):
    """A steering body, with its scope and its required rhythm."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.ForeignKey(BodyKind, on_delete=models.PROTECT, verbose_name=_("type"))
    scope = models.CharField(_("périmètre"), max_length=12, choices=BodyScope.choices)
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("territoire")
    )
    site = models.ForeignKey(
        "sites.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("site"),
    )
    min_meetings_per_year = models.PositiveSmallIntegerField(_("réunions minimum par an"), default=1)
    required_months = models.JSONField(
        _("mois où elle doit se réunir"), default=list, blank=True, help_text=_("Numéros de mois (6 = juin).")
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=0, help_text=_("Nombre de membres présents ou représentés requis (0 : aucun).")
    )
    description = models.TextField(_("missions"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = BodyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        ordering = ["kind__order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope=BodyScope.SITE) | Q(site__isnull=False), name="site_body_has_a_site"
            ),
            models.CheckConstraint(
                condition=~Q(scope=BodyScope.TERRITORY) | Q(territory__isnull=False),
                name="territory_body_has_a_territory",
            ),
        ]

    def __str__(self):
        return self.name


class BodyMemberQuerySet(models.QuerySet):
    def current(self, day: datetime.date | None = None):
        """Members whose mandate covers the day (today by default)."""
        day = day or timezone.localdate()
        return self.filter(Q(mandate_start__isnull=True) | Q(mandate_start__lte=day)).filter(
            Q(mandate_end__isnull=True) | Q(mandate_end__gte=day)
        )


class BodyMember(TimeStampedModel):
    """A seat in a body: a person representing an organisation, for a mandate."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="members", verbose_name=_("instance")
    )
    full_name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("courriel"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="body_seats",
        verbose_name=_("compte sur la plateforme"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="body_seats",
        verbose_name=_("organisation représentée"),
    )
    position = models.CharField(_("fonction"), max_length=150, blank=True)
    is_voting = models.BooleanField(_("voix délibérative"), default=True)
    mandate_start = models.DateField(_("début du mandat"), null=True, blank=True)
    mandate_end = models.DateField(_("fin du mandat"), null=True, blank=True)

    objects = BodyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre d'instance")
        verbose_name_plural = _("membres d'instance")
        ordering = ["organisation__name", "full_name"]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Meetings of the bodies the user sees."""
        return self.filter(body__in=Body.objects.visible_to(user))

    def in_year(self, year: int):
        """Meetings held or planned in a calendar year."""
        return self.filter(starts_at__year=year)


class Meeting(TimeStampedModel):
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("instance")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=250, blank=True)
    video_link = models.URLField(_("lien de visioconférence"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    invitations_sent_at = models.DateTimeField(_("convocations envoyées le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.body} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    @property
    def day(self) -> datetime.date:
        """The meeting's local date: attendance, minutes and decisions are dated from it."""
        return timezone.localdate(self.starts_at)

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_to_confirm(self) -> bool:
        """Still "prévue" although its start has passed: the organiser has to say whether it was
        held or cancelled. Pages and indicators show it as « à confirmer »."""
        return self.status == MeetingStatus.PLANNED and self.has_started

    @property
    def status_label(self) -> str:
        """The state as the pages show it: « À confirmer » for a past meeting still planned."""
        return _("À confirmer") if self.is_to_confirm else self.get_status_display()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("réunion")
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("point"), max_length=250)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), null=True, blank=True)
    presenter = models.CharField(_("présenté par"), max_length=150, blank=True)
    # What the item discusses: a label application, an action plan… (any object of the platform).
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("ordre du jour")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


class Attendance(models.Model):
    """A line of the attendance sheet (feuille d'émargement)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(BodyMember, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(
        _("présence"), max_length=12, choices=AttendanceStatus.choices, default=AttendanceStatus.INVITED
    )
    represented_by = models.CharField(_("représenté·e par"), max_length=150, blank=True)
    # The convocation as sent to this member: when, and to which address (none: no e-mail address,
    # the member is on the sheet but was not convened by e-mail).
    invited_at = models.DateTimeField(_("convoqué·e le"), null=True, blank=True)
    invitation_email = models.EmailField(_("convocation envoyée à"), blank=True)

    class Meta:
        verbose_name = _("émargement")
        verbose_name_plural = _("feuille d'émargement")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_member")
        ]

    def __str__(self):
        return f"{self.member} : {self.get_status_display()}"

    @property
    def has_answered(self) -> bool:
        """The member's presence is recorded (not merely convened)."""
        return self.status != AttendanceStatus.INVITED


class MinutesQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Minutes of the meetings the user sees (those of the bodies they see)."""
        return self.filter(meeting__in=Meeting.objects.visible_to(user))

    def managed_by(self, user):
        """Minutes of the meetings of the bodies the user organises."""
        return self.filter(meeting__body__in=Body.objects.managed_by(user))


class Minutes(TimeStampedModel):
    """The compte rendu of a meeting: draft → sent for remarks → adopted (then frozen)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes")
    text = models.TextField(_("compte rendu"))
    status = models.CharField(
        _("état"), max_length=10, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    sent_at = models.DateTimeField(_("envoyé pour remarques le"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopté le"), null=True, blank=True)
    adopted_in = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_minutes",
        verbose_name=_("adopté lors de la réunion"),
    )

    history = HistoricalRecords()

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name = _("compte rendu")
        verbose_name_plural = _("comptes rendus")

    def __str__(self):
        return f"{_('Compte rendu')} — {self.meeting}"

    @property
    def is_adopted(self) -> bool:
        return self.status == MinutesStatus.ADOPTED

    @property
    def is_open_for_remarks(self) -> bool:
        return self.status == MinutesStatus.SENT_FOR_REMARKS


class RemarkOutcome(models.TextChoices):
    """What the adopted minutes did with a remark."""

    RETAINED = "retenue", _("Retenue")
    NOT_RETAINED = "non_retenue", _("Non retenue")


class MinutesRemarkQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Remarks a user reads: all of them for the meeting's organisers, and for every reader of
        the meeting once the minutes are adopted (the adopted version says which it took); before,
        a member reads their own."""
        minutes = Minutes.objects.visible_to(user)
        visible = Q(minutes__in=Minutes.objects.managed_by(user)) | Q(
            minutes__in=minutes.filter(status=MinutesStatus.ADOPTED)
        )
        if getattr(user, "pk", None):
            visible |= Q(minutes__in=minutes, author=user)
        return self.filter(visible)


class MinutesRemark(TimeStampedModel):
    """A remark of a body's member on minutes sent for remarks (who, when, what), and whether the
    adopted version took it."""

    minutes = models.ForeignKey(
        Minutes, on_delete=models.CASCADE, related_name="remarks", verbose_name=_("compte rendu")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="minutes_remarks",
        verbose_name=_("auteur"),
    )
    # The name as it was when the remark was made: it stays if the account goes.
    author_name = models.CharField(_("nom de l'auteur"), max_length=150)
    member = models.ForeignKey(
        BodyMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="minutes_remarks",
        verbose_name=_("siège"),
    )
    text = models.TextField(_("remarque"))
    outcome = models.CharField(_("suite donnée"), max_length=12, choices=RemarkOutcome.choices, blank=True)
    response = models.CharField(_("réponse du secrétariat"), max_length=500, blank=True)

    objects = MinutesRemarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("remarque sur un compte rendu")
        verbose_name_plural = _("remarques sur les comptes rendus")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name} — {self.text[:60]}"


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Decisions of the meetings the user sees."""
        return self.filter(meeting__in=Meeting.objects.visible_to(user))

    def open(self):
        """Decisions still to carry out."""
        return self.filter(status__in=[DecisionStatus.OPEN, DecisionStatus.IN_PROGRESS])

    def overdue(self, day: datetime.date | None = None):
        """Open decisions past their due date."""
        return self.open().filter(due_date__lt=day or timezone.localdate())

    def about(self, obj):
        """Decisions taken on a given object (a label application, an action plan…)."""
        return self.filter(subject_type=ContentType.objects.get_for_model(obj), subject_id=obj.pk)


class Decision(TimeStampedModel):
    """An avis or a décision taken in a meeting, on a subject, followed until done."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("réunion")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=DecisionKind.choices)
    summary = models.TextField(_("énoncé"))
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_decisions",
        verbose_name=_("responsable du suivi"),
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(
        _("suivi"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    done_on = models.DateField(_("réalisée le"), null=True, blank=True)

    objects = DecisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["-meeting__starts_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.summary[:60]}"

    @property
    def is_open(self) -> bool:
        """Still to carry out (as DecisionQuerySet.open)."""
        return self.status in (DecisionStatus.OPEN, DecisionStatus.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        """Still to carry out past its due date (as DecisionQuerySet.overdue)."""
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class ProfessionalisationSession(TimeStampedModel):
    """A training of the network's counsellors (professionnalisation)."""

    theme = models.CharField(_("thème"), max_length=200)
    starts_on = models.DateField(_("date"))
    days = models.DecimalField(_("durée (jours)"), max_digits=4, decimal_places=1, default=1)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    trainer = models.CharField(_("intervenant·e"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = NetworkReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("session de professionnalisation")
        verbose_name_plural = _("sessions de professionnalisation")
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.theme} ({self.starts_on:%d/%m/%Y})"


class SessionParticipation(models.Model):
    session = models.ForeignKey(
        ProfessionalisationSession, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    participants = models.PositiveSmallIntegerField(_("participants"), default=1)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "organisation"], name="participation_once_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.organisation} : {self.participants}"
