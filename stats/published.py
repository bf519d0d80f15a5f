"""What partners may read of the statistics: validated months, cells that single nobody out.

- Only months whose period is validated or locked are published (an open or submitted month is
  still moving; DHIS2 hides unapproved data the same way).
- Each site's month is published as one table: the total by sex, and every breakdown by item and
  sex with its item totals. The equations tying them (a row adds up to its total, a single-valued
  breakdown adds up to the month's total, for each sex too) are what a reader can use to work a
  hidden cell back; spro.disclosure.protect hides the small cells and enough others that none can
  be. The same month always hides the same cells, whatever the page, filters or order of the
  request, so that two requests cannot be combined either.
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from spro.disclosure import Table, protect

from .enums import MULTI_VALUED, Dimension, PeriodStatus
from .models import MonthlyCount, Period

PUBLISHED_STATUSES = (PeriodStatus.VALIDATED, PeriodStatus.LOCKED)
ALL_SEXES = None  # The key of a row's total (every sex).


def published_counts(queryset: QuerySet) -> QuerySet:
    """The MonthlyCount rows of validated or locked months only."""
    published = Period.objects.filter(
        site=OuterRef("site"), month=OuterRef("month"), status__in=PUBLISHED_STATUSES
    )
    return queryset.filter(Exists(published))


def hidden_cells(site_months: set[tuple[int, object]], sex_ids: list[int]) -> set[tuple]:
    """The cells to hide in these sites' months: keys (site_id, month, dimension, item_id, sex_id),
    sex_id None for a row's total. Reads each month's whole table (one query for all of them)."""
    if not site_months:
        return set()
    rows = MonthlyCount.objects.filter(
        site_id__in={site for site, _month in site_months}, month__in={month for _site, month in site_months}
    ).values_list("site_id", "month", "dimension", "item_id", "sex_id", "count")
    tables: dict[tuple, dict] = defaultdict(dict)
    for site_id, month, dimension, item_id, sex_id, count in rows:
        if (site_id, month) in site_months:
            tables[(site_id, month)][(dimension, item_id, sex_id)] = count
    hidden = set()
    threshold = settings.SPRO_SMALL_CELL_THRESHOLD
    for (site_id, month), counts in tables.items():
        for dimension, item_id, sex_id in _protect_month(counts, sex_ids, threshold):
            hidden.add((site_id, month, dimension, item_id, sex_id))
    return hidden


def _protect_month(counts: dict[tuple, int], sex_ids: list[int], threshold: int) -> set[tuple]:
    """The hidden keys (dimension, item_id, sex_id|None) of one site's month."""
    table, index = Table(), {}

    def cell(key, value):
        index[key] = table.cell(value)
        return index[key]

    items = defaultdict(set)
    for dimension, item_id, _sex in counts:
        items[dimension].add(item_id)
    items[Dimension.TOTAL].add(0)
    by_sex = [cell((Dimension.TOTAL, 0, sex), counts.get((Dimension.TOTAL, 0, sex), 0)) for sex in sex_ids]
    grand = cell((Dimension.TOTAL, 0, ALL_SEXES), sum(table.values[c] for c in by_sex))
    table.add_sum(by_sex, grand)
    for dimension, item_ids in items.items():
        if dimension == Dimension.TOTAL:
            continue
        row_totals, columns = [], defaultdict(list)
        for item_id in sorted(item_ids):
            row = [
                cell((dimension, item_id, sex), counts.get((dimension, item_id, sex), 0)) for sex in sex_ids
            ]
            total = cell((dimension, item_id, ALL_SEXES), sum(table.values[c] for c in row))
            table.add_sum(row, total)
            row_totals.append(total)
            for sex, position in zip(sex_ids, row, strict=True):
                columns[sex].append(position)
        if dimension not in MULTI_VALUED:
            # Every visit has one item (0: not given) of a single-valued breakdown.
            table.add_sum(row_totals, grand)
            for sex, position in zip(sex_ids, by_sex, strict=True):
                table.add_sum(columns[sex], position)
    hidden = protect(table, threshold)
    return {key for key, position in index.items() if position in hidden}
