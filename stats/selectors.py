"""Reads of the statistics app. Every figure comes from the roll-up tables, never from raw visits.

Callers pass site ids already filtered through `Site.objects.data_visible_to(user)`.
"""

import bisect
import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.enums import LabelStatus
from sites.models import LabelStatusChange, Site

from .enums import Dimension, PeriodStatus
from .models import (
    DIMENSION_MODELS,
    MonthlyCount,
    MonthlyCrossCount,
    Period,
    RegionYearlyCount,
    SatisfactionCount,
    SatisfactionQuestion,
    SatisfactionYearlyCount,
    Sex,
    YearlyCount,
    YearlyCrossCount,
    first_of_month,
    next_month,
)


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


def _counts(site_ids, start, end, dimension):
    return MonthlyCount.objects.filter(
        site_id__in=list(site_ids), dimension=dimension, month__gte=first_of_month(start), month__lte=end
    )


@dataclass
class Split:
    """A date range as whole calendar years plus the months left over at either end.

    A range covers month m when first_of_month(start) <= m <= end (as the monthly reads always did);
    a year is whole when it covers January to December. Whole years are read from the yearly
    roll-ups, the rest from the monthly ones: ten years cost ten rows per cell instead of 120.
    """

    years: list[int]
    months: list[tuple[datetime.date, datetime.date]]  # ranges of months, both ends included


def split_range(start: datetime.date, end: datetime.date, today: datetime.date | None = None) -> Split:
    """Split a range; the current year counts as whole once the range reaches the current month.

    No roll-up holds a month that has not begun (visits and totals in the future are refused by
    stats.services), so the current year's yearly row holds exactly its months so far: a range
    ending today reads its last year from one yearly row instead of up to twelve monthly ones.
    """
    first, last = first_of_month(start), first_of_month(end)
    if first > last:
        return Split(years=[], months=[])
    current_month = first_of_month(today or timezone.localdate())
    first_whole = first.year if first.month == 1 else first.year + 1
    last_whole = last.year if last.month == 12 or last >= current_month else last.year - 1
    if first_whole > last_whole:
        return Split(years=[], months=[(first, last)])
    months = []
    if first.year < first_whole:
        months.append((first, datetime.date(first.year, 12, 1)))
    if last.year > last_whole:
        months.append((datetime.date(last.year, 1, 1), last))
    return Split(years=list(range(first_whole, last_whole + 1)), months=months)


def _month_ranges(months) -> Q:
    condition = Q()
    for low, high in months:
        condition |= Q(month__gte=low, month__lte=high)
    return condition


def _summed(
    monthly, yearly, site_ids, start, end, filters: dict, group: list[str], values=("count",), region=None
):
    """Sum the values (count) of matching cells over a range, grouped by `group`, as (*group, *sums).

    One query whatever the range: the whole years' rows (yearly table) and the leftover months'
    rows (monthly table), each grouped in the database, are joined by UNION ALL; the caller adds up
    the two lines a group may get. Dashboards keep their fixed number of queries. `region`: a
    yearly table already summed over every site, read instead of `yearly` when the caller says
    that site_ids are every site.
    """
    split = split_range(start, end)
    site_ids = list(site_ids)
    parts = []
    if split.months:
        parts.append(monthly.objects.filter(_month_ranges(split.months), site_id__in=site_ids, **filters))
    if split.years and region is not None:
        parts.append(region.objects.filter(year__in=split.years, **filters))
    elif split.years:
        parts.append(yearly.objects.filter(site_id__in=site_ids, year__in=split.years, **filters))
    if not parts:
        return []
    sums = {f"sum_{name}": Sum(name) for name in values}
    parts = [rows.order_by().values(*group).annotate(**sums).values_list(*group, *sums) for rows in parts]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


@dataclass
class Row:
    item_id: int
    label: str
    by_sex: dict[int, int]
    total: int
    share: float | None = None


