"""Roll-up tables kept current at write time, and their rebuild from raw data.

A visit contributes one cell per dimension to MonthlyCount (several for themes and referrals,
"0" where a choice was not given), always with its sex; and one cell per value pair of each
cross-tabulation to MonthlyCrossCount. An aggregate period contributes its entered counts as they
are (no cross-tabulations: a monthly total has no visit-level detail).

Writes apply deltas with one INSERT … ON CONFLICT DO UPDATE statement per table, which both
PostgreSQL and SQLite run atomically, so two desks recording at once never lose a count.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Sum, Value
from django.db.models.functions import ExtractYear, TruncMonth

from .enums import Dimension
from .models import (
    AggregateCount,
    MonthlyCount,
    MonthlyCrossCount,
    Period,
    RegionYearlyCount,
    SatisfactionAnswer,
    SatisfactionCount,
    SatisfactionResponse,
    SatisfactionYearlyCount,
    Visit,
    YearlyCount,
    YearlyCrossCount,
    first_of_month,
)

SCALAR_FIELDS = {
    Dimension.CONTACT_KIND: "contact_kind_id",
    Dimension.AGE_BAND: "age_band_id",
    Dimension.SITUATION: "situation_id",
    Dimension.EDUCATION_LEVEL: "education_level_id",
    Dimension.CHANNEL: "channel_id",
    Dimension.SERVICE_LEVEL: "service_level_id",
}

# Cross-tabulations the dashboards offer (sex crossings come with every MonthlyCount cell).
CROSS_PAIRS = (
    (Dimension.THEME, Dimension.AGE_BAND),
    (Dimension.THEME, Dimension.SITUATION),
    (Dimension.SITUATION, Dimension.AGE_BAND),
    (Dimension.CHANNEL, Dimension.AGE_BAND),
    (Dimension.REFERRAL, Dimension.SITUATION),
    (Dimension.SERVICE_LEVEL, Dimension.SITUATION),
)


def visit_values(
    visit: Visit, theme_ids: Iterable[int] | None = None, referral_ids: Iterable[int] | None = None
):
    """The item ids a visit holds, per dimension (0 when not given)."""
    values = {Dimension.TOTAL: [0]}
    for dimension, field in SCALAR_FIELDS.items():
        values[dimension] = [getattr(visit, field) or 0]
    if theme_ids is None:
        theme_ids = [t.pk for t in visit.themes.all()]
    if referral_ids is None:
        referral_ids = [r.pk for r in visit.referrals.all()]
    values[Dimension.THEME] = sorted(set(theme_ids)) or [0]
    values[Dimension.REFERRAL] = sorted(set(referral_ids)) or [0]
    return values


def visit_cells(visit: Visit, values: dict) -> tuple[Counter, Counter]:
    month = visit.period.month if visit.period_id else visit.visited_on.replace(day=1)
    cells = Counter()
    for dimension, items in values.items():
        for item in items:
            cells[(visit.site_id, month, dimension, item, visit.sex_id)] += 1
    cross = Counter()
    for row_dim, col_dim in CROSS_PAIRS:
        for row_item in values[row_dim]:
            for col_item in values[col_dim]:
                cross[(visit.site_id, month, row_dim, row_item, col_dim, col_item)] += 1
    return cells, cross


def aggregate_cells(period: Period, counts: Iterable[AggregateCount]) -> Counter:
    cells = Counter()
    for row in counts:
        cells[(period.site_id, period.month, row.dimension, row.item_id, row.sex_id)] += row.count
    return cells


def _upsert(table: str, key_columns: list[str], deltas: dict, value_columns=("count",)) -> None:
    """Add deltas to a table's cells, creating them as needed. A delta is a number, or a tuple of
    numbers when there are several value columns."""
    rows = []
    for key, delta in deltas.items():
        values = delta if isinstance(delta, tuple) else (delta,)
        if any(values):
            rows.append((*key, *values))
    if not rows:
        return
    columns = [*key_columns, *value_columns]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    updates = ", ".join(
        f"{name} = {table}.{name} + excluded.{name}" for name in map(connection.ops.quote_name, value_columns)
    )
    # Bounded batches keep each statement under SQLite's parameter limit.
    batch = 100
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            sql = (
                f"INSERT INTO {table} ({quoted}) VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def _by_year(cells: dict) -> dict:
    """Month cells (site, month, …) summed into year cells (site, year, …); values are numbers, or
    tuples of numbers summed term by term."""
    years = {}
    for (site_id, month, *rest), value in cells.items():
        key = (site_id, month.year, *rest)
        if key not in years:
            years[key] = value
        elif isinstance(value, tuple):
            years[key] = tuple(a + b for a, b in zip(years[key], value, strict=True))
        else:
            years[key] += value
    return years


MONTHLY_KEY = ["site_id", "month", "dimension", "item_id", "sex_id"]
CROSS_KEY = ["site_id", "month", "row_dimension", "row_item_id", "col_dimension", "col_item_id"]
SATISFACTION_KEY = ["site_id", "month", "question_id"]
REGION_KEY = ["year", "dimension", "item_id", "sex_id"]
SATISFACTION_VALUES = ("answers", "value_sum")


def _over_sites(cells: dict) -> Counter:
    """Site cells (site, …) summed over the sites (…)."""
    summed = Counter()
    for (_site_id, *rest), value in cells.items():
        summed[tuple(rest)] += value
    return summed


def _year_key(key: list[str]) -> list[str]:
    return ["year" if column == "month" else column for column in key]


def apply(cells: Counter, cross: Counter | None = None, sign: int = 1) -> None:
    """Add (or, with sign=-1, remove) cells to the roll-up tables, monthly and yearly.

    The yearly tables get the same deltas summed per year, in the same transaction as the monthly
    ones (one more upsert per table), so both always agree (tests/stats/test_services.py).
    """
    if sign != 1:
        cells = Counter({key: sign * value for key, value in cells.items()})
        cross = Counter({key: sign * value for key, value in (cross or {}).items()})
    _upsert(MonthlyCount._meta.db_table, MONTHLY_KEY, cells)
    yearly = _by_year(cells)
    _upsert(YearlyCount._meta.db_table, _year_key(MONTHLY_KEY), yearly)
    _upsert(RegionYearlyCount._meta.db_table, REGION_KEY, _over_sites(yearly))
    if cross:
        _upsert(MonthlyCrossCount._meta.db_table, CROSS_KEY, cross)
        _upsert(YearlyCrossCount._meta.db_table, _year_key(CROSS_KEY), _by_year(cross))


def apply_satisfaction(*, site_id: int, day, answers: dict[int, int]) -> None:
    """Count one questionnaire (question 0) and its answers in SatisfactionCount."""
    month = first_of_month(day)
    cells = {(site_id, month, 0): (1, 0)}
    for question_id, value in answers.items():
        cells[(site_id, month, question_id)] = (1, value)
    _upsert(SatisfactionCount._meta.db_table, SATISFACTION_KEY, cells, SATISFACTION_VALUES)
    _upsert(
        SatisfactionYearlyCount._meta.db_table,
        _year_key(SATISFACTION_KEY),
        _by_year(cells),
        SATISFACTION_VALUES,
    )


def difference(new: Counter, old: Counter) -> Counter:
    """new − old, keeping negative deltas (Counter subtraction would drop them)."""
    result = Counter(new)
    for key, value in old.items():
        result[key] -= value
    return Counter({key: value for key, value in result.items() if value})


# --- Rebuild -------------------------------------------------------------------------------


def _site_filter(alias: str, site_ids) -> tuple[str, list]:
    if site_ids is None:
        return "", []
    site_ids = list(site_ids)
    if not site_ids:
        return " AND 1 = 0", []
    return f" AND {alias}.site_id IN ({', '.join(['%s'] * len(site_ids))})", site_ids


@transaction.atomic
def rebuild(site_ids: Iterable[int] | None = None) -> dict:
    """Recompute both roll-up tables from raw visits and aggregate counts, in SQL.

    Returns the number of rows written per table. Running it twice gives the same tables.
    """
    visit = Visit._meta.db_table
    period = Period._meta.db_table
    themes = Visit.themes.through._meta.db_table
    referrals = Visit.referrals.through._meta.db_table
    aggregate = AggregateCount._meta.db_table
    mc = MonthlyCount._meta.db_table
    mcc = MonthlyCrossCount._meta.db_table
    where_v, params_v = _site_filter("v", site_ids)
    where_p, params_p = _site_filter("p", site_ids)
    with connection.cursor() as cursor:
        for table in (
            mc,
            mcc,
            YearlyCount._meta.db_table,
            YearlyCrossCount._meta.db_table,
            SatisfactionCount._meta.db_table,
            SatisfactionYearlyCount._meta.db_table,
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE 1 = 1{where_p.replace('p.site_id', 'site_id')}", params_p
            )

        # Each dimension as (SQL expression of the item id, extra join).
        sources = {Dimension.TOTAL: ("0", "")}
        for dimension, field in SCALAR_FIELDS.items():
            sources[dimension] = (f"COALESCE(v.{field}, 0)", "")
        sources[Dimension.THEME] = (
            "COALESCE(vt.theme_id, 0)",
            f" LEFT JOIN {themes} vt ON vt.visit_id = v.id",
        )
        sources[Dimension.REFERRAL] = (
            "COALESCE(vr.referraltarget_id, 0)",
            f" LEFT JOIN {referrals} vr ON vr.visit_id = v.id",
        )

        def group(*expressions):
            # A constant in GROUP BY would read as a column position: leave it out.
            return ", ".join(e for e in expressions if e != "0")

        # Rows are written dimension by dimension and month by month (ORDER BY): a dashboard reads
        # one dimension over a range of months, and finds its rows in adjacent pages instead of
        # all over the table (a regional dashboard reads about half as many pages, bench/README.md).
        for dimension, (expression, join) in sources.items():
            cursor.execute(
                f"INSERT INTO {mc} (site_id, month, dimension, item_id, sex_id, count) "
                f"SELECT v.site_id, p.month, %s, {expression}, v.sex_id, COUNT(*) "
                f"FROM {visit} v JOIN {period} p ON p.id = v.period_id{join} WHERE 1 = 1{where_v} "
                f"GROUP BY {group('v.site_id', 'p.month', expression, 'v.sex_id')} "
                f"ORDER BY p.month, v.site_id",
                [dimension.value, *params_v],
            )
        cursor.execute(
            f"INSERT INTO {mc} (site_id, month, dimension, item_id, sex_id, count) "
            f"SELECT p.site_id, p.month, a.dimension, a.item_id, a.sex_id, SUM(a.count) "
            f"FROM {aggregate} a JOIN {period} p ON p.id = a.period_id WHERE 1 = 1{where_p} "
            f"GROUP BY p.site_id, p.month, a.dimension, a.item_id, a.sex_id "
            f"ORDER BY a.dimension, p.month, p.site_id",
            params_p,
        )
        for row_dim, col_dim in CROSS_PAIRS:
            row_expr, row_join = sources[row_dim]
            col_expr, col_join = sources[col_dim]
            cursor.execute(
                f"INSERT INTO {mcc} (site_id, month, row_dimension, row_item_id, col_dimension, "
                f"col_item_id, count) "
                f"SELECT v.site_id, p.month, %s, {row_expr}, %s, {col_expr}, COUNT(*) "
                f"FROM {visit} v JOIN {period} p ON p.id = v.period_id{row_join}{col_join} "
                f"WHERE 1 = 1{where_v} "
                f"GROUP BY {group('v.site_id', 'p.month', row_expr, col_expr)} "
                f"ORDER BY p.month, v.site_id",
                [row_dim.value, col_dim.value, *params_v],
            )
        fill_yearly(cursor, site_ids)
        fill_region(cursor)
        fill_satisfaction(cursor, site_ids)
    return {
        "monthly": MonthlyCount.objects.count(),
        "cross": MonthlyCrossCount.objects.count(),
        "yearly": YearlyCount.objects.count(),
        "yearly_cross": YearlyCrossCount.objects.count(),
        "region_yearly": RegionYearlyCount.objects.count(),
        "satisfaction": SatisfactionCount.objects.count(),
        "satisfaction_yearly": SatisfactionYearlyCount.objects.count(),
    }


def yearly_selects(monthly_model, cross_model, site_ids=None) -> list[tuple[str, str, str, tuple]]:
    """(table, columns, SELECT with its parameters) that sum the monthly tables into the yearly ones.

    Built with the ORM (ExtractYear) so that the year is taken the way each database spells it
    (EXTRACT on PostgreSQL, django_date_extract on SQLite). Also used by the migration that
    creates the yearly tables, with its historical models.
    """
    statements = []
    for model, key, table in (
        (monthly_model, MONTHLY_KEY, YearlyCount._meta.db_table),
        (cross_model, CROSS_KEY, YearlyCrossCount._meta.db_table),
    ):
        columns = _year_key(key)
        rows = model.objects.all()
        if site_ids is not None:
            rows = rows.filter(site_id__in=list(site_ids))
        others = [c for c in key if c not in ("site_id", "month")]
        query = (
            rows.annotate(year=ExtractYear("month"))
            .values("site_id", "year", *others)
            .annotate(n=Sum("count"))
            .filter(n__gt=0)
            .values_list("site_id", "year", *others, "n")
            # Year after year, as the monthly rows are written (see above).
            .order_by("year", "site_id")
        )
        sql, params = query.query.sql_with_params()
        quoted = ", ".join(connection.ops.quote_name(c) for c in [*columns, "count"])
        statements.append((table, quoted, sql, params))
    return statements


def fill_region(cursor) -> None:
    """Rewrite RegionYearlyCount from YearlyCount, whole: it sums every site, so a rebuild of a
    few sites changes it too (1,600 rows for a region of 50 sites over ten years)."""
    cursor.execute(f"DELETE FROM {RegionYearlyCount._meta.db_table}")
    query = (
        YearlyCount.objects.values(*REGION_KEY)
        .annotate(n=Sum("count"))
        .filter(n__gt=0)
        .values_list(*REGION_KEY, "n")
        .order_by("year")
    )
    sql, params = query.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(c) for c in [*REGION_KEY, "count"])
    cursor.execute(f"INSERT INTO {RegionYearlyCount._meta.db_table} ({columns}) {sql}", params)


def fill_yearly(cursor, site_ids=None, monthly_model=MonthlyCount, cross_model=MonthlyCrossCount) -> None:
    for table, columns, sql, params in yearly_selects(monthly_model, cross_model, site_ids):
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


def satisfaction_selects(site_ids=None) -> list[tuple[str, list]]:
    """SELECTs (with their parameters) of SatisfactionCount's rows from the questionnaires.

    Built with the ORM (TruncMonth) so that each database truncates dates its own way (the
    migration that creates the table runs the same SELECTs, written out).
    """
    responses = SatisfactionResponse.objects.all()
    answers = SatisfactionAnswer.objects.all()
    if site_ids is not None:
        responses = responses.filter(site_id__in=list(site_ids))
        answers = answers.filter(response__site_id__in=list(site_ids))
    zero = Value(0, output_field=IntegerField())
    questionnaires = (
        responses.annotate(m=TruncMonth("answered_on"))
        .values("site_id", "m")
        .annotate(n=Count("pk"), q=zero, s=zero)
        .values_list("site_id", "m", "q", "n", "s")
        .order_by("m", "site_id")
    )
    per_question = (
        answers.annotate(m=TruncMonth("response__answered_on"), site=F("response__site_id"))
        .values("site", "m", "question_id")
        .annotate(n=Count("pk"), s=Sum("value"))
        .values_list("site", "m", "question_id", "n", "s")
        .order_by("m", "site")
    )
    return [query.query.sql_with_params() for query in (questionnaires, per_question)]


def fill_satisfaction(cursor, site_ids=None) -> None:
    """Fill SatisfactionCount from the questionnaires, then SatisfactionYearlyCount from it."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [*SATISFACTION_KEY, *SATISFACTION_VALUES])
    for sql, params in satisfaction_selects(site_ids):
        cursor.execute(f"INSERT INTO {SatisfactionCount._meta.db_table} ({columns}) {sql}", params)
    rows = SatisfactionCount.objects.all()
    if site_ids is not None:
        rows = rows.filter(site_id__in=list(site_ids))
    yearly = (
        rows.annotate(year=ExtractYear("month"))
        .values("site_id", "year", "question_id")
        .annotate(n=Sum("answers"), s=Sum("value_sum"))
        .values_list("site_id", "year", "question_id", "n", "s")
        .order_by("year", "site_id")
    )
    sql, params = yearly.query.sql_with_params()
    columns = ", ".join(quote(c) for c in [*_year_key(SATISFACTION_KEY), *SATISFACTION_VALUES])
    cursor.execute(f"INSERT INTO {SatisfactionYearlyCount._meta.db_table} ({columns}) {sql}", params)


