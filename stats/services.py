"""Writes of the statistics app: visits, aggregate counts and the period workflow.

Rules kept here, whatever the door (page, API, import):
- an open period takes data from the site's coordinators and from the regional coordination;
- a submitted or validated period changes only through the regional coordination, and each change
  is written to the period's history;
- a locked period changes through nobody: a regional coordinator reopens it first, with a reason;
- a period is detailed or aggregate, never both, so nothing is counted twice.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site

from . import rollups
from .enums import MULTI_VALUED, Dimension, PeriodAction, PeriodMode, PeriodStatus
from .models import DIMENSION_MODELS, AggregateCount, Period, PeriodEvent, Sex, Visit, first_of_month

VISIT_FIELDS = (
    "visited_on",
    "half_day",
    "contact_kind",
    "sex",
    "age_band",
    "situation",
    "education_level",
    "channel",
    "service_level",
)


def _may_enter_data(user, site: Site) -> bool:
    roles = user.roles
    return roles.is_regional_coordinator or site.pk in roles.coordinated_site_ids


def period_get_or_create(*, site: Site, day: datetime.date) -> Period:
    """The period of a site's month, created open on first use; locked for the transaction."""
    period, _created = Period.objects.get_or_create(site=site, month=first_of_month(day))
    # Lock the period row: transitions and data writes on one month are serialised through it.
    return Period.objects.select_for_update().get(pk=period.pk)


def _check_writable(*, period: Period, user, mode: str) -> None:
    roles = user.roles
    if not _may_enter_data(user, period.site):
        raise PermissionDenied(_("Vous ne pouvez pas saisir de données pour ce site."))
    if period.status == PeriodStatus.LOCKED:
        raise ValidationError(
            _("La période %(month)s est verrouillée : demandez sa réouverture à la coordination régionale.")
            % {"month": period.month.strftime("%m/%Y")}
        )
    if period.status != PeriodStatus.OPEN and not roles.is_regional_coordinator:
        raise ValidationError(
            _("La période %(month)s a été soumise : seule la coordination régionale peut la modifier.")
            % {"month": period.month.strftime("%m/%Y")}
        )
    if period.mode and period.mode != mode:
        raise ValidationError(
            _("La période %(month)s est en %(mode)s : une période est détaillée ou agrégée, jamais les deux.")
            % {"month": period.month.strftime("%m/%Y"), "mode": PeriodMode(period.mode).label.lower()}
        )


def period_write_refusal(*, period: Period, user, mode: str) -> str | None:
    """Why the user may not write this period's data in this mode (None when they may), for pages.

    Pages use it to replace a form by an explanation before anyone types; the writes themselves
    still go through _check_writable, so the rule lives in one place.
    """
    try:
        _check_writable(period=period, user=user, mode=mode)
    except (PermissionDenied, ValidationError) as error:
        return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    return None


def _log_change(*, period: Period, user, details: dict, action=PeriodAction.DATA_CHANGE) -> None:
    """Changes to a period that was handed in are kept in its history (open periods move daily)."""
    if period.status == PeriodStatus.OPEN and action == PeriodAction.DATA_CHANGE:
        return
    PeriodEvent.objects.create(
        period=period,
        action=action,
        from_status=period.status,
        to_status=period.status,
        details=details,
        author=user if getattr(user, "pk", None) else None,
    )


def _validate_visit(values: dict) -> None:
    errors = {}
    for name in ("contact_kind", "sex"):
        if values.get(name) is None:
            errors[name] = _("Ce champ est obligatoire.")
    day = values.get("visited_on")
    if day is None:
        errors["visited_on"] = _("Indiquez la date du passage.")
    elif day > timezone.localdate():
        errors["visited_on"] = _("La date du passage ne peut pas être dans le futur.")
    if errors:
        raise ValidationError(errors)


def _visit_snapshot(visit: Visit, theme_ids, referral_ids) -> dict:
    return {
        "visited_on": visit.visited_on.isoformat(),
        **{f"{name}_id": getattr(visit, f"{name}_id") for name in VISIT_FIELDS[2:]},
        "themes": sorted(theme_ids),
        "referrals": sorted(referral_ids),
    }