def breakdowns(
    site_ids, start: datetime.date, end: datetime.date, dimensions, every_site: bool = False
) -> dict[str, list[Row]]:
    """Counts of several dimensions' items over a date range, by sex, with each item's share.

    One query reads the cells of every dimension (and the total); one per dimension reads its labels.
    `every_site`: site_ids are all the platform's sites (the whole years then come from
    RegionYearlyCount: 1,600 rows for ten years of a 50-site region instead of 80,000).
    """
    dimensions = list(dimensions)
    cells = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for dimension, item_id, sex_id, count in _summed(
        MonthlyCount,
        YearlyCount,
        site_ids,
        start,
        end,
        {"dimension__in": [*dimensions, Dimension.TOTAL]},
        ["dimension", "item_id", "sex_id"],
        region=RegionYearlyCount if every_site else None,
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
    rows = _summed(
        MonthlyCount, YearlyCount, site_ids, start, end, {"dimension": Dimension.TOTAL}, ["dimension"]
    )
    return sum(n or 0 for _dimension, n in rows)


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


def current_month(today: datetime.date | None = None) -> datetime.date:
    """The month not yet over: its figures are partial, never compared with a whole month."""
    return first_of_month(today or timezone.localdate())


def year_in_progress(year: int, today: datetime.date | None = None) -> bool:
    """Whether a year is not yet over: its total is partial, never compared with a whole year."""
    return year == (today or timezone.localdate()).year


@dataclass
class MonthCompared:
    month: datetime.date
    count: int
    previous: int | None
    change: float | None
    # The month is not over: shown as « mois en cours », without the previous month nor a change
    # (one day into December, 71 visits against a whole December's 1,702 read as −95.8 %).
    in_progress: bool = False


def year_on_year_start(start: datetime.date) -> datetime.date:
    """The first month year_on_year reads: a year before the range's first month."""
    first = first_of_month(start)
    return first.replace(year=first.year - 1)


def year_on_year(site_ids, start: datetime.date, end: datetime.date, volumes=None) -> list[MonthCompared]:
    """Each month of the range with the same month a year earlier.

    `volumes`: monthly_volumes from year_on_year_start(start) to end, when the caller has them.
    """
    months = months_between(start, end)
    if volumes is None:
        volumes = monthly_volumes(site_ids, year_on_year_start(start), end)
    rows = []
    ongoing = current_month()
    for month in months:
        count = sum(volumes.get(month, {}).values())
        if month >= ongoing:
            rows.append(MonthCompared(month=month, count=count, previous=None, change=None, in_progress=True))
            continue
        previous_month = month.replace(year=month.year - 1)
        previous = sum(volumes.get(previous_month, {}).values()) if previous_month in volumes else None
        change = ((count - previous) / previous) if previous else None
        rows.append(MonthCompared(month=month, count=count, previous=previous, change=change))
    return rows


def yearly_trend(site_ids, first_year: int, last_year: int) -> list[tuple[int, int]]:
    """Visits per year, for the long-term trend, from the first year with data.

    Whole years from the yearly roll-up only: the current year is there too, holding its months
    so far, exactly what the sum of its monthly rows gave (year_in_progress tells it apart). The
    years before the first visit recorded are left out, not given as zeros: a site labelled three
    years ago has no "cliff" seven years back. A year without data after the first one is a zero.
    Empty when no year of the range holds data.
    """
    totals = dict(
        YearlyCount.objects.filter(
            site_id__in=list(site_ids),
            dimension=Dimension.TOTAL,
            year__gte=first_year,
            year__lte=last_year,
        )
        .order_by()
        .values("year")
        .annotate(n=Sum("count"))
        .values_list("year", "n")
    )
    first_with_data = min((year for year, count in totals.items() if count), default=None)
    if first_with_data is None:
        return []
    return [(year, totals.get(year, 0)) for year in range(max(first_year, first_with_data), last_year + 1)]


@dataclass
class CrossTab:
    row_labels: list[tuple[int, str]]
    col_labels: list[tuple[int, str]]
    cells: dict[tuple[int, int], int]


def cross_tab(site_ids, start: datetime.date, end: datetime.date, row_dim: str, col_dim: str) -> CrossTab:
    """A cross-tabulation of two dimensions (detailed periods only: totals carry no cross detail)."""
    if col_dim == "sex":
        cells = defaultdict(int)
        for item, sex, count in _summed(
            MonthlyCount, YearlyCount, site_ids, start, end, {"dimension": row_dim}, ["item_id", "sex_id"]
        ):
            cells[(item, sex)] += count
        cells = {key: count for key, count in cells.items() if count}
        col_labels = [(s.pk, s.label) for s in sexes()]
    else:
        cells = defaultdict(int)
        for row, col, count in _summed(
            MonthlyCrossCount,
            YearlyCrossCount,
            site_ids,
            start,
            end,
            {"row_dimension": row_dim, "col_dimension": col_dim},
            ["row_item_id", "col_item_id"],
        ):
            cells[(row, col)] += count
        cells = {key: count for key, count in cells.items() if count}
        labels, order = _labels_and_order(col_dim)
        used = sorted({c for _r, c in cells}, key=lambda i: order.get(i, 10_000))
        col_labels = [(i, labels.get(i, "?")) for i in used]
    labels, order = _labels_and_order(row_dim)
    used_rows = sorted({r for r, _c in cells}, key=lambda i: order.get(i, 10_000))
    return CrossTab(
        row_labels=[(i, labels.get(i, "?")) for i in used_rows], col_labels=col_labels, cells=cells
    )


@dataclass
class SatisfactionResult:
    label: str
    answers: int
    average: float | None


def satisfaction(site_ids, start: datetime.date, end: datetime.date) -> tuple[int, list[SatisfactionResult]]:
    """The number of questionnaires over a range of months, and each question's answers and average.

    Read from the satisfaction roll-ups (question 0 = the questionnaires): whole years from the
    yearly one, the months left over from the monthly one, as the visits (_summed); in the order
    of the questions' list.
    """
    sums = defaultdict(lambda: (0, 0))
    for question_id, answers, value_sum in _summed(
        SatisfactionCount,
        SatisfactionYearlyCount,
        site_ids,
        start,
        end,
        {},
        ["question_id"],
        values=("answers", "value_sum"),
    ):
        before = sums[question_id]
        sums[question_id] = (before[0] + answers, before[1] + value_sum)
    questionnaires = sums.pop(0, (0, 0))[0]
    if not sums:
        return questionnaires, []
    questions = SatisfactionQuestion.objects.filter(pk__in=list(sums)).order_by("order", "label")
    labels = dict(questions.values_list("pk", "label"))
    ordered = [*labels, *sorted(set(sums) - set(labels))]
    return questionnaires, [
        SatisfactionResult(
            label=labels.get(question_id, _("Question supprimée")),
            answers=sums[question_id][0],
            average=sums[question_id][1] / sums[question_id][0] if sums[question_id][0] else None,
        )
        for question_id in ordered
        if sums[question_id][0]
    ]


def suppress_small_cells(value: int | None) -> int | None:
    """Published figures hide small cells so that nobody can be singled out."""
    if value is None:
        return None
    return value if value == 0 or value >= settings.SPRO_SMALL_CELL_THRESHOLD else None


# --- Completeness and timeliness -------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _month_end(month: datetime.date) -> datetime.date:
    return next_month(month) - datetime.timedelta(days=1)


def labelled_months(site: Site, months: list[datetime.date], changes: list[LabelStatusChange]) -> list:
    """The months, among those given, at whose end the site held the label."""
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.created_at))
    # The status at a month's end is the last change in effect by then (bisect: a ten-year region
    # asks this for 6,000 months).
    effective = [change.effective_on for change in ordered]
    result = []
    for month in months:
        month_end = _month_end(month)
        if ordered:
            index = bisect.bisect_right(effective, month_end)
            status = ordered[index - 1].status if index else None
        else:
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
    expected = {site.pk: labelled_months(site, months, changes[site.pk]) for site in sites}
    counts = _handed_in_counts(expected)
    return [
        Completeness(
            site=site,
            expected=len(expected[site.pk]),
            submitted=counts.get(site.pk, (0, 0))[0],
            on_time=counts.get(site.pk, (0, 0))[1],
        )
        for site in sites
    ]


