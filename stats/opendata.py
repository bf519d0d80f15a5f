"""Public aggregates of the visitor statistics, as open data: one CSV file per year.

What is published: for each labelled site and each month whose period is validated or locked, the
number of visits by breakdown (type of contact, age band, situation…) and by sex, read from the
roll-up table MonthlyCount (never the raw visits); and for each month, the same figures summed over
those sites (the region). An open or submitted month is never published: its figures still move.

Nobody may be singled out (spro.disclosure):
- each site-month is one Table: the total by sex and its grand total, then for each breakdown one
  row per item with its cells by sex and its total. Equations: every row adds up to its total; for
  the single-valued breakdowns, the items of each sex add up to that sex's total, and the item
  totals to the grand total (themes and referrals allow several answers per visit: no such sum).
  `protect` hides the cells under SPRO_SMALL_CELL_THRESHOLD and enough others that no hidden cell
  follows from the equations and the visible cells;
- the region's month is tied to its sites' (each of its cells is the sum of the same cell in every
  site): a region cell is hidden whenever that cell is hidden in any site of the month. Then no
  hidden cell can be worked back from the whole file either: a change of a hidden site cell that
  keeps its site's equations true (there is one, `protect` sees to it) changes the region's cells of
  the same kinds only, which are hidden too, and keeps the region's equations true (they are the
  same equations). Sound but cautious: a region cell may be hidden that could have been shown.

A month's "not given" item of a single-valued breakdown holds whatever its items leave of the sex's
total (aggregate periods may enter a breakdown for part of the visits only), so that every equation
published holds exactly.

The file is never empty: a year without any published month has the header and one line whose
`remarque` column explains why.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site
from sites.opendata.dictionary import Column
from spro.disclosure import Table, masked, protect

from .enums import MULTI_VALUED, Dimension, PeriodStatus
from .models import DIMENSION_MODELS, MonthlyCount, Period, Sex

PUBLISHED_STATUSES = (PeriodStatus.VALIDATED, PeriodStatus.LOCKED)
# The first year a file may be asked for: before it, the network had no platform.
FIRST_YEAR = 2000

# The hidden cells of a month are cached under a digest of its tables: never stale, they only expire.
PROTECT_CACHE_SECONDS = 90 * 24 * 3600

# Breakdown codes in the file (French, as the rest of the file).
DIMENSION_CODES = {
    Dimension.TOTAL: "ensemble",
    Dimension.CONTACT_KIND: "type_contact",
    Dimension.AGE_BAND: "tranche_age",
    Dimension.SITUATION: "situation",
    Dimension.EDUCATION_LEVEL: "niveau_formation",
    Dimension.CHANNEL: "canal",
    Dimension.THEME: "theme",
    Dimension.SERVICE_LEVEL: "niveau_service",
    Dimension.REFERRAL: "orientation",
}
ALL = "ensemble"
# A cell's key: (dimension, item id, sex id), sex 0 for all sexes together.
Key = tuple[str, int, int]

HEADER = [
    "annee",
    "mois",
    "echelle",
    "site_id",
    "site_nom",
    "departement",
    "nombre_sites",
    "ventilation",
    "ventilation_libelle",
    "modalite_code",
    "modalite_libelle",
    "sexe_code",
    "sexe_libelle",
    "passages",
    "secret_statistique",
    "remarque",
]


def dictionary() -> list[Column]:
    """The meaning of each column of the file, in French."""
    threshold = settings.SPRO_SMALL_CELL_THRESHOLD
    return [
        Column("annee", "entier", _("Année du mois.")),
        Column("mois", "texte (AAAA-MM)", _("Mois des passages.")),
        Column(
            "echelle",
            "texte",
            _("« site » : les chiffres d'un site ; « region » : la somme des sites publiés ce mois-là."),
        ),
        Column("site_id", "texte", _("Identifiant du site (celui des structures) ; vide pour la région.")),
        Column("site_nom", "texte", _("Nom du site ; nom de la région pour la région.")),
        Column("departement", "texte", _("Code du département du site ; vide pour la région.")),
        Column(
            "nombre_sites",
            "entier",
            _("Nombre de sites dont les chiffres du mois sont publiés et comptés (1 pour un site)."),
        ),
        Column(
            "ventilation",
            "texte",
            _(
                "Code de la ventilation : %(codes)s. « ensemble » donne le total des passages. Thèmes et "
                "orientations admettent plusieurs réponses par passage : leur somme dépasse le total."
            )
            % {"codes": ", ".join(DIMENSION_CODES.values())},
        ),
        Column("ventilation_libelle", "texte", _("Libellé de la ventilation.")),
        Column(
            "modalite_code",
            "texte",
            _(
                "Code de la modalité dans sa liste de référence ; « non-renseigne » quand le passage "
                "ne la précise pas, « aucune » pour les passages sans orientation, « ensemble » pour le "
                "total. Une modalité absente d'un mois n'a eu aucun passage."
            ),
        ),
        Column("modalite_libelle", "texte", _("Libellé de la modalité.")),
        Column("sexe_code", "texte", _("Code du sexe ; « ensemble » pour tous les sexes.")),
        Column("sexe_libelle", "texte", _("Libellé du sexe.")),
        Column(
            "passages",
            "entier",
            _(
                "Nombre de passages ; vide quand la case est couverte par le secret statistique (moins "
                "de %(threshold)s passages, ou case masquée pour qu'une autre ne puisse pas être "
                "recalculée à partir des totaux)."
            )
            % {"threshold": threshold},
        ),
        Column("secret_statistique", "booléen (true/false)", _("Vrai quand le nombre est masqué.")),
        Column(
            "remarque",
            "texte",
            _("Vide, sauf sur la ligne unique d'un fichier sans données, qu'elle explique."),
        ),
    ]


# Reading


def published_sites():
    """Sites whose figures are published: those holding the label."""
    return Site.objects.labelled()


def published_periods():
    """Months published: validated or locked, of a labelled site."""
    return Period.objects.filter(site__in=published_sites(), status__in=PUBLISHED_STATUSES)


def published_years() -> list[int]:
    return sorted({day.year for day in published_periods().dates("month", "year")})


def year_bounds() -> tuple[int, int]:
    """The years a file may be asked for: the current year's file holds the months published so far."""
    return FIRST_YEAR, timezone.localdate().year


