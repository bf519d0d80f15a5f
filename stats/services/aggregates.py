"""Aggregate periods: the blocking rules on a month's totals, and their entry or import."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site

from .. import rollups
from ..enums import MULTI_VALUED, Dimension, PeriodAction, PeriodMode, PeriodStatus
from ..models import DIMENSION_MODELS, AggregateCount, Period, Sex, first_of_month
from .periods import _check_writable, _log_change, period_get_or_create


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