def _handed_in_counts(expected: dict[int, list[datetime.date]]) -> dict[int, tuple[int, int]]:
    """Per site, its periods handed in among its expected months, and those handed in on time.

    Counted in the database, one query: a region over ten years holds about 6,000 periods, and
    loading them as model instances to compute deadlines in Python cost ~200 ms (bench/README.md).
    Sites sharing the same expected months (most do) share one condition, so the query stays short.
    """
    sites_by_months = defaultdict(list)
    for site_id, months in expected.items():
        if months:
            sites_by_months[tuple(months)].append(site_id)
    if not sites_by_months:
        return {}
    wanted = Q()
    for months, site_ids in sites_by_months.items():
        wanted |= Q(site_id__in=site_ids, month__in=months)
    # On time (Period.was_on_time): local day of submission <= next_month(month) + DEADLINE - 1 day,
    # that is local day - DEADLINE days < next_month(month), that is the month of
    # (local day - DEADLINE days) <= month. Written so, the deadline needs no month arithmetic in SQL,
    # which SQLite and PostgreSQL spell differently; TruncDate takes the local date (USE_TZ).
    shifted = ExpressionWrapper(
        TruncDate("submitted_at") - datetime.timedelta(days=settings.SPRO_PERIOD_DEADLINE_DAYS),
        output_field=DateField(),
    )
    rows = (
        Period.objects.filter(wanted)
        .exclude(status=PeriodStatus.OPEN)
        .annotate(late_month=TruncMonth(shifted, output_field=DateField()))
        .order_by()
        .values("site_id")
        .annotate(handed=Count("pk"), on_time=Count("pk", filter=Q(late_month__lte=F("month"))))
        .values_list("site_id", "handed", "on_time")
    )
    return {site_id: (handed, on_time) for site_id, handed, on_time in rows}