def _counts(year: int) -> dict[tuple[int, datetime.date], dict[Key, int]]:
    """{(site id, month): {(dimension, item, sex): count}} of the published months of the year."""
    published = published_periods().filter(site=OuterRef("site"), month=OuterRef("month"))
    rows = (
        MonthlyCount.objects.filter(
            site__in=published_sites(),
            month__gte=datetime.date(year, 1, 1),
            month__lt=datetime.date(year + 1, 1, 1),
        )
        .filter(Exists(published))
        .exclude(count=0)
        .values_list("site_id", "month", "dimension", "item_id", "sex_id", "count")
    )
    months: dict[tuple[int, datetime.date], dict[Key, int]] = defaultdict(dict)
    for site_id, month, dimension, item_id, sex_id, count in rows.iterator():
        months[(site_id, month)][(dimension, item_id, sex_id)] = count
    # A published month with no visit at all still is a published month: its total is zero.
    for site_id, month in (
        published_periods()
        .filter(month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1))
        .values_list("site_id", "month")
    ):
        months.setdefault((site_id, month), {})
    return months


# Tables


@dataclass
class MonthTable:
    """One site's (or the region's) month: its cells, their keys and which are hidden."""

    keys: list[Key] = field(default_factory=list)
    table: Table = field(default_factory=Table)
    hidden: set[int] = field(default_factory=set)

    def add(self, key: Key, value: int) -> int:
        self.keys.append(key)
        return self.table.cell(value)

    def published(self) -> list[tuple[Key, int | None]]:
        return list(zip(self.keys, masked(self.table.values, self.hidden), strict=True))