@transaction.atomic
def visit_record(*, site: Site, author, themes=(), referrals=(), **values) -> Visit:
    """Record one anonymous visit and count it in the roll-ups."""
    values.setdefault("visited_on", timezone.localdate())
    values.setdefault("half_day", "")
    _validate_visit(values)
    period = period_get_or_create(site=site, day=values["visited_on"])
    _check_writable(period=period, user=author, mode=PeriodMode.DETAILED)
    if not period.mode:
        period.mode = PeriodMode.DETAILED
        period.save(update_fields=["mode"])
    visit = Visit(
        site=site, period=period, created_by=author if getattr(author, "pk", None) else None, **values
    )
    visit.save()
    theme_ids = [t.pk for t in themes]
    referral_ids = [r.pk for r in referrals]
    visit.themes.set(theme_ids)
    visit.referrals.set(referral_ids)
    rollups.apply(*rollups.visit_cells(visit, rollups.visit_values(visit, theme_ids, referral_ids)))
    _log_change(
        period=period, user=author, details={"visit_added": _visit_snapshot(visit, theme_ids, referral_ids)}
    )
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, author, themes=None, referrals=None, **values) -> Visit:
    """Correct a visit; the roll-ups move by the difference. The month cannot change."""
    period = Period.objects.select_for_update().get(pk=visit.period_id)
    _check_writable(period=period, user=author, mode=PeriodMode.DETAILED)
    old_values = rollups.visit_values(visit)
    old_cells, old_cross = rollups.visit_cells(visit, old_values)
    before = _visit_snapshot(visit, old_values[Dimension.THEME], old_values[Dimension.REFERRAL])
    for name, value in values.items():
        if name not in VISIT_FIELDS:
            raise TypeError(name)
        setattr(visit, name, value)
    _validate_visit({name: getattr(visit, name) for name in VISIT_FIELDS})
    if first_of_month(visit.visited_on) != period.month:
        raise ValidationError(
            {
                "visited_on": _(
                    "Un passage reste dans son mois : supprimez-le et saisissez-le dans le bon mois."
                )
            }
        )
    visit.save()
    theme_ids = (
        [t.pk for t in themes] if themes is not None else [i for i in old_values[Dimension.THEME] if i]
    )
    referral_ids = (
        [r.pk for r in referrals]
        if referrals is not None
        else [i for i in old_values[Dimension.REFERRAL] if i]
    )
    if themes is not None:
        visit.themes.set(theme_ids)
    if referrals is not None:
        visit.referrals.set(referral_ids)
    new_cells, new_cross = rollups.visit_cells(visit, rollups.visit_values(visit, theme_ids, referral_ids))
    rollups.apply(rollups.difference(new_cells, old_cells), rollups.difference(new_cross, old_cross))
    _log_change(
        period=period,
        user=author,
        details={
            "visit_changed": {"before": before, "after": _visit_snapshot(visit, theme_ids, referral_ids)}
        },
    )
    return visit


@transaction.atomic
def visit_delete(*, visit: Visit, author) -> None:
    """Delete a visit entered by mistake and uncount it."""
    period = Period.objects.select_for_update().get(pk=visit.period_id)
    _check_writable(period=period, user=author, mode=PeriodMode.DETAILED)
    values = rollups.visit_values(visit)
    rollups.apply(*rollups.visit_cells(visit, values), sign=-1)
    snapshot = _visit_snapshot(visit, values[Dimension.THEME], values[Dimension.REFERRAL])
    visit.delete()
    if not period.visits.exists():
        period.mode = ""
        period.save(update_fields=["mode"])
    _log_change(period=period, user=author, details={"visit_deleted": snapshot})


# --- Aggregate periods -------------------------------------------------------------------------


