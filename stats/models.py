"""Anonymous visitor statistics.

No model here holds a visitor's name, address, phone, e-mail or birth date: a visit is a set of
reference-list choices. The only free text is the satisfaction comment, and its form says so.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sites.models import ServiceLevel, Site, Theme
from spro.models import ReferenceItem

from .enums import Dimension, HalfDay, PeriodAction, PeriodMode, PeriodStatus


class ContactKind(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("type de contact")
        verbose_name_plural = _("types de contact")


class Sex(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("sexe")
        verbose_name_plural = _("sexes")


class AgeBand(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("tranche d'âge")
        verbose_name_plural = _("tranches d'âge")


class Situation(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("situation")
        verbose_name_plural = _("situations")


class EducationLevel(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("niveau de formation")
        verbose_name_plural = _("niveaux de formation")


class Channel(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("canal")
        verbose_name_plural = _("canaux")


class ReferralTarget(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("orientation vers")
        verbose_name_plural = _("orientations vers")


# The model behind each dimension, for labels and validation.
DIMENSION_MODELS = {
    Dimension.CONTACT_KIND: ContactKind,
    Dimension.AGE_BAND: AgeBand,
    Dimension.SITUATION: Situation,
    Dimension.EDUCATION_LEVEL: EducationLevel,
    Dimension.CHANNEL: Channel,
    Dimension.THEME: Theme,
    Dimension.SERVICE_LEVEL: ServiceLevel,
    Dimension.REFERRAL: ReferralTarget,
}


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class PeriodQuerySet(models.QuerySet):
    def for_sites(self, sites):
        """Periods of the given sites (a queryset from Site.objects.data_visible_to)."""
        return self.filter(site__in=sites)

    def late(self, day: datetime.date | None = None):
        """Open periods whose deadline has passed (the SQL twin of Period.is_late)."""
        day = day or timezone.localdate()
        # deadline < day  <=>  next month's first day <= day - DEADLINE_DAYS  <=>  month < that month.
        cutoff = first_of_month(day - datetime.timedelta(days=settings.SPRO_PERIOD_DEADLINE_DAYS))
        return self.filter(status=PeriodStatus.OPEN, month__lt=cutoff)


class Period(models.Model):
    """A site's month of statistics: the unit of truth, submitted, validated then locked."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="periods", verbose_name=_("site"))
    month = models.DateField(_("mois"), help_text=_("Premier jour du mois."))
    mode = models.CharField(_("mode de saisie"), max_length=10, choices=PeriodMode.choices, blank=True)
    status = models.CharField(
        _("état"), max_length=12, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    locked_at = models.DateTimeField(_("verrouillée le"), null=True, blank=True)
    reopen_reason = models.TextField(_("motif de réouverture"), blank=True)
    last_reminder_on = models.DateField(_("dernier rappel envoyé le"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("période")
        verbose_name_plural = _("périodes")
        ordering = ["-month", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="period_one_per_site_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="period_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.site} — {self.month:%m/%Y}"

    @property
    def deadline(self) -> datetime.date:
        """Data for a month is due a configurable number of days after the month ends."""
        return next_month(self.month) + datetime.timedelta(days=settings.SPRO_PERIOD_DEADLINE_DAYS - 1)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    @property
    def is_late(self) -> bool:
        return self.is_open and timezone.localdate() > self.deadline

    @property
    def was_on_time(self) -> bool | None:
        if self.submitted_at is None:
            return None
        return timezone.localdate(self.submitted_at) <= self.deadline

    def lock(self):
        """Lock a validated period: from now on nothing changes without a reopening."""
        self.status = PeriodStatus.LOCKED
        self.locked_at = timezone.now()


class PeriodEvent(models.Model):
    """The history of a period: each transition, and each change made after submission."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="events", verbose_name=_("période")
    )
    action = models.CharField(_("action"), max_length=20, choices=PeriodAction.choices)
    from_status = models.CharField(_("état avant"), max_length=12, choices=PeriodStatus.choices)
    to_status = models.CharField(_("état après"), max_length=12, choices=PeriodStatus.choices)
    reason = models.TextField(_("motif"), blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("auteur")
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("historique de période")
        verbose_name_plural = _("historiques de période")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.period} : {self.get_action_display()}"


class VisitQuerySet(models.QuerySet):
    def editable_by(self, user):
        """Visits of the sites whose data the user enters (stats.enter_data); nothing else."""
        return self.filter(site__in=Site.objects.editable_by(user))

    def with_choices(self):
        """What a list row shows, in two queries (the visits, then their themes and referrals)."""
        return self.select_related(
            "contact_kind", "sex", "age_band", "situation", "education_level", "channel", "service_level"
        ).prefetch_related("themes", "referrals")


class Visit(models.Model):
    """One anonymous contact with the public (passage). Nothing here identifies a person."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visits", verbose_name=_("site"))
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="visits", verbose_name=_("période")
    )
    visited_on = models.DateField(_("date"))
    half_day = models.CharField(_("demi-journée"), max_length=12, choices=HalfDay.choices, blank=True)
    contact_kind = models.ForeignKey(ContactKind, on_delete=models.PROTECT, verbose_name=_("type de contact"))
    sex = models.ForeignKey(Sex, on_delete=models.PROTECT, verbose_name=_("sexe"))
    age_band = models.ForeignKey(
        AgeBand, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("tranche d'âge")
    )
    situation = models.ForeignKey(
        Situation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("situation")
    )
    education_level = models.ForeignKey(
        EducationLevel, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("niveau de formation")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("canal")
    )
    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("niveau de service")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="visits", verbose_name=_("thèmes"))
    referrals = models.ManyToManyField(
        ReferralTarget, blank=True, related_name="visits", verbose_name=_("orientations")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-visited_on", "-created_at"]
        indexes = [models.Index(fields=["site", "visited_on"])]

    def __str__(self):
        return f"{self.site} — {self.visited_on:%d/%m/%Y}"


class AggregateCount(models.Model):
    """A monthly total entered or imported for a site that keeps its own tool (aggregate period)."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="aggregate_counts", verbose_name=_("période")
    )
    dimension = models.CharField(_("ventilation"), max_length=20, choices=Dimension.choices)
    # The reference item's id within the dimension's list; 0 for the total and for "non renseigné".
    item_id = models.PositiveIntegerField(_("modalité"), default=0)
    sex = models.ForeignKey(Sex, on_delete=models.PROTECT, verbose_name=_("sexe"))
    count = models.PositiveIntegerField(_("nombre"))

    class Meta:
        verbose_name = _("total mensuel")
        verbose_name_plural = _("totaux mensuels")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "dimension", "item_id", "sex"], name="aggregate_one_count_per_cell"
            )
        ]

    def __str__(self):
        return f"{self.period} — {self.get_dimension_display()} {self.item_id} : {self.count}"


class CountCell(models.Model):
    """A roll-up cell: one site, one breakdown item (0 = total or not given), one sex, a count.

    The time key (month or year) is the concrete table's.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    item_id = models.PositiveIntegerField(default=0)
    sex_id = models.PositiveIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        abstract = True


class CrossCell(models.Model):
    """A cross-tabulation roll-up cell: one site, a row item and a column item, a count."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    row_dimension = models.CharField(max_length=20, choices=Dimension.choices)
    row_item_id = models.PositiveIntegerField(default=0)
    col_dimension = models.CharField(max_length=20, choices=Dimension.choices)
    col_item_id = models.PositiveIntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyCount(CountCell):
    """Roll-up kept current at write time: a site's month, one breakdown item, one sex.

    Dashboards read only the roll-ups (this table, the yearly one and the cross-tabulations),
    never the raw visits.
    """

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "dimension", "item_id", "sex_id"], name="monthly_count_cell"
            )
        ]
        # The regional dashboards filter on dimension and a month range across all sites.
        indexes = [models.Index(fields=["dimension", "month"], name="monthly_count_dim_month")]

    def __str__(self):
        return f"{self.site_id} {self.month:%m/%Y} {self.dimension} {self.item_id} : {self.count}"


class MonthlyCrossCount(CrossCell):
    """Roll-up of the cross-tabulations (theme × age band…) of detailed periods, by month and site."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "row_dimension", "row_item_id", "col_dimension", "col_item_id"],
                name="monthly_cross_count_cell",
            )
        ]
        indexes = [
            models.Index(fields=["row_dimension", "col_dimension", "month"], name="monthly_cross_dims_month")
        ]

    def __str__(self):
        return f"{self.site_id} {self.month:%m/%Y} {self.row_dimension}×{self.col_dimension} : {self.count}"