def month_table(counts: dict[Key, int], sex_ids: list[int]) -> MonthTable:
    """The Table of one month's counts (see the module's docstring for its equations)."""
    month = MonthTable()
    sexes = list(dict.fromkeys([*sex_ids, *(sex for (_d, _i, sex) in counts)]))
    by_sex_values = {sex: counts.get((Dimension.TOTAL, 0, sex), 0) for sex in sexes}
    grand = month.add((Dimension.TOTAL, 0, 0), sum(by_sex_values.values()))
    by_sex = {sex: month.add((Dimension.TOTAL, 0, sex), by_sex_values[sex]) for sex in sexes}
    month.table.add_sum(by_sex.values(), grand)
    for dimension in Dimension:
        if dimension == Dimension.TOTAL:
            continue
        cells = {(item, sex): value for (d, item, sex), value in counts.items() if d == dimension}
        single_valued = dimension not in MULTI_VALUED
        if single_valued:
            # "Not given" holds what the items leave of each sex's total.
            for sex in sexes:
                rest = by_sex_values[sex] - sum(v for (item, s), v in cells.items() if s == sex)
                if rest > 0:
                    cells[(0, sex)] = cells.get((0, sex), 0) + rest
        items = sorted({item for (item, _sex), value in cells.items() if value})
        item_totals = []
        item_cells = []
        for item in items:
            values = {sex: cells.get((item, sex), 0) for sex in sexes}
            total = month.add((dimension, item, 0), sum(values.values()))
            row = {sex: month.add((dimension, item, sex), values[sex]) for sex in sexes}
            month.table.add_sum(row.values(), total)
            item_totals.append(total)
            item_cells.append(row)
        if single_valued and items:
            month.table.add_sum(item_totals, grand)
            for sex in sexes:
                month.table.add_sum([row[sex] for row in item_cells], by_sex[sex])
    return month