def region_completeness(rows: list[Completeness]) -> Completeness | None:
    if not rows:
        return None
    return Completeness(
        site=None,
        expected=sum(r.expected for r in rows),
        submitted=sum(r.submitted for r in rows),
        on_time=sum(r.on_time for r in rows),
    )


def period_aggregate_counts(period: Period) -> dict[tuple[str, int, int], int]:
    """The totals typed for a period, by (dimension, item, sex); none for an unsaved period."""
    if not period.pk:
        return {}
    return {(row.dimension, row.item_id, row.sex_id): row.count for row in period.aggregate_counts.all()}


def expected_months(site: Site, months: list[datetime.date]) -> set[datetime.date]:
    """The months among these for which a site owes its figures, from its label status history."""
    return set(labelled_months(site, months, list(LabelStatusChange.objects.filter(site=site))))


def period_visits_by_sex(period: Period) -> list[tuple[Sex, int]]:
    """The visits of a period's month per sex, from the roll-up's total rows (sexes without any left out)."""
    by_sex = dict(
        MonthlyCount.objects.filter(site_id=period.site_id, month=period.month, dimension=Dimension.TOTAL)
        .values("sex_id")
        .annotate(n=Sum("count"))
        .values_list("sex_id", "n")
    )
    return [(sex, by_sex.get(sex.pk, 0)) for sex in Sex.objects.filter(pk__in=by_sex) if by_sex.get(sex.pk)]


# --- What a period holds, for whoever validates it --------------------------------------------

# The breakdowns shown with a month to validate, in the order of the dashboards.
REVIEW_DIMENSIONS = (
    Dimension.AGE_BAND,
    Dimension.SITUATION,
    Dimension.EDUCATION_LEVEL,
    Dimension.CONTACT_KIND,
    Dimension.CHANNEL,
    Dimension.THEME,
    Dimension.SERVICE_LEVEL,
    Dimension.REFERRAL,
)
# The breakdowns whose item 0 is an answer left blank ("Non renseigné"). The contact kind is always
# given, and no referral is an answer ("Aucune orientation"), so neither has a completeness.
OPTIONAL_DIMENSIONS = (
    Dimension.AGE_BAND,
    Dimension.SITUATION,
    Dimension.EDUCATION_LEVEL,
    Dimension.CHANNEL,
    Dimension.THEME,
    Dimension.SERVICE_LEVEL,
)
RECENT_MONTHS = 3


@dataclass
class BreakdownCompleteness:
    dimension: str
    label: str
    given: int  # visits for which the breakdown was given
    share: float | None  # of the month's visits


@dataclass
class PeriodReview:
    """A month as the coordination sees it before validating: totals, comparisons, completeness."""

    total: int
    by_sex: list[tuple[Sex, int]]
    breakdowns: dict[str, list[Row]]
    year_before: tuple[datetime.date, int | None]  # None: no data that month
    recent: list[tuple[datetime.date, int | None]]  # the three months before, oldest first
    completeness: list[BreakdownCompleteness]


def period_review(period: Period) -> PeriodReview:
    """What a period holds: its totals by sex and breakdown, the same month a year earlier, the
    three months before, and the share of its visits with each optional breakdown given.

    Read from the roll-ups: one query for the months compared, one for the breakdowns (and one
    per breakdown for its labels).
    """
    month = period.month
    month_end = next_month(month) - datetime.timedelta(days=1)
    year_before = month.replace(year=month.year - 1)
    volumes = monthly_volumes([period.site_id], year_before, month)
    recent, day = [], month
    for _n in range(RECENT_MONTHS):
        day = first_of_month(day - datetime.timedelta(days=1))
        recent.insert(0, (day, sum(volumes[day].values()) if day in volumes else None))
    by_sex_ids = volumes.get(month, {})
    by_sex = [(sex, by_sex_ids[sex.pk]) for sex in sexes() if by_sex_ids.get(sex.pk)]
    total = sum(by_sex_ids.values())
    rows = breakdowns([period.site_id], month, month_end, REVIEW_DIMENSIONS) if total else {}
    completeness = []
    for dimension in OPTIONAL_DIMENSIONS:
        blank = sum(row.total for row in rows.get(dimension, []) if row.item_id == 0)
        given = total - blank
        completeness.append(
            BreakdownCompleteness(
                dimension=str(dimension),
                label=str(Dimension(dimension).label),
                given=given,
                share=given / total if total else None,
            )
        )
    return PeriodReview(
        total=total,
        by_sex=by_sex,
        breakdowns={dimension: rows.get(dimension, []) for dimension in REVIEW_DIMENSIONS},
        year_before=(year_before, sum(volumes[year_before].values()) if year_before in volumes else None),
        recent=recent,
        completeness=completeness,
    )
