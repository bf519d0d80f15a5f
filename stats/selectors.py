"""Reads of the statistics app. Every figure comes from the roll-up tables, never from raw visits.

Callers pass site ids already filtered through `Site.objects.data_visible_to(user)`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.enums import LabelStatus
from sites.models import LabelStatusChange, Site

from .enums import Dimension, PeriodStatus
from .models import DIMENSION_MODELS, MonthlyCount, MonthlyCrossCount, Period, Sex, first_of_month, next_month


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of the months from start to end, both included."""
    months, month = [], first_of_month(start)
    while month <= first_of_month(end):
        months.append(month)
        month = next_month(month)
    return months


def sexes() -> list[Sex]:
    return list(Sex.objects.all())


def _labels_and_order(dimension: str) -> tuple[dict[int, str], dict[int, int]]:
    """Labels of a dimension's items by id (0 for 'not given' or 'no referral'), and their order."""
    if dimension == Dimension.TOTAL:
        return {0: _("Total")}, {0: 0}
    labels = {0: _("Aucune orientation") if dimension == Dimension.REFERRAL else _("Non renseigné")}
    order = {}
    for n, (pk, label) in enumerate(DIMENSION_MODELS[dimension].objects.values_list("pk", "label")):
        labels[pk] = label
        order[pk] = n
    order[0] = len(order) + 1
    return labels, order


def item_labels(dimension: str) -> dict[int, str]:
    return _labels_and_order(dimension)[0]


def _item_order(dimension: str) -> dict[int, int]:
    return _labels_and_order(dimension)[1]


def _counts(site_ids, start, end, dimension):
    return MonthlyCount.objects.filter(
        site_id__in=list(site_ids), dimension=dimension, month__gte=first_of_month(start), month__lte=end
    )


@dataclass
class Row:
    item_id: int
    label: str
    by_sex: dict[int, int]
    total: int
    share: float | None = None


def breakdowns(site_ids, start: datetime.date, end: datetime.date, dimensions) -> dict[str, list[Row]]:
    """Counts of several dimensions' items over a date range, by sex, with each item's share.

    One query reads the cells of every dimension (and the total); one per dimension reads its labels.
    """
    dimensions = list(dimensions)
    cells = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for dimension, item_id, sex_id, count in (
        MonthlyCount.objects.filter(
            site_id__in=list(site_ids),
            dimension__in=[*dimensions, Dimension.TOTAL],
            month__gte=first_of_month(start),
            month__lte=end,
        )
        .values("dimension", "item_id", "sex_id")
        .annotate(n=Sum("count"))
        .values_list("dimension", "item_id", "sex_id", "n")
    ):
        if count:
            cells[dimension][item_id][sex_id] += count
    grand_total = sum(sum(by_sex.values()) for by_sex in cells[Dimension.TOTAL].values())
    result = {}
    for dimension in dimensions:
        labels, order = _labels_and_order(dimension)
        rows = []
        for item_id, by_sex in cells[dimension].items():
            total = sum(by_sex.values())
            rows.append(
                Row(
                    item_id=item_id,
                    label=labels.get(item_id, _("Modalité supprimée")),
                    by_sex=dict(by_sex),
                    total=total,
                    share=(total / grand_total) if grand_total else None,
                )
            )
        rows.sort(key=lambda r: order.get(r.item_id, 10_000))
        result[dimension] = rows
    return result


def breakdown(site_ids, start: datetime.date, end: datetime.date, dimension: str) -> list[Row]:
    """Counts of one dimension's items over a date range, by sex, with each item's share."""
    return breakdowns(site_ids, start, end, [dimension])[dimension]


def total_visits(site_ids, start: datetime.date, end: datetime.date) -> int:
    return _counts(site_ids, start, end, Dimension.TOTAL).aggregate(n=Sum("count"))["n"] or 0


def monthly_volumes(
    site_ids, start: datetime.date, end: datetime.date
) -> dict[datetime.date, dict[int, int]]:
    """Visits per month and sex over a range (months without data are absent)."""
    volumes = defaultdict(lambda: defaultdict(int))
    for month, sex_id, count in (
        _counts(site_ids, start, end, Dimension.TOTAL)
        .values("month", "sex_id")
        .annotate(n=Sum("count"))
        .values_list("month", "sex_id", "n")
    ):
        volumes[month][sex_id] += count
    return {month: dict(by_sex) for month, by_sex in volumes.items()}


@dataclass
class MonthCompared:
    month: datetime.date
    count: int
    previous: int | None
    change: float | None


def year_on_year(site_ids, start: datetime.date, end: datetime.date) -> list[MonthCompared]:
    """Each month of the range with the same month a year earlier."""
    months = months_between(start, end)
    previous_start = months[0].replace(year=months[0].year - 1)
    volumes = monthly_volumes(site_ids, previous_start, end)
    rows = []
    for month in months:
        count = sum(volumes.get(month, {}).values())
        previous_month = month.replace(year=month.year - 1)
        previous = sum(volumes.get(previous_month, {}).values()) if previous_month in volumes else None
        change = ((count - previous) / previous) if previous else None
        rows.append(MonthCompared(month=month, count=count, previous=previous, change=change))
    return rows