def _components(table: Table) -> list[list[int]]:
    """The cells of the table grouped by the equations that tie them (connected components)."""
    parent = list(range(len(table.values)))

    def root(cell: int) -> int:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in table.equations:
        cells = list(equation)
        for other in cells[1:]:
            parent[root(other)] = root(cells[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for cell in range(len(table.values)):
        groups[root(cell)].append(cell)
    return list(groups.values())


def protected(table: Table, threshold: int) -> set[int]:
    """spro.disclosure.protect's answer, computed group by group.

    Cells tied by no equation cannot reveal one another, and protect's choices within one group of
    tied cells depend on that group alone: protecting each group apart hides exactly the same cells,
    faster (the elimination grows faster than the table; themes and referrals make groups of one
    row each).
    """
    hidden: set[int] = set()
    for cells in _components(table):
        if not any(0 < table.values[cell] < threshold for cell in cells):
            continue
        position = {cell: index for index, cell in enumerate(cells)}
        part = Table(
            values=[table.values[cell] for cell in cells],
            equations=[
                {position[cell]: coefficient for cell, coefficient in equation.items()}
                for equation in table.equations
                if next(iter(equation)) in position
            ],
        )
        hidden |= {cells[index] for index in protect(part, threshold)}
    return hidden


def _protect_month(tables: list[MonthTable], threshold: int) -> None:
    """Set the hidden cells of a month's site tables, remembered in the cache under a digest of the
    tables: a month that does not change is never protected twice, and a change (a reopened month,
    a correction, a site labelled again) makes a new key, so there is nothing to invalidate. One
    entry per month, so that the small in-process cache of the embedded mode holds whole years."""
    contents = [(table.table.values, table.table.equations) for table in tables]
    digest = hashlib.sha256(repr((threshold, contents)).encode()).hexdigest()
    key = f"opendata:protect:{digest}"
    found = cache.get(key)
    if found is None or len(found) != len(tables):
        found = [sorted(protected(table.table, threshold)) for table in tables]
        cache.set(key, found, timeout=PROTECT_CACHE_SECONDS)
    for table, hidden in zip(tables, found, strict=True):
        table.hidden = set(hidden)


@dataclass
class PublishedMonth:
    month: datetime.date
    sites: list[tuple[int, MonthTable]]
    region: MonthTable


def published_months(year: int) -> list[PublishedMonth]:
    """Every published month of the year, its sites' tables and the region's, cells hidden."""
    threshold = settings.SPRO_SMALL_CELL_THRESHOLD
    sex_ids = list(Sex.objects.order_by("order", "label").values_list("pk", flat=True))
    by_month: dict[datetime.date, list[tuple[int, dict]]] = defaultdict(list)
    for (site_id, month), counts in _counts(year).items():
        by_month[month].append((site_id, counts))
    months = []
    for month in sorted(by_month):
        sites = []
        region_counts: dict[Key, int] = defaultdict(int)
        hidden_keys: set[Key] = set()
        for site_id, counts in sorted(by_month[month], key=lambda pair: pair[0]):
            sites.append((site_id, month_table(counts, sex_ids)))
            for key, value in counts.items():
                region_counts[key] += value
        _protect_month([table for _site_id, table in sites], threshold)
        for _site_id, table in sites:
            hidden_keys |= {table.keys[index] for index in table.hidden}
        region = month_table(dict(region_counts), sex_ids)
        # Every hidden cell of a site hides the same cell of the region (module docstring).
        region.hidden = {index for index, key in enumerate(region.keys) if key in hidden_keys}
        months.append(PublishedMonth(month, sites, region))
    return months


# The file


def _labels() -> tuple[dict, dict, dict]:
    """({dimension: {item id: (code, label)}}, {sex id: (code, label)}, {dimension: label})."""
    items = {}
    for dimension in Dimension:
        if dimension == Dimension.TOTAL:
            items[dimension] = {0: (ALL, _("Ensemble des passages"))}
            continue
        none = ("aucune", _("Aucune orientation")) if dimension == Dimension.REFERRAL else None
        labels = {0: none or ("non-renseigne", _("Non renseigné"))}
        model = DIMENSION_MODELS[dimension]
        labels.update(
            (pk, (code, label)) for pk, code, label in model.objects.values_list("pk", "code", "label")
        )
        items[dimension] = labels
    sexes = {0: (ALL, _("Ensemble"))}
    sexes.update((pk, (code, label)) for pk, code, label in Sex.objects.values_list("pk", "code", "label"))
    dimensions = {dimension: str(dimension.label) for dimension in Dimension}
    return items, sexes, dimensions


def _rows(month: datetime.date, table: MonthTable, place: list, labels) -> list[list]:
    items, sexes, dimensions = labels
    deleted_item, deleted_sex = ("", _("Modalité supprimée")), ("", _("Sexe supprimé"))
    rows = []
    for (dimension, item, sex), value in table.published():
        item_code, item_label = items[dimension].get(item, deleted_item)
        sex_code, sex_label = sexes.get(sex, deleted_sex)
        rows.append(
            [
                month.year,
                month.strftime("%Y-%m"),
                *place,
                DIMENSION_CODES[dimension],
                dimensions[dimension],
                item_code,
                item_label,
                sex_code,
                sex_label,
                value,
                value is None,
                "",
            ]
        )
    return rows


def no_data_row(year: int) -> list:
    message = _(
        "Aucun mois publié pour %(year)s : les chiffres d'un mois sont publiés une fois validés par la "
        "coordination régionale."
    ) % {"year": year}
    return [year, *[""] * (len(HEADER) - 2), message]


def year_rows(year: int) -> list[list]:
    """The rows of the year's file (without the header): never none."""
    months = published_months(year)
    if not months:
        return [no_data_row(year)]
    labels = _labels()
    site_ids = {site_id for month in months for site_id, _table in month.sites}
    sites = {
        site.pk: site
        for site in published_sites()
        .filter(pk__in=site_ids)
        .select_related("departement")
        .only("slug", "name", "departement__code")
    }
    region_name = settings.SPRO_REGION_NAME
    rows = []
    for published in months:
        for site_id, table in published.sites:
            site = sites[site_id]
            place = ["site", site.slug, site.name, site.departement.code, 1]
            rows += _rows(published.month, table, place, labels)
        place = ["region", "", region_name, "", len(published.sites)]
        rows += _rows(published.month, published.region, place, labels)
    return rows
