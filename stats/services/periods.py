"""The monthly period of a site: get-or-create, who may write it, its transitions and their history."""

import datetime
import statistics
from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site
from spro.web.access import require

from ..enums import Dimension, PeriodAction, PeriodMode, PeriodStatus
from ..models import MonthlyCount, Period, PeriodEvent, first_of_month


def _coordination_only() -> str:
    return _("Seule la coordination régionale peut faire cette action.")


def period_get_or_create(*, site: Site, day: datetime.date) -> Period:
    """The period of a site's month, created open on first use; locked for the transaction."""
    period, _created = Period.objects.get_or_create(site=site, month=first_of_month(day))
    # Lock the period row: transitions and data writes on one month are serialised through it.
    return Period.objects.select_for_update().get(pk=period.pk)


def _closed_reason(period: Period) -> str:
    """Why a period refuses this person's data (stats.write_period): locked, or handed in."""
    month = period.month.strftime("%m/%Y")
    if period.status == PeriodStatus.LOCKED:
        return _(
            "La période %(month)s est verrouillée : demandez sa réouverture à la coordination régionale."
        ) % {"month": month}
    return _("La période %(month)s a été soumise : seule la coordination régionale peut la modifier.") % {
        "month": month
    }


def _check_writable(*, period: Period, user, mode: str) -> None:
    """The rules stats.enter_data (the period's site) and stats.write_period, each refusal explained."""
    require("stats.enter_data", user, period.site, _("Vous ne pouvez pas saisir de données pour ce site."))
    if not rules.test_rule("stats.write_period", user, period):
        raise ValidationError(_closed_reason(period))
    if period.mode and period.mode != mode:
        raise ValidationError(
            _("La période %(month)s est en %(mode)s : une période est détaillée ou agrégée, jamais les deux.")
            % {"month": period.month.strftime("%m/%Y"), "mode": PeriodMode(period.mode).label.lower()}
        )


def period_write_refusal(*, period: Period, user, mode: str) -> str | None:
    """Why the user may not write this period's data in this mode (None when they may), for pages.

    Pages use it to replace a form by an explanation before anyone types; the writes themselves
    still go through _check_writable, and both ask the same rules (stats/rules.py).
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
    require(
        "stats.enter_data", author, period.site, _("Vous ne pouvez pas soumettre les données de ce site.")
    )
    if not rules.test_rule("stats.submit_period", author, period):
        raise ValidationError(_("Seule une période ouverte peut être soumise."))
    if period.month >= first_of_month(timezone.localdate()):
        raise ValidationError(_("Un mois se soumet une fois terminé."))
    if not period.mode:
        raise ValidationError(_("Aucune donnée n'a été saisie pour ce mois."))
    _transition(period=period, author=author, action=PeriodAction.SUBMIT, to_status=PeriodStatus.SUBMITTED)
    period.submitted_at = timezone.now()
    period.save(update_fields=["status", "submitted_at"])
    return period


@transaction.atomic
def period_validate(*, period: Period, author) -> Period:
    """The regional coordination accepts a submitted month."""
    require("stats.manage_periods", author, period, _coordination_only())
    period = _locked(period)
    if not rules.test_rule("stats.validate_period", author, period):
        raise ValidationError(_("Seule une période soumise peut être validée."))
    _transition(period=period, author=author, action=PeriodAction.VALIDATE, to_status=PeriodStatus.VALIDATED)
    period.validated_at = timezone.now()
    period.save(update_fields=["status", "validated_at"])
    return period


@dataclass
class ValidationOutcome:
    """What validating one period of a batch did: validated, or why not."""

    period: Period
    validated: bool
    message: str


def periods_validate(*, periods, author) -> list[ValidationOutcome]:
    """Validate several sites' months in one step, each through period_validate.

    Each period goes through the same rule as alone (stats.validate_period), in its own
    transaction: one refused (no longer submitted, reopened meanwhile…) leaves the others
    validated, and the answer says, period by period, what happened.
    """
    outcomes = []
    for period in periods:
        try:
            validated = period_validate(period=period, author=author)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            outcomes.append(ValidationOutcome(period=period, validated=False, message=" ".join(messages)))
        else:
            outcomes.append(ValidationOutcome(period=validated, validated=True, message=_("Validée.")))
    return outcomes


@transaction.atomic
def period_lock(*, period: Period, author) -> Period:
    """Freeze a validated month: the figures published to partners and in reports stop moving."""
    require("stats.manage_periods", author, period, _coordination_only())
    period = _locked(period)
    if not rules.test_rule("stats.lock_period", author, period):
        raise ValidationError(_("Seule une période validée peut être verrouillée."))
    _transition(period=period, author=author, action=PeriodAction.LOCK, to_status=PeriodStatus.LOCKED)
    period.lock()
    period.save(update_fields=["status", "locked_at"])
    return period


@transaction.atomic
def period_reopen(*, period: Period, author, reason: str) -> Period:
    """Give a month back to the site, with a reason kept in the history."""
    require("stats.manage_periods", author, period, _coordination_only())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la réouverture.")})
    period = _locked(period)
    if not rules.test_rule("stats.reopen_period", author, period):
        raise ValidationError(_("La période est déjà ouverte."))
    _transition(
        period=period, author=author, action=PeriodAction.REOPEN, to_status=PeriodStatus.OPEN, reason=reason
    )
    period.reopen_reason = reason
    period.save(update_fields=["status", "reopen_reason"])
    return period


# --- Warnings that don't block --------------------------------------------------------------------

# A month counts as "far outside the site's own history" when it is this many times above or below
# the median of the site's previous twelve months with data (at least three such months).
UNUSUAL_MONTH_FACTOR = 3
UNUSUAL_MONTH_MIN_HISTORY = 3


def period_unusual_warning(*, period: Period) -> str | None:
    """A warning when a month's total is far from the site's recent months; None otherwise."""

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