@transaction.atomic
def rebuild_satisfaction(site_ids: Iterable[int] | None = None) -> None:
    """Recompute SatisfactionCount alone (after questionnaires loaded in bulk, as the demo does)."""
    where, params = _site_filter("s", site_ids)
    with connection.cursor() as cursor:
        for table in (SatisfactionCount._meta.db_table, SatisfactionYearlyCount._meta.db_table):
            cursor.execute(f"DELETE FROM {table} WHERE 1 = 1{where.replace('s.site_id', 'site_id')}", params)
        fill_satisfaction(cursor, site_ids)


# Each roll-up table with its key, as snapshot() returns them.
SNAPSHOT_TABLES = (
    ("mensuel", MonthlyCount, MONTHLY_KEY, ("count",)),
    ("croisé", MonthlyCrossCount, CROSS_KEY, ("count",)),
    ("annuel", YearlyCount, _year_key(MONTHLY_KEY), ("count",)),
    ("annuel croisé", YearlyCrossCount, _year_key(CROSS_KEY), ("count",)),
    ("régional annuel", RegionYearlyCount, REGION_KEY, ("count",)),
    ("satisfaction", SatisfactionCount, SATISFACTION_KEY, SATISFACTION_VALUES),
    ("satisfaction annuel", SatisfactionYearlyCount, _year_key(SATISFACTION_KEY), SATISFACTION_VALUES),
)


def snapshot(site_ids: Iterable[int] | None = None) -> tuple[dict, ...]:
    """The non-zero cells of every roll-up table, in the order of SNAPSHOT_TABLES, to compare
    incremental and rebuilt roll-ups (tests, rebuild_rollups --check)."""
    result = []
    for _name, model, key, values in SNAPSHOT_TABLES:
        rows = model.objects.all()
        if site_ids is not None:
            if "site_id" not in key:
                # A table over every site can't be compared for a few of them.
                result.append({})
                continue
            rows = rows.filter(site_id__in=site_ids)
        cells = {}
        for row in rows.values_list(*key, *values):
            cell = row[len(key) :]
            if any(cell):
                cells[tuple(row[: len(key)])] = cell[0] if len(values) == 1 else cell
        result.append(cells)
    return tuple(result)