@dataclass
class AggregateCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def aggregate_check(counts: dict[tuple[str, int, int], int]) -> AggregateCheck:
    """Rules on a month's totals: some block (negative numbers, more referrals than visits), none warn."""
    check = AggregateCheck()
    for (dimension, _item, _sex), value in counts.items():
        if value is None or value < 0:
            check.errors.append(
                _("Nombre négatif ou manquant pour « %(dimension)s ».")
                % {"dimension": Dimension(dimension).label}
            )
    total_by_sex = Counter()
    for (dimension, _item, sex), value in counts.items():
        if dimension == Dimension.TOTAL:
            total_by_sex[sex] += value or 0
    total = sum(total_by_sex.values())
    # The network counts referred visits: a month can't have more referrals than visits.
    referred = sum(v or 0 for (d, item, _s), v in counts.items() if d == Dimension.REFERRAL and item)
    if referred > total:
        check.errors.append(
            _("Plus d'orientations (%(referred)s) que de passages (%(total)s) : vérifiez les totaux.")
            % {"referred": referred, "total": total}
        )
    for dimension in Dimension:
        if dimension in (Dimension.TOTAL, *MULTI_VALUED):
            continue
        for sex, sex_total in total_by_sex.items():
            dimension_sum = sum(v or 0 for (d, _i, s), v in counts.items() if d == dimension and s == sex)
            if dimension_sum > sex_total:
                check.errors.append(
                    _("La ventilation « %(dimension)s » dépasse le total des passages.")
                    % {"dimension": dimension.label}
                )
    check.errors = list(dict.fromkeys(check.errors))
    return check


@transaction.atomic
def aggregate_set(
    *,
    site: Site,
    month: datetime.date,
    author,
    counts: dict[tuple[str, int, int], int],
    source: str = "saisie",
) -> Period:
    """Replace a month's totals (dimension, item id, sex id → count). Same numbers twice: no change.

    A month that has not begun is refused, as a visit in the future is: no roll-up ever holds a
    future month, which lets the dashboards read the current year whole (selectors.split_range).
    """
    if first_of_month(month) > first_of_month(timezone.localdate()):
        raise ValidationError(
            _("Le mois %(month)s n'a pas encore commencé : ses totaux se saisissent une fois le mois écoulé.")
            % {"month": month.strftime("%m/%Y")}
        )
    period = period_get_or_create(site=site, day=month)
    _check_writable(period=period, user=author, mode=PeriodMode.AGGREGATE)
    check = aggregate_check(counts)
    if check.errors:
        raise ValidationError(check.errors)
    sexes = set(Sex.objects.values_list("pk", flat=True))
    known_items = {}  # One query per breakdown, not one per cell: an import writes thousands of cells.
    for dimension, item, sex in counts:
        if dimension not in Dimension.values or sex not in sexes:
            raise ValidationError(_("Ventilation ou sexe inconnu."))
        if dimension != Dimension.TOTAL and item:
            if dimension not in known_items:
                known_items[dimension] = set(DIMENSION_MODELS[dimension].objects.values_list("pk", flat=True))
            if item not in known_items[dimension]:
                raise ValidationError(
                    _("Modalité inconnue pour « %(dimension)s ».") % {"dimension": dimension}
                )
    old_rows = list(period.aggregate_counts.all())
    old = {(r.dimension, r.item_id, r.sex_id): r.count for r in old_rows}
    new = {key: value for key, value in counts.items() if value}
    if old == new:
        return period
    old_cells = rollups.aggregate_cells(period, old_rows)
    period.aggregate_counts.all().delete()
    new_rows = AggregateCount.objects.bulk_create(
        AggregateCount(period=period, dimension=d, item_id=i, sex_id=s, count=c)
        for (d, i, s), c in new.items()
    )
    rollups.apply(rollups.difference(rollups.aggregate_cells(period, new_rows), old_cells))
    period.mode = PeriodMode.AGGREGATE if new else ""
    period.save(update_fields=["mode"])
    _log_change(
        period=period,
        user=author,
        details={"source": source, "before_total": _total(old), "after_total": _total(new)},
        action=PeriodAction.IMPORT
        if source != "saisie" and period.status != PeriodStatus.OPEN
        else PeriodAction.DATA_CHANGE,
    )
    return period


def _total(counts: dict) -> int:
    return sum(v for (d, _i, _s), v in counts.items() if d == Dimension.TOTAL)


