"""Detailed periods: record, correct and delete one anonymous visit, and move the roll-ups with it."""

import datetime
from collections import Counter

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
        # An instance, or its id (the API's ingestion passes ids).
        if values.get(name) is None and values.get(f"{name}_id") is None:
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


# Two identical entries by the same person at the same desk within this many seconds are most
# likely one visit recorded twice (Enter pressed again): the desk asks before recording the second.
DUPLICATE_WINDOW_SECONDS = 10


def _same_id(value) -> int | None:
    return getattr(value, "pk", value)


def visit_recent_duplicate(
    *, site: Site, author, themes=(), referrals=(), within: int = DUPLICATE_WINDOW_SECONDS, **values
) -> Visit | None:
    """The visit the same person recorded at this site in the last `within` seconds, if it holds
    exactly these values (same choices, day and half-day); None otherwise. Reads only."""
    if not getattr(author, "pk", None):
        return None
    since = timezone.now() - datetime.timedelta(seconds=within)
    last = (
        Visit.objects.filter(site=site, created_by=author, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .prefetch_related("themes", "referrals")
        .first()
    )
    if last is None:
        return None
    if last.visited_on != values.get("visited_on") or last.half_day != (values.get("half_day") or ""):
        return None
    for name in VISIT_FIELDS[2:]:
        if getattr(last, f"{name}_id") != _same_id(values.get(name)):
            return None
    if {t.pk for t in last.themes.all()} != {_same_id(t) for t in themes}:
        return None
    if {r.pk for r in last.referrals.all()} != {_same_id(r) for r in referrals}:
        return None
    return last


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


@transaction.atomic
def visits_ingest(*, site: Site, author, visits: list[dict], dry_run: bool = False) -> dict:
    """Record many anonymous visits of one site at once (the partner API's ingestion): all or none.

    `visits` are validated values (model instances for the choices, `themes` and `referrals` as
    lists of ids). Each month touched must accept the author's data (stats.write_period): an open
    period for a site's own software, whatever the request's size. The roll-ups move once for the
    whole batch, and each period's history gets one line. With `dry_run`, nothing is written but the
    answer is the same. Returns {"visits": n, "months": [(month, n), ...]}.
    """
    if not visits:
        raise ValidationError(_("Aucun passage à enregistrer."))
    for values in visits:
        values.setdefault("half_day", "")
        _validate_visit(values)
    by_month = {}
    for values in visits:
        by_month.setdefault(first_of_month(values["visited_on"]), []).append(values)
    periods = {}
    for month in sorted(by_month):
        existing = Period.objects.select_for_update().filter(site=site, month=month).first()
        # Checked before anything is created: a dry run leaves no empty period behind.
        period = existing or Period(site=site, month=month)
        _check_writable(period=period, user=author, mode=PeriodMode.DETAILED)
        periods[month] = period
    summary = {
        "visits": len(visits),
        "months": [(month, len(rows)) for month, rows in sorted(by_month.items())],
    }
    if dry_run:
        return summary
    for month, period in periods.items():
        if period.pk is None:
            period = period_get_or_create(site=site, day=month)
            periods[month] = period
        if not period.mode:
            period.mode = PeriodMode.DETAILED
            period.save(update_fields=["mode"])
    _bulk_record(site, periods, visits)
    for month, rows in by_month.items():
        _log_change(period=periods[month], user=author, details={"visits_ingested": len(rows)})
    return summary


def _bulk_record(site: Site, periods: dict, visits: list[dict]) -> None:
    """Insert the visits, their themes and referrals, and add them to the roll-ups in one pass."""
    created = Visit.objects.bulk_create(
        [
            Visit(
                site=site,
                period=periods[first_of_month(values["visited_on"])],
                **{name: value for name, value in values.items() if name.removesuffix("_id") in VISIT_FIELDS},
            )
            for values in visits
        ]
    )
    themes, referrals = [], []
    cells, cross = Counter(), Counter()
    for visit, values in zip(created, visits, strict=True):
        theme_ids = sorted(set(values.get("themes", ())))
        referral_ids = sorted(set(values.get("referrals", ())))
        themes += [Visit.themes.through(visit_id=visit.pk, theme_id=pk) for pk in theme_ids]
        referrals += [Visit.referrals.through(visit_id=visit.pk, referraltarget_id=pk) for pk in referral_ids]
        visit_cells, visit_cross = rollups.visit_cells(
            visit, rollups.visit_values(visit, theme_ids, referral_ids)
        )
        cells.update(visit_cells)
        cross.update(visit_cross)
    Visit.themes.through.objects.bulk_create(themes)
    Visit.referrals.through.objects.bulk_create(referrals)
    rollups.apply(cells, cross)
