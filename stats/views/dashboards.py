"""Statistics dashboards (region, territory, site) and their CSV / XLSX exports.

Every figure comes from the roll-up tables through stats.selectors (monthly and yearly counts,
cross-tabulations, satisfaction), never from the raw visits nor the raw questionnaires, so a page
costs the same number of queries for ten sites or five hundred, for a thousand visits or ten
million.

Who sees what is stated in stats/rules.py and asked once, in stats.filters (the scope): the region
and territory pages are for the people who read the whole network (stats.read_region,
stats.read_territory: 403 for others), a site's page for them and the site's own coordinators
(stats.read_site; 404 for strangers). The export reuses the same scope.
"""

import datetime
from dataclasses import dataclass, field

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import charts, exports, selectors
from ..enums import MULTI_VALUED, Dimension
from ..filters import (
    CROSS_TABS,
    DEFAULT_CROSS_TAB,
    SEX,
    StatsScope,
    cross_tab_label,
    export_scope,
    region_scope,
    site_scope,
    territory_scope,
)
from ..models import Sex, first_of_month

# The breakdowns shown, in the order of the yearly report: who comes, how, for what, towards what.
BREAKDOWN_DIMENSIONS = (
    Dimension.AGE_BAND,
    Dimension.SITUATION,
    Dimension.EDUCATION_LEVEL,
    Dimension.CONTACT_KIND,
    Dimension.CHANNEL,
    Dimension.THEME,
    Dimension.SERVICE_LEVEL,
    Dimension.REFERRAL,
)
YEARS_IN_TREND = 10


@dataclass
class TableRow:
    label: str
    counts: list[int]  # one per sex, in the order of Figures.sexes
    total: int
    share: float | None = None

    @property
    def share_display(self) -> str:
        return charts.format_percent(self.share)


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[TableRow]
    multi_valued: bool = False
    chart: SafeString | None = None


@dataclass
class MonthRow:
    month: datetime.date
    label: str
    counts: list[int]
    total: int
    previous: int | None
    change: float | None
    in_progress: bool = False  # the month is not over (selectors.MonthCompared)

    @property
    def change_display(self) -> str:
        return _("mois en cours") if self.in_progress else charts.format_change(self.change)


@dataclass
class YearOfMonths:
    """One year of a long range, its months side by side (None: a month outside the range)."""

    year: int
    counts: list[int | None]  # January to December
    by_sex: list[int]  # in the order of Figures.sexes
    total: int
    previous: int | None = None  # the same months a year earlier (None: no data then)
    change: float | None = None
    in_progress: bool = False  # holds the month not yet over: never compared with a whole year

    @property
    def change_display(self) -> str:
        return _("année en cours") if self.in_progress else charts.format_change(self.change)


# Beyond two years, the month table becomes a table of years by months: one row per month over
# ten years made a 119-row table nobody reads (and a third of the page's time, bench/README.md).
MONTH_ROWS_MAX = 24


def years_of_months(months: list[MonthRow], sexes_count: int) -> list[YearOfMonths]:
    rows, incomplete = {}, set()
    for month in months:
        row = rows.get(month.month.year)
        if row is None:
            row = rows[month.month.year] = YearOfMonths(
                year=month.month.year, counts=[None] * 12, by_sex=[0] * sexes_count, total=0
            )
        row.counts[month.month.month - 1] = month.total
        row.total += month.total
        row.in_progress = row.in_progress or month.in_progress
        for n, count in enumerate(month.counts):
            row.by_sex[n] += count
        if month.previous is None:
            if month.total:
                incomplete.add(row.year)
        else:
            row.previous = (row.previous or 0) + month.previous
    for row in rows.values():
        # A year compares with the year before only if each of its months with visits can (a year
        # whose first months were not recorded a year earlier would show +1,000 %).
        if row.year in incomplete or row.in_progress:
            row.previous = None
        row.change = ((row.total - row.previous) / row.previous) if row.previous else None
    return list(rows.values())


