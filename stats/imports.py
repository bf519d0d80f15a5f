"""Import of historical statistics (monthly totals) from a CSV or XLSX file: reading and checking.

One row per site × month × breakdown × item × sex, with the columns of `COLUMNS`. Reading streams
the rows (a CSV is decoded line by line, an XLSX is opened read-only), so a large file never sits in
memory twice. Nothing here writes: `parse` builds an `ImportPreview` that says, per site and month,
what the file holds, what the platform holds and what would change, with every error tied to its
line and column. The write itself is `services.aggregate_import`, all or nothing.
"""

import codecs
import csv
import datetime
import io
import itertools
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sites.models import Site

from .enums import Dimension, PeriodMode, PeriodStatus
from .models import DIMENSION_MODELS, AggregateCount, MonthlyCount, Period, Sex, first_of_month
from .services import aggregate_check

COLUMNS = ("site", "mois", "ventilation", "modalite", "sexe", "nombre")
# Beyond this, a file is not a site's history but a mistake (or an attack on the server's time).
MAX_LINES = 20_000
MAX_FILE_SIZE = 20 * 1024 * 1024
# Errors kept for display; the count is always exact.
MAX_ERRORS_SHOWN = 500

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
INTEGER_PATTERN = re.compile(r"^[+-]?\d+$")


class ImportFileError(Exception):
    """The file as a whole can't be read: wrong format, unreadable, missing columns, too long."""


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str


@dataclass
class MonthPreview:
    """What the file holds for one site's month, next to what the platform holds today."""

    site_id: int
    site_name: str
    site_slug: str
    month: datetime.date
    first_line: int
    lines: int = 0
    counts: dict = field(default_factory=dict)  # (dimension, item id, sex id) → count
    current: dict = field(default_factory=dict)  # the month's aggregate counts today
    current_total: int = 0  # today's total visits, whatever the mode (detailed months too)
    errors: list[str] = field(default_factory=list)
    # Some of the month's lines are in error: its totals are incomplete, so its rules aren't checked.
    incomplete: bool = False

    @property
    def new_total(self) -> int:
        return sum(v for (d, _i, _s), v in self.counts.items() if d == Dimension.TOTAL)

    @property
    def _new_cells(self) -> dict:
        # Zeros are not stored (aggregate_set drops them): compare what would be stored.
        return {key: value for key, value in self.counts.items() if value}

    @property
    def added(self) -> int:
        return sum(1 for key in self._new_cells if key not in self.current)

    @property
    def changed(self) -> int:
        return sum(
            1 for key, value in self._new_cells.items() if key in self.current and self.current[key] != value
        )

    @property
    def removed(self) -> int:
        return sum(1 for key in self.current if key not in self._new_cells)

    @property
    def status(self) -> str:
        if self.errors or self.incomplete:
            return "error"
        if not self.current:
            return "new"
        if self._new_cells == self.current:
            return "unchanged"
        return "changed"


@dataclass
class ImportPreview:
    filename: str
    line_count: int = 0
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    months: list[MonthPreview] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.error_count and bool(self.months)

    @property
    def has_changes(self) -> bool:
        return any(month.status in ("new", "changed") for month in self.months)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for month in self.months if month.status == "unchanged")

    def add_error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(LineError(line, column, message))


# --- Reading -------------------------------------------------------------------------------------


def _normalise_header(value) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return text.strip().lower()


