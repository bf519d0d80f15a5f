"""Detailed periods: record, correct and delete one anonymous visit, and move the roll-ups with it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site

from .. import rollups
from ..enums import Dimension, PeriodMode
from ..models import Period, Visit, first_of_month
from .periods import _check_writable, _log_change, period_get_or_create

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