@dataclass
class CrossTable:
    key: str
    title: str
    col_labels: list[str]
    rows: list[TableRow]  # counts: one per column
    col_totals: list[int]
    total: int


@dataclass
class SatisfactionRow:
    label: str
    answers: int
    average: float | None

    @property
    def average_display(self) -> str:
        return charts.format_number(self.average, 1) if self.average is not None else "—"


@dataclass
class Figures:
    """Everything a dashboard or an export shows for one scope."""

    sexes: list[Sex]
    total: int
    by_sex: list[TableRow]
    months: list[MonthRow]
    yearly: list[tuple[int, int]]
    breakdowns: list[Breakdown]
    cross_tables: list[CrossTable]
    satisfaction_responses: int
    satisfaction: list[SatisfactionRow]
    completeness: list
    completeness_total: object
    charts: dict = field(default_factory=dict)
    # The months as a table of years (long ranges only, see MONTH_ROWS_MAX).
    years_of_months: list[YearOfMonths] = field(default_factory=list)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _breakdown(dimension: str, rows: list, sexes: list[Sex]) -> Breakdown:
    rows = [
        TableRow(
            label=row.label,
            counts=[row.by_sex.get(sex.pk, 0) for sex in sexes],
            total=row.total,
            share=row.share,
        )
        for row in rows
    ]
    return Breakdown(
        key=str(dimension),
        title=str(Dimension(dimension).label),
        rows=rows,
        multi_valued=dimension in MULTI_VALUED,
    )


def cross_table(scope: StatsScope, key: str) -> CrossTable:
    """One cross-tabulation, as rows of counts per column with their totals."""
    row_dim, col_dim = CROSS_TABS[key]
    tab = selectors.cross_tab(scope.site_ids, scope.start, scope.end, row_dim, col_dim)
    col_ids = [col_id for col_id, _label in tab.col_labels]
    rows = []
    for row_id, label in tab.row_labels:
        counts = [tab.cells.get((row_id, col_id), 0) for col_id in col_ids]
        rows.append(TableRow(label=label, counts=counts, total=sum(counts)))
    col_totals = [sum(row.counts[n] for row in rows) for n in range(len(col_ids))]
    return CrossTable(
        key=key,
        title=cross_tab_label(key),
        col_labels=[label for _id, label in tab.col_labels],
        rows=rows,
        col_totals=col_totals,
        total=sum(col_totals),
    )


def _satisfaction(scope: StatsScope) -> tuple[int, list[SatisfactionRow]]:
    responses, results = selectors.satisfaction(scope.site_ids, scope.start, scope.end)
    return responses, [
        SatisfactionRow(label=row.label, answers=row.answers, average=row.average) for row in results
    ]


def build_figures(scope: StatsScope, *, cross_keys=(DEFAULT_CROSS_TAB,), with_charts: bool = True) -> Figures:
    """Read every figure of a scope from the roll-ups (a fixed number of queries, see the tests)."""
    site_ids = scope.site_ids
    sexes = selectors.sexes()
    # One read of the months for the range and the year before it (year on year).
    all_volumes = selectors.monthly_volumes(site_ids, selectors.year_on_year_start(scope.start), scope.end)
    first = first_of_month(scope.start)
    volumes = {month: by_sex for month, by_sex in all_volumes.items() if month >= first}
    total = sum(sum(month.values()) for month in volumes.values())
    months = _month_rows(scope, sexes, all_volumes, volumes)
    yearly = selectors.yearly_trend(site_ids, scope.end.year - YEARS_IN_TREND + 1, scope.end.year)
    # Without a single visit in the period, breakdowns and cross-tabulations would all be empty:
    # the page says so once instead of running their queries.
    breakdowns = _breakdowns(scope, sexes) if total else []
    cross_tables = [cross_table(scope, key) for key in cross_keys] if total else []
    responses, satisfaction = _satisfaction(scope)
    completeness = selectors.completeness(scope.sites, scope.start, scope.end)
    figures = Figures(
        sexes=sexes,
        total=total,
        by_sex=_by_sex(sexes, volumes, total),
        months=months,
        yearly=yearly,
        breakdowns=breakdowns,
        cross_tables=cross_tables,
        satisfaction_responses=responses,
        satisfaction=satisfaction,
        completeness=completeness,
        completeness_total=selectors.region_completeness(completeness),
    )
    if len(months) > MONTH_ROWS_MAX:
        figures.years_of_months = years_of_months(months, len(sexes))
    if with_charts:
        _add_charts(figures)
    return figures