# --- Period workflow -------------------------------------------------------------------------


def _transition(*, period: Period, author, action: str, to_status: str, reason: str = "") -> Period:
    PeriodEvent.objects.create(
        period=period,
        action=action,
        from_status=period.status,
        to_status=to_status,
        reason=reason,
        author=author,
    )
    period.status = to_status
    return period


def _locked(period: Period) -> Period:
    return Period.objects.select_for_update().select_related("site").get(pk=period.pk)


@transaction.atomic
def period_submit(*, period: Period, author) -> Period:
    """The site hands in its month: from then on only the regional coordination changes it."""
    period = _locked(period)
    if not _may_enter_data(author, period.site):
        raise PermissionDenied(_("Vous ne pouvez pas soumettre les données de ce site."))
    if period.status != PeriodStatus.OPEN:
        raise ValidationError(_("Seule une période ouverte peut être soumise."))
    if period.month >= first_of_month(timezone.localdate()):
        raise ValidationError(_("Un mois se soumet une fois terminé."))
    if not period.mode:
        raise ValidationError(_("Aucune donnée n'a été saisie pour ce mois."))
    _transition(period=period, author=author, action=PeriodAction.SUBMIT, to_status=PeriodStatus.SUBMITTED)
    period.submitted_at = timezone.now()
    period.save(update_fields=["status", "submitted_at"])
    return period


def _require_coordination(author) -> None:
    roles = author.roles
    if not roles.is_regional_coordinator:
        raise PermissionDenied(_("Seule la coordination régionale peut faire cette action."))


@transaction.atomic
def period_validate(*, period: Period, author) -> Period:
    """The regional coordination accepts a submitted month."""
    _require_coordination(author)
    period = _locked(period)
    if period.status != PeriodStatus.SUBMITTED:
        raise ValidationError(_("Seule une période soumise peut être validée."))
    _transition(period=period, author=author, action=PeriodAction.VALIDATE, to_status=PeriodStatus.VALIDATED)
    period.validated_at = timezone.now()
    period.save(update_fields=["status", "validated_at"])
    return period


@transaction.atomic
def period_lock(*, period: Period, author) -> Period:
    """Freeze a validated month: the figures published to partners and in reports stop moving."""
    _require_coordination(author)
    period = _locked(period)
    if period.status != PeriodStatus.VALIDATED:
        raise ValidationError(_("Seule une période validée peut être verrouillée."))
    _transition(period=period, author=author, action=PeriodAction.LOCK, to_status=PeriodStatus.LOCKED)
    period.lock()
    period.save(update_fields=["status", "locked_at"])
    return period


@transaction.atomic
def period_reopen(*, period: Period, author, reason: str) -> Period:
    """Give a month back to the site, with a reason kept in the history."""
    _require_coordination(author)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la réouverture.")})
    period = _locked(period)
    if period.status == PeriodStatus.OPEN:
        raise ValidationError(_("La période est déjà ouverte."))
    _transition(
        period=period, author=author, action=PeriodAction.REOPEN, to_status=PeriodStatus.OPEN, reason=reason
    )
    period.reopen_reason = reason
    period.save(update_fields=["status", "reopen_reason"])
    return period


# --- Import, satisfaction, reminders ------------------------------------------------------------
# Appended to a module shared by several writers: their extra imports stay inside the functions.


@transaction.atomic
def aggregate_import(
    *,
    author,
    months: list[tuple[Site, datetime.date, dict[tuple[str, int, int], int]]],
    source: str = "import",
) -> list[Period]:
    """Write the monthly totals of an imported file, all or nothing: one refused month refuses the file.

    Each month goes through aggregate_set, so rights, period states and rules are the entry form's,
    and a month whose totals are already those of the file is left untouched.
    """
    return [
        aggregate_set(site=site, month=month, author=author, counts=counts, source=source)
        for site, month, counts in months
    ]