def _csv_encoding(file) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else Windows-1252 (Excel's French CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        for chunk in iter(lambda: file.read(64 * 1024), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        file.seek(0)
    return "utf-8-sig"


def _csv_rows(file) -> Iterator[tuple[int, list]]:
    text = io.TextIOWrapper(file, encoding=_csv_encoding(file), errors="replace", newline="")
    try:
        first = text.readline()
        # French spreadsheets write ";" (the comma is the decimal mark); others ",", some a tab.
        delimiter = max((";", ",", "\t"), key=first.count)
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            raise ImportFileError(
                _("Ligne %(line)s : le fichier CSV est mal formé (%(error)s).")
                % {"line": reader.line_num, "error": error}
            ) from error
    finally:
        # Leave the uploaded file open for its owner (Django closes it at the end of the request).
        text.detach()


def _xlsx_rows(file) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        # openpyxl warns about spreadsheet features it drops (data validation, extensions…): they
        # don't matter to a reading of values, and the person importing can do nothing about them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # A damaged or fake workbook fails in many ways inside openpyxl.
        raise ImportFileError(
            _("Le fichier XLSX est illisible : enregistrez-le de nouveau depuis votre tableur.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


def read_rows(file, filename: str) -> Iterator[tuple[int, list]]:
    """The file's rows with their line numbers, as the spreadsheet shows them (header included)."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _csv_rows(file)
    if name.endswith(".xlsx"):
        return _xlsx_rows(file)
    raise ImportFileError(_("Format non reconnu : déposez un fichier .csv ou .xlsx."))


# --- Cell values ---------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _month(value, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        month = first_of_month(value)  # A spreadsheet turned "2024-01" into a date: keep its month.
    else:
        match = MONTH_PATTERN.match(_text(value))
        if not match:
            raise ValueError(
                _("Mois illisible « %(value)s » : écrivez-le AAAA-MM, par exemple 2024-01.")
                % {"value": _text(value)}
            )
        year, month_number = int(match[1]), int(match[2])
        if not 1 <= month_number <= 12 or year < 1900:
            raise ValueError(_("Mois impossible « %(value)s ».") % {"value": _text(value)})
        month = datetime.date(year, month_number, 1)
    if month > first_of_month(today):
        raise ValueError(_("Le mois %(month)s n'a pas encore commencé.") % {"month": month.strftime("%Y-%m")})
    return month


def _count(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Le nombre doit être un entier positif ou nul."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("« %(value)s » n'est pas un nombre entier.") % {"value": value})
        number = int(value)
    else:
        # French spreadsheets group thousands with (non-breaking) spaces: "1 234".
        text = re.sub(r"[\s\u00a0\u202f]", "", _text(value))
        if not text:
            raise ValueError(_("Le nombre est manquant."))
        if not INTEGER_PATTERN.match(text):
            raise ValueError(_("« %(value)s » n'est pas un nombre entier.") % {"value": _text(value)})
        number = int(text)
    if number < 0:
        raise ValueError(_("Le nombre ne peut pas être négatif (%(value)s).") % {"value": number})
    return number


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "F Y")


# --- Checking ------------------------------------------------------------------------------------


class _Lookups:
    """Reference codes and sites, loaded once per file: each row is then checked without a query."""

    def __init__(self, user):
        self.sites = {slug: (pk, name) for pk, slug, name in Site.objects.values_list("pk", "slug", "name")}
        self.editable = set(Site.objects.editable_by(user).values_list("pk", flat=True))
        self.sexes = dict(Sex.objects.values_list("code", "pk"))
        self.items = {
            dimension: dict(model.objects.values_list("code", "pk"))
            for dimension, model in DIMENSION_MODELS.items()
        }


def _header_positions(row: list) -> dict[str, int]:
    names = [_normalise_header(value) for value in row]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise ImportFileError(
            _("Ligne d'en-tête incomplète : colonnes manquantes %(missing)s. Attendu : %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ";".join(COLUMNS)}
        )
    return {column: names.index(column) for column in COLUMNS}


def parse(rows: Iterable[tuple[int, list]], *, user, filename: str = "", today: datetime.date | None = None):
    """Check every row of an import against the reference lists, the user's rights and the periods.

    Returns an ImportPreview; raises ImportFileError when the file as a whole can't be used.
    """
    today = today or timezone.localdate()
    lookups = _Lookups(user)
    preview = ImportPreview(filename=filename)
    months: dict[tuple[int, datetime.date], MonthPreview] = {}
    seen: dict[tuple, int] = {}
    incomplete: set[tuple[int, datetime.date]] = set()
    positions = None
    for line, row in rows:
        if not any(_text(value) for value in row):
            continue  # Blank rows (a spreadsheet's trailing ones) are not lines.
        if positions is None:
            positions = _header_positions(row)
            continue
        preview.line_count += 1
        if preview.line_count > MAX_LINES:
            raise ImportFileError(
                _("Le fichier dépasse %(max)s lignes : découpez-le (par année, par exemple).")
                % {"max": formats.number_format(MAX_LINES, force_grouping=True)}
            )
        value = {column: (row[index] if index < len(row) else None) for column, index in positions.items()}
        errors_before = preview.error_count

        slug = _text(value["site"])
        site = lookups.sites.get(slug)
        if site is None or site[0] not in lookups.editable:
            preview.add_error(
                line,
                "site",
                _("Site « %(slug)s » inconnu ou que vous ne pouvez pas modifier.") % {"slug": slug},
            )
        try:
            month = _month(value["mois"], today)
        except ValueError as error:
            preview.add_error(line, "mois", str(error))
            month = None
        dimension = _text(value["ventilation"])
        if dimension not in Dimension.values:
            preview.add_error(
                line,
                "ventilation",
                _("Ventilation inconnue « %(value)s » (valeurs possibles : %(values)s).")
                % {"value": dimension, "values": ", ".join(Dimension.values)},
            )
            item = None
        else:
            item = _item(preview, lookups, line, dimension, _text(value["modalite"]))
        sex_code = _text(value["sexe"])
        sex = lookups.sexes.get(sex_code)
        if sex is None:
            preview.add_error(
                line,
                "sexe",
                _("Sexe inconnu « %(value)s » (codes possibles : %(codes)s).")
                % {"value": sex_code, "codes": ", ".join(lookups.sexes)},
            )
        try:
            number = _count(value["nombre"])
        except ValueError as error:
            preview.add_error(line, "nombre", str(error))
        if preview.error_count > errors_before:
            if site is not None and month is not None:
                incomplete.add((site[0], month))
            continue

        key = (site[0], month, dimension, item, sex)
        if key in seen:
            preview.add_error(
                line, "", _("Ligne en double : la ligne %(line)s donne déjà ce nombre.") % {"line": seen[key]}
            )
            incomplete.add((site[0], month))
            continue
        seen[key] = line
        month_preview = months.get((site[0], month))
        if month_preview is None:
            month_preview = months[(site[0], month)] = MonthPreview(
                site_id=site[0], site_name=site[1], site_slug=slug, month=month, first_line=line
            )
        month_preview.lines += 1
        month_preview.counts[(dimension, item, sex)] = number

    if positions is None:
        raise ImportFileError(
            _("Le fichier est vide : il lui faut au moins la ligne d'en-tête et une ligne de données.")
        )
    for key in incomplete & months.keys():
        months[key].incomplete = True
    preview.months = sorted(months.values(), key=lambda m: (m.site_name, m.month))
    _check_months(preview, user)
    preview.errors.sort(key=lambda error: error.line)
    return preview


def _item(preview: ImportPreview, lookups: _Lookups, line: int, dimension: str, code: str) -> int | None:
    """The item id of a code in a breakdown's list; 0 for the total and for "non renseigné" (empty)."""
    if dimension == Dimension.TOTAL:
        if code:
            preview.add_error(line, "modalite", _("Le total n'a pas de modalité : laissez la colonne vide."))
            return None
        return 0
    if not code:
        return 0
    item = lookups.items[dimension].get(code)
    if item is None:
        preview.add_error(
            line,
            "modalite",
            _("Code « %(code)s » inconnu pour la ventilation « %(dimension)s ».")
            % {"code": code, "dimension": Dimension(dimension).label},
        )
    return item


def _check_months(preview: ImportPreview, user) -> None:
    """Per site and month: the period's state, the totals' consistency, and what the platform holds."""
    if not preview.months:
        return
    roles = getattr(user, "roles", None)
    is_regional = roles is not None and roles.is_regional_coordinator
    site_ids = {m.site_id for m in preview.months}
    month_set = {m.month for m in preview.months}
    # One query per table for the whole file: the site × month cross product is filtered in Python.
    periods = {
        (p.site_id, p.month): p for p in Period.objects.filter(site_id__in=site_ids, month__in=month_set)
    }
    current = {}
    for period_id, dimension, item, sex, count in AggregateCount.objects.filter(
        period__in=[p.pk for p in periods.values()]
    ).values_list("period_id", "dimension", "item_id", "sex_id", "count"):
        current.setdefault(period_id, {})[(dimension, item, sex)] = count
    totals = {
        (site_id, month): total
        for site_id, month, total in MonthlyCount.objects.filter(
            site_id__in=site_ids, month__in=month_set, dimension=Dimension.TOTAL
        )
        .values("site_id", "month")
        .annotate(total=Sum("count"))
        .values_list("site_id", "month", "total")
    }
    for month in preview.months:
        month.current_total = totals.get((month.site_id, month.month)) or 0
        period = periods.get((month.site_id, month.month))
        if period is not None:
            month.current = current.get(period.pk, {})
            if period.status == PeriodStatus.LOCKED:
                month.errors.append(
                    _("Période verrouillée : demandez sa réouverture à la coordination régionale.")
                )
            elif period.status != PeriodStatus.OPEN and not is_regional:
                month.errors.append(
                    _("Période déjà soumise : seule la coordination régionale peut la modifier.")
                )
            if period.mode == PeriodMode.DETAILED:
                month.errors.append(
                    _(
                        "Période saisie passage par passage : un import de totaux compterait ces passages "
                        "deux fois."
                    )
                )
        if not month.incomplete:
            month.errors.extend(aggregate_check(month.counts).errors)
        for message in month.errors:
            preview.add_error(
                month.first_line, "mois", f"{month.site_name}, {month_label(month.month)} : {message}"
            )


# --- The downloadable template and the codes it may use ------------------------------------------


@dataclass
class CodeList:
    dimension: str
    label: str
    items: list[tuple[str, str]]  # (code, label)


def reference_codes() -> list[CodeList]:
    """Every breakdown with the codes its `modalite` column accepts, in the lists' order."""
    lists = [CodeList(Dimension.TOTAL.value, str(Dimension.TOTAL.label), [])]
    for dimension, model in DIMENSION_MODELS.items():
        lists.append(
            CodeList(dimension.value, str(dimension.label), list(model.objects.values_list("code", "label")))
        )
    return lists


def sex_codes() -> list[tuple[str, str]]:
    return list(Sex.objects.values_list("code", "label"))


def template_rows(user, today: datetime.date | None = None) -> list[list]:
    """The header and a few consistent example lines, with the user's own site and real codes."""
    today = today or timezone.localdate()
    site = Site.objects.editable_by(user).order_by("name").values_list("slug", flat=True).first()
    site = site or "identifiant-du-site"
    month = first_of_month(first_of_month(today) - datetime.timedelta(days=1)).strftime("%Y-%m")
    sexes = [code for code, _label in sex_codes()] or ["femme", "homme"]
    woman, man = sexes[0], sexes[-1]
    codes = {
        code_list.dimension: [code for code, _label in code_list.items] for code_list in reference_codes()
    }
    age_band = (codes.get(Dimension.AGE_BAND) or ["moins-26"])[0]
    referral = (codes.get(Dimension.REFERRAL) or ["france-travail"])[0]
    return [
        list(COLUMNS),
        [site, month, Dimension.TOTAL.value, "", woman, 120],
        [site, month, Dimension.TOTAL.value, "", man, 95],
        [site, month, Dimension.AGE_BAND.value, age_band, woman, 70],
        # An empty item is "non renseigné": the part of the total whose age band was not asked.
        [site, month, Dimension.AGE_BAND.value, "", woman, 50],
        [site, month, Dimension.REFERRAL.value, referral, man, 20],
    ]


def template_csv(user) -> bytes:
    output = io.StringIO()
    # Semicolons and a BOM: what a French spreadsheet opens correctly with a double click.
    csv.writer(output, delimiter=";", lineterminator="\r\n").writerows(template_rows(user))
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def template_xlsx(user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Statistiques"
    for row in template_rows(user):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Text cells, so that the spreadsheet keeps "2024-01" and codes as typed, not as dates or numbers.
    for column in "ABCDE":
        for cell in sheet[column]:
            cell.number_format = "@"
    for column, width in zip("ABCDEF", (28, 10, 18, 24, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    codes = workbook.create_sheet("Codes")
    codes.append([_("ventilation"), _("code (colonne modalite)"), _("libellé")])
    for code_list in reference_codes():
        codes.append([code_list.dimension, "", _("Total ou non renseigné : laisser vide")])
        for code, label in code_list.items:
            codes.append([code_list.dimension, code, label])
    codes.append([])
    codes.append([_("sexe"), _("code (colonne sexe)"), _("libellé")])
    for code, label in sex_codes():
        codes.append(["sexe", code, label])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABC", (18, 28, 50), strict=True):
        codes.column_dimensions[column].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