def _by_sex(sexes: list[Sex], volumes: dict, total: int) -> list[TableRow]:
    """The period's visits by sex, with each one's share of the total."""
    total_by_sex = [sum(month.get(sex.pk, 0) for month in volumes.values()) for sex in sexes]
    return [
        TableRow(label=sex.label, counts=[count], total=count, share=_share(count, total))
        for sex, count in zip(sexes, total_by_sex, strict=True)
    ]


def _month_rows(scope: StatsScope, sexes: list[Sex], all_volumes: dict, volumes: dict) -> list[MonthRow]:
    """The months of the period by sex, each beside the same month a year before."""
    return [
        MonthRow(
            month=row.month,
            label=charts.format_month(row.month),
            counts=[volumes.get(row.month, {}).get(sex.pk, 0) for sex in sexes],
            total=row.count,
            previous=row.previous,
            change=row.change,
            in_progress=row.in_progress,
        )
        for row in selectors.year_on_year(scope.site_ids, scope.start, scope.end, volumes=all_volumes)
    ]


def _breakdowns(scope: StatsScope, sexes: list[Sex]) -> list[Breakdown]:
    """The period's visits broken down by each dimension of the dashboard."""
    rows = selectors.breakdowns(
        scope.site_ids, scope.start, scope.end, BREAKDOWN_DIMENSIONS, every_site=scope.every_site
    )
    return [_breakdown(dimension, rows[dimension], sexes) for dimension in BREAKDOWN_DIMENSIONS]


def _add_charts(figures: Figures) -> None:
    if figures.total:
        figures.charts["sex"] = charts.bar_chart(
            chart_id="graphique-sexe",
            title=_("Passages par sexe"),
            items=[(row.label, row.total) for row in figures.by_sex],
        )
        figures.charts["months"] = charts.line_chart(
            chart_id="graphique-mois",
            title=_("Passages par mois, comparés au même mois un an plus tôt"),
            labels=[charts.format_month(row.month, short=True) for row in figures.months],
            series=[
                (_("Période choisie"), [row.total for row in figures.months]),
                (_("Un an plus tôt"), [row.previous for row in figures.months]),
            ],
        )
    if any(count for _year, count in figures.yearly):
        figures.charts["yearly"] = charts.line_chart(
            chart_id="graphique-annees",
            title=_("Passages par année sur %(years)s ans") % {"years": len(figures.yearly)},
            labels=[charts.format_year(year) for year, _count in figures.yearly],
            series=[(_("Passages"), [count for _year, count in figures.yearly])],
        )
    for breakdown in figures.breakdowns:
        breakdown.chart = charts.bar_chart(
            chart_id=f"graphique-{breakdown.key}",
            title=_("%(dimension)s : nombre de passages") % {"dimension": breakdown.title},
            items=[(row.label, row.total) for row in breakdown.rows],
        )
    if figures.satisfaction:
        figures.charts["satisfaction"] = charts.bar_chart(
            chart_id="graphique-satisfaction",
            title=_("Satisfaction moyenne par question (sur 4)"),
            items=[(row.label, row.average or 0) for row in figures.satisfaction],
            max_value=4,
            value_format=lambda value: charts.format_number(value, 1),
        )


# Views.

PERIOD_FIELDS = ("period", "start", "end")
PLAIN_TEXT = "text/plain; charset=utf-8"


def _export_url(file_format: str, items: list[tuple[str, str]]) -> str:
    return f"{reverse('stats:export')}?{urlencode([('format', file_format), *items])}"