@transaction.atomic
def satisfaction_record(
    *, site: Site, answers: dict[int, int], comment: str = "", day: datetime.date | None = None
):
    """Save one anonymous questionnaire: the day (no time), scale answers by question id, the comment."""
    from .models import SATISFACTION_SCALE, SatisfactionAnswer, SatisfactionQuestion, SatisfactionResponse

    day = day or timezone.localdate()
    comment = (comment or "").strip()
    if not site.is_public:
        raise ValidationError(_("Ce site ne propose pas de questionnaire de satisfaction."))
    active = set(SatisfactionQuestion.objects.active_on(day).values_list("pk", flat=True))
    values = {value for value, _label in SATISFACTION_SCALE}
    for question_id, value in answers.items():
        if question_id not in active or value not in values:
            raise ValidationError(_("Réponse invalide."))
    if not answers and not comment:
        raise ValidationError(_("Répondez à au moins une question ou laissez un commentaire."))
    if len(comment) > SatisfactionResponse._meta.get_field("comment").max_length:
        raise ValidationError({"comment": _("Le commentaire est trop long.")})
    response = SatisfactionResponse.objects.create(site=site, answered_on=day, comment=comment)
    SatisfactionAnswer.objects.bulk_create(
        SatisfactionAnswer(response=response, question_id=question_id, value=value)
        for question_id, value in sorted(answers.items())
    )
    rollups.apply_satisfaction(site_id=site.pk, day=day, answers=answers)
    return response


@transaction.atomic
def satisfaction_comment_delete(*, response, author):
    """Erase a free comment that holds personal data; the scale answers stay in the statistics."""
    _require_coordination(author)
    response.comment = ""
    response.save(update_fields=["comment"])
    return response


# How many days before a month's deadline its coordinators are reminded, and how far back late
# months are chased (older gaps are the regional coordination's follow-up, not a daily e-mail).
REMINDER_DUE_SOON_DAYS = 3
REMINDER_LOOKBACK_MONTHS = 6


def period_reminders_send(*, day: datetime.date | None = None) -> int:
    """E-mail each current coordinator of a site whose last month is due within 3 days, or whose
    labelled months are late (still open past the deadline). Returns the number of e-mails sent.

    At most one reminder per period and day: each site's periods are claimed (last_reminder_on set
    under a row lock) in the same transaction that sends the site's e-mails, so a run that fails
    rolls back and a retry sends what is missing, and a second run on the same day sends nothing.
    """
    from collections import defaultdict

    from sites.models import CoordinatorAssignment, LabelStatusChange

    from .selectors import labelled_months, months_between

    day = day or timezone.localdate()
    last_ended = first_of_month(first_of_month(day) - datetime.timedelta(days=1))
    first = last_ended
    for _step in range(REMINDER_LOOKBACK_MONTHS - 1):
        first = first_of_month(first - datetime.timedelta(days=1))
    months = months_between(first, last_ended)

    recipients = defaultdict(dict)
    sites = {}
    for assignment in (
        CoordinatorAssignment.objects.current(day)
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "site")
        .order_by("site_id", "user_id")
    ):
        sites[assignment.site_id] = assignment.site
        recipients[assignment.site_id][assignment.user_id] = assignment.user  # Overlaps: one e-mail.
    if not sites:
        return 0
    changes = defaultdict(list)
    for change in LabelStatusChange.objects.filter(site_id__in=sites):
        changes[change.site_id].append(change)
    periods = {(p.site_id, p.month): p for p in Period.objects.filter(site_id__in=sites, month__in=months)}

    def deadline(month):
        return Period(month=month).deadline  # The model's rule, for months not started yet too.

    sent = 0
    for site_id, site in sites.items():
        due = []
        for month in labelled_months(site, months, changes[site_id]):
            period = periods.get((site_id, month))
            if period is not None and (period.status != PeriodStatus.OPEN or period.last_reminder_on == day):
                continue
            days_left = (deadline(month) - day).days
            if days_left < 0 or (month == last_ended and days_left <= REMINDER_DUE_SOON_DAYS):
                due.append(month)
        if due:
            sent += _site_reminders_send(
                site=site, users=list(recipients[site_id].values()), months=due, day=day, deadline=deadline
            )
    return sent