class YearlyCount(CountCell):
    """MonthlyCount summed per calendar year, kept by the same upserts and the same rebuild.

    A ten-year dashboard summed about 1.2 million monthly cells (bench/README.md); it now reads whole
    years here and only the partial months at each end of its range from MonthlyCount. The current
    year holds the months so far.
    """

    year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "year", "dimension", "item_id", "sex_id"], name="yearly_count_cell"
            )
        ]
        # Same reads as MonthlyCount: one dimension over a range of years, across all sites.
        indexes = [models.Index(fields=["dimension", "year"], name="yearly_count_dim_year")]

    def __str__(self):
        return f"{self.site_id} {self.year} {self.dimension} {self.item_id} : {self.count}"


class YearlyCrossCount(CrossCell):
    """MonthlyCrossCount summed per calendar year (see YearlyCount)."""

    year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "year", "row_dimension", "row_item_id", "col_dimension", "col_item_id"],
                name="yearly_cross_count_cell",
            )
        ]
        indexes = [
            models.Index(fields=["row_dimension", "col_dimension", "year"], name="yearly_cross_dims_year")
        ]

    def __str__(self):
        return f"{self.site_id} {self.year} {self.row_dimension}×{self.col_dimension} : {self.count}"


class SatisfactionQuestion(ReferenceItem):
    """A scale question of the anonymous satisfaction questionnaire (1 = pas du tout … 4 = tout à fait)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("question de satisfaction")
        verbose_name_plural = _("questions de satisfaction")


SATISFACTION_SCALE = (
    (1, _("Pas du tout satisfait·e")),
    (2, _("Plutôt pas satisfait·e")),
    (3, _("Plutôt satisfait·e")),
    (4, _("Tout à fait satisfait·e")),
)


class SatisfactionResponse(models.Model):
    """One anonymous questionnaire filled in by a visitor at the end of a visit."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="satisfaction_responses", verbose_name=_("site")
    )
    # The day only: an exact time could help recognise a visitor at a quiet desk.
    answered_on = models.DateField(_("date"), default=timezone.localdate)
    comment = models.TextField(_("commentaire"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("réponse au questionnaire de satisfaction")
        verbose_name_plural = _("réponses au questionnaire de satisfaction")
        ordering = ["-answered_on", "-pk"]
        indexes = [models.Index(fields=["site", "answered_on"])]

    def __str__(self):
        return f"{self.site} — {self.answered_on:%d/%m/%Y}"


class SatisfactionAnswer(models.Model):
    response = models.ForeignKey(SatisfactionResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SatisfactionQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(_("réponse"), choices=SATISFACTION_SCALE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="satisfaction_one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1) & Q(value__lte=4), name="satisfaction_value_range"
            ),
        ]

    def __str__(self):
        return f"{self.question} : {self.value}"


class SatisfactionCell(models.Model):
    """A roll-up cell of the questionnaires: one site, one question, the answers and their sum.

    `question_id` 0 holds the questionnaires themselves (`answers` = how many were filled in), as
    item 0 holds the total in MonthlyCount. Answers are never changed nor deleted (erasing a
    comment leaves them in the statistics), so the cells only grow.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    question_id = models.PositiveIntegerField(default=0)
    answers = models.IntegerField(default=0)
    value_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True


class SatisfactionCount(SatisfactionCell):
    """Questionnaires per site, month and question, kept by services.satisfaction_record and
    rollups.rebuild: the dashboards read this (and its yearly twin) instead of every answer (a
    ten-year regional range summed 150,000 answers, bench/README.md)."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "month", "question_id"], name="satisfaction_count_cell")
        ]
        indexes = [models.Index(fields=["month"], name="satisfaction_count_month")]

    def __str__(self):
        return f"{self.site_id} {self.month:%m/%Y} {self.question_id} : {self.answers} ({self.value_sum})"


class SatisfactionYearlyCount(SatisfactionCell):
    """SatisfactionCount summed per calendar year (see YearlyCount): a site gets a few
    questionnaires a month, so the monthly cells are nearly as many as the questionnaires."""

    year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "year", "question_id"], name="satisfaction_yearly_cell")
        ]
        indexes = [models.Index(fields=["year"], name="satisfaction_yearly_year")]

    def __str__(self):
        return f"{self.site_id} {self.year} {self.question_id} : {self.answers} ({self.value_sum})"


class RegionYearlyCount(models.Model):
    """YearlyCount summed over every site: the network's year, one breakdown item, one sex.

    A regional dashboard over ten years summed the 80,000 yearly cells of 50 sites; when its scope
    holds every site, it reads these 1,600 instead (stats.selectors._summed). Kept by the same
    upserts as the other roll-ups and rebuilt from YearlyCount.
    """

    year = models.PositiveSmallIntegerField()
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    item_id = models.PositiveIntegerField(default=0)
    sex_id = models.PositiveIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "dimension", "item_id", "sex_id"], name="region_yearly_cell"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.dimension} {self.item_id} : {self.count}"


from .reports.models import Narrative, ReportFile, ReportRun  # noqa: E402, F401  (the yearly reports' models)