def _cross_key(request) -> str:
    key = request.GET.get("cross", DEFAULT_CROSS_TAB)
    return key if key in CROSS_TABS else DEFAULT_CROSS_TAB


def _completeness_display(figures: Figures) -> list[tuple]:
    return [
        (row, charts.format_percent(row.completeness_rate), charts.format_percent(row.timeliness_rate))
        for row in figures.completeness
    ]


def _render_dashboard(request, scope: StatsScope, extra: dict | None = None):
    cross_key = _cross_key(request)
    figures = build_figures(scope, cross_keys=(cross_key,))
    export_items = scope.query_items()
    # Links to other dashboards keep the period, not the filters that only make sense here.
    period_items = [(name, value) for name, value in scope.form.query_items() if name in PERIOD_FIELDS]
    total = figures.completeness_total
    context = {
        "nav": "stats",
        "scope": scope,
        "form": scope.form,
        "figures": figures,
        "cross_key": cross_key,
        "cross_table": figures.cross_tables[0] if figures.cross_tables else None,
        "cross_choices": [(key, cross_tab_label(key)) for key in CROSS_TABS],
        # Hidden fields that carry the filters over to the cross-tabulation form, and back.
        "filter_items": scope.form.query_items(),
        "export_csv_url": _export_url("csv", export_items),
        "export_xlsx_url": _export_url("xlsx", export_items),
        "period_query": urlencode(period_items),
        "completeness_rows": _completeness_display(figures),
        "completeness_total": total
        and (
            total,
            charts.format_percent(total.completeness_rate),
            charts.format_percent(total.timeliness_rate),
        ),
        "is_filtered": bool(scope.form.query_items()),
        "sex_in_cross": CROSS_TABS[cross_key][1] == SEX,
        "month_labels": charts.MONTH_ABBREVIATIONS,
        # From the first year with data; the year not yet over says it is partial.
        "yearly_rows": [(charts.format_year(year), count) for year, count in figures.yearly],
        **(extra or {}),
    }
    return render(request, "stats/dashboards/dashboard.html", context)


@require_safe
def region_dashboard(request):
    """The whole network's statistics, with the départements to open and each site's completeness."""
    scope = region_scope(request)
    departements = {site.departement_id: site.departement for site in scope.sites}
    return _render_dashboard(
        request,
        scope,
        {"departements": sorted(departements.values(), key=lambda t: (t.code, t.name))},
    )


@require_safe
def territory_dashboard(request, pk):
    """A territory's statistics (a département, a bassin d'emploi…), with its sites."""
    return _render_dashboard(request, territory_scope(request, pk))


@require_safe
def site_dashboard(request, slug):
    """One site's statistics, for its coordinators and the whole-network readers."""
    return _render_dashboard(request, site_scope(request, slug))


@require_safe
def export(request):
    """The figures of the dashboard the person comes from, as CSV or XLSX, led by its filters."""
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        return HttpResponseBadRequest(
            _("Format d'export inconnu : choisissez csv ou xlsx."), content_type=PLAIN_TEXT
        )
    scope = export_scope(request)
    if scope.form.is_bound and scope.form.errors:
        # A file has nowhere to show an error: rather than export something else than asked, refuse.
        # Plain text, because the messages repeat what was typed in the query string.
        return HttpResponseBadRequest(
            _("Filtres invalides : %(errors)s") % {"errors": scope.form.errors.as_text()},
            content_type=PLAIN_TEXT,
        )
    figures = build_figures(scope, cross_keys=tuple(CROSS_TABS), with_charts=False)
    return exports.response(scope, figures, file_format)


urlpatterns = [
    path("tableau-de-bord/", region_dashboard, name="region_dashboard"),
    path("territoires/<int:pk>/tableau-de-bord/", territory_dashboard, name="territory_dashboard"),
    path("sites/<slug:slug>/tableau-de-bord/", site_dashboard, name="site_dashboard"),
    path("export/", export, name="export"),
]