@transaction.atomic
def _site_reminders_send(
    *, site: Site, users: list, months: list[datetime.date], day: datetime.date, deadline
) -> int:
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.urls import reverse
    from django.utils import formats, translation
    from django.utils.translation import ngettext

    from spro.urls_helpers import absolute_url

    claimed = []
    for month in months:
        # Created open on first use: a month nobody has started yet is late all the same.
        period = period_get_or_create(site=site, day=month)
        if period.status != PeriodStatus.OPEN or period.last_reminder_on == day:
            continue  # Submitted or reminded meanwhile (a concurrent run).
        period.last_reminder_on = day
        period.save(update_fields=["last_reminder_on"])
        claimed.append(period)
    if not claimed:
        return 0

    def periods_link(year: int) -> str:
        return absolute_url(reverse("stats:site_periods", kwargs={"slug": site.slug, "year": year}))

    platform = settings.SPRO_PLATFORM_NAME
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        for period in sorted(claimed, key=lambda p: p.month):
            values = {
                "month": formats.date_format(period.month, "F Y"),
                "date": formats.date_format(deadline(period.month), "SHORT_DATE_FORMAT"),
            }
            if deadline(period.month) < day:
                lines.append(_("- %(month)s : en retard (attendu le %(date)s)") % values)
            else:
                lines.append(_("- %(month)s : à transmettre au plus tard le %(date)s") % values)
        subject = ngettext(
            "[%(platform)s] Statistiques de %(site)s : %(count)d mois à transmettre",
            "[%(platform)s] Statistiques de %(site)s : %(count)d mois à transmettre",
            len(claimed),
        ) % {"platform": platform, "site": site.name, "count": len(claimed)}
        links = [periods_link(year) for year in sorted({p.month.year for p in claimed})]
        messages = [
            EmailMessage(
                subject=subject,
                body="\n".join(
                    [
                        _("Bonjour %(name)s,") % {"name": user.first_name or user.get_username()},
                        "",
                        _("Les statistiques de fréquentation de %(site)s sont attendues pour :")
                        % {"site": site.name},
                        "",
                        *lines,
                        "",
                        _(
                            "Saisissez ou importez les données, puis soumettez chaque mois depuis la page "
                            "des périodes :"
                        ),
                        *links,
                        "",
                        _("Si le site était fermé, indiquez-le à la coordination régionale."),
                        "",
                        "— " + platform,
                    ]
                ),
                to=[user.email],
            )
            for user in users
        ]
    # Sent inside the transaction: if the server refuses a message, the claims roll back and the
    # task's retry sends the reminder again.
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)


# --- Warnings that don't block --------------------------------------------------------------------

# A month counts as "far outside the site's own history" when it is this many times above or below
# the median of the site's previous twelve months with data (at least three such months).
UNUSUAL_MONTH_FACTOR = 3
UNUSUAL_MONTH_MIN_HISTORY = 3


def period_unusual_warning(*, period: Period) -> str | None:
    """A warning when a month's total is far from the site's recent months; None otherwise."""
    import statistics

    from django.db.models import Sum

    from .models import MonthlyCount

    def totals(months_qs):
        return dict(months_qs.values("month").annotate(n=Sum("count")).values_list("month", "n"))

    site_totals = MonthlyCount.objects.filter(site_id=period.site_id, dimension=Dimension.TOTAL)
    total = totals(site_totals.filter(month=period.month)).get(period.month, 0)
    year_before = period.month.replace(year=period.month.year - 1)
    history = [
        n for n in totals(site_totals.filter(month__lt=period.month, month__gte=year_before)).values() if n
    ]
    if len(history) < UNUSUAL_MONTH_MIN_HISTORY:
        return None
    median = statistics.median(history)
    if total > median * UNUSUAL_MONTH_FACTOR or total * UNUSUAL_MONTH_FACTOR < median:
        return _(
            "Le total de %(month)s (%(total)s passages) est très éloigné des mois précédents du site "
            "(médiane : %(median)s). Vérifiez la saisie avant de poursuivre."
        ) % {"month": period.month.strftime("%m/%Y"), "total": total, "median": round(median)}
    return None
