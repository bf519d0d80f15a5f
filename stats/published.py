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

from .enums import PeriodStatus
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


def protected_table(counts: dict[tuple, int], sex_ids: list[int]) -> set[tuple]:
    """The hidden keys (dimension, item_id, sex_id|None) of a table built like a site's month
    ({(dimension, item_id, sex_id): count}, the total by sex under Dimension.TOTAL, item 0)."""
    return _protect_month(counts, sex_ids, settings.SPRO_SMALL_CELL_THRESHOLD)


def _protect_month(counts: dict[tuple, int], sex_ids: list[int], threshold: int) -> set[tuple]:
    """The hidden keys (dimension, item_id, sex_id|None) of one site's month.

    The very table and protection of the open data files (stats/opendata.py): the API and the files
    hide the same cells of a month, so that one cannot be combined with the other."""
    from .opendata import _protect_month, month_table

    table = month_table(counts, sex_ids)
    # Remembered in the cache under a digest of the table: a month that does not change is
    # protected once, whatever asks for it.
    _protect_month([table], threshold)
    return {
        (dimension, item, ALL_SEXES if sex == 0 else sex)
        for position, (dimension, item, sex) in enumerate(table.keys)
        if position in table.hidden
    }