def yearly_trend(site_ids, first_year: int, last_year: int) -> list[tuple[int, int]]:
    """Visits per year, for the long-term trend."""
    totals = defaultdict(int)
    for month, count in (
        _counts(site_ids, datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 1), Dimension.TOTAL)
        .values("month")
        .annotate(n=Sum("count"))
        .values_list("month", "n")
    ):
        totals[month.year] += count
    return [(year, totals.get(year, 0)) for year in range(first_year, last_year + 1)]


@dataclass
class CrossTab:
    row_labels: list[tuple[int, str]]
    col_labels: list[tuple[int, str]]
    cells: dict[tuple[int, int], int]

    def row_total(self, row_id):
        return sum(v for (r, _c), v in self.cells.items() if r == row_id)

    def col_total(self, col_id):
        return sum(v for (_r, c), v in self.cells.items() if c == col_id)


def cross_tab(site_ids, start: datetime.date, end: datetime.date, row_dim: str, col_dim: str) -> CrossTab:
    """A cross-tabulation of two dimensions (detailed periods only: totals carry no cross detail)."""
    if col_dim == "sex":
        cells = {
            (item, sex): count
            for item, sex, count in _counts(site_ids, start, end, row_dim)
            .values("item_id", "sex_id")
            .annotate(n=Sum("count"))
            .values_list("item_id", "sex_id", "n")
            if count
        }
        col_labels = [(s.pk, s.label) for s in sexes()]
    else:
        cells = {
            (row, col): count
            for row, col, count in MonthlyCrossCount.objects.filter(
                site_id__in=list(site_ids),
                row_dimension=row_dim,
                col_dimension=col_dim,
                month__gte=first_of_month(start),
                month__lte=end,
            )
            .values("row_item_id", "col_item_id")
            .annotate(n=Sum("count"))
            .values_list("row_item_id", "col_item_id", "n")
            if count
        }
        labels, order = _labels_and_order(col_dim)
        used = sorted({c for _r, c in cells}, key=lambda i: order.get(i, 10_000))
        col_labels = [(i, labels.get(i, "?")) for i in used]
    labels, order = _labels_and_order(row_dim)
    used_rows = sorted({r for r, _c in cells}, key=lambda i: order.get(i, 10_000))
    return CrossTab(
        row_labels=[(i, labels.get(i, "?")) for i in used_rows], col_labels=col_labels, cells=cells
    )


def suppress_small_cells(value: int | None) -> int | None:
    """Published figures hide small cells so that nobody can be singled out."""
    if value is None:
        return None
    return value if value == 0 or value >= settings.SPRO_SMALL_CELL_THRESHOLD else None


# --- Completeness and timeliness -------------------------------------------------------------


def labelled_months(site: Site, months: list[datetime.date], changes: list[LabelStatusChange]) -> list:
    """The months, among those given, at whose end the site held the label."""
    result = []
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.created_at))
    for month in months:
        month_end = next_month(month) - datetime.timedelta(days=1)
        status = None
        for change in ordered:
            if change.effective_on <= month_end:
                status = change.status
        if not ordered:
            labelled_since = site.labelled_on
            status = site.label_status if labelled_since is None or labelled_since <= month_end else None
        if status == LabelStatus.LABELLED:
            result.append(month)
    return result


@dataclass
class Completeness:
    site: Site
    expected: int
    submitted: int
    on_time: int

    @property
    def completeness_rate(self) -> float | None:
        return self.submitted / self.expected if self.expected else None

    @property
    def timeliness_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


def completeness(sites, start: datetime.date, end: datetime.date) -> list[Completeness]:
    """Per site: months expected (labelled, ended, in range), handed in, and handed in on time.

    Rates can't pass 100 %: only expected months are counted on both sides.
    """
    last_ended = first_of_month(timezone.localdate()) - datetime.timedelta(days=1)
    months = months_between(start, min(end, last_ended)) if start <= last_ended else []
    sites = list(sites)
    changes = defaultdict(list)
    for change in LabelStatusChange.objects.filter(site__in=sites):
        changes[change.site_id].append(change)
    periods = defaultdict(dict)
    for period in Period.objects.filter(site__in=sites, month__in=months).exclude(status=PeriodStatus.OPEN):
        periods[period.site_id][period.month] = period
    result = []
    for site in sites:
        expected = labelled_months(site, months, changes[site.pk])
        handed = [periods[site.pk][m] for m in expected if m in periods[site.pk]]
        result.append(
            Completeness(
                site=site,
                expected=len(expected),
                submitted=len(handed),
                on_time=sum(1 for p in handed if p.was_on_time),
            )
        )
    return result


def region_completeness(rows: list[Completeness]) -> Completeness | None:
    if not rows:
        return None
    return Completeness(
        site=None,
        expected=sum(r.expected for r in rows),
        submitted=sum(r.submitted for r in rows),
        on_time=sum(r.on_time for r in rows),
    )
