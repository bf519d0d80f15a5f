"""Import of historical statistics (monthly totals) from a CSV or XLSX file: reading and checking.

One row per site × month × breakdown × item × sex, with the columns of `COLUMNS`. Reading streams
the rows (a CSV is decoded line by line, an XLSX is opened read-only), so a large file never sits in
memory twice. A file is a stranger's: its encoding, what a workbook unpacks to, its rows, cells and
numbers are bounded before they cost the server anything, and whatever fails to read ends in a
French message, never in an error page. Nothing here writes: `parse` builds an `ImportPreview` that
says, per site and month, what the file holds, what the platform holds and what would change, with
every error tied to its line and column. The write itself is `services.aggregate_import`, all or
nothing.
"""

import codecs
import csv
import datetime
import io
import itertools
import posixpath
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

import rules
from django.conf import settings
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sites.models import Site
from spro.spreadsheets import append_row, defuse_row, undefuse

from .enums import Dimension, PeriodMode, PeriodStatus
from .models import DIMENSION_MODELS, AggregateCount, MonthlyCount, Period, Sex, first_of_month
from .services import aggregate_check

COLUMNS = ("site", "mois", "ventilation", "modalite", "sexe", "nombre")
# Beyond this, a file is not a site's history but a mistake (or an attack on the server's time).
MAX_LINES = 20_000
# Blank rows cost time too (a sheet can claim a million of them in a few bytes): every row read
# counts towards this, blank or not.
MAX_ROWS_READ = 2 * MAX_LINES
# Only the first columns are read: the header must be among them, the rest is someone's notes.
MAX_COLUMNS = 50
MAX_FILE_SIZE = 20 * 1024 * 1024
# Errors kept for display; the count is always exact.
MAX_ERRORS_SHOWN = 500

# An XLSX unpacked: a 20,000-line sheet is 5 to 10 MB of XML, and compresses 10 to 25 times.
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
MAX_XLSX_RATIO = 100
# The zip's own directory (about 100 bytes a part): a workbook has a few dozen parts.
MAX_XLSX_DIRECTORY = 1024 * 1024
# XML elements: openpyxl spends a few microseconds on each, and builds some parts whole. A
# 20,000-line sheet holds 250,000 to 400,000 of them; a part that openpyxl builds whole (styles,
# workbook…), and what a streamed sheet keeps outside its rows, far fewer.
MAX_XLSX_ELEMENTS = 1_000_000
MAX_PART_ELEMENTS = 50_000
# Cells, in all the sheets: a 20,000-line import has 120,000 (a few more with notes on the side).
MAX_XLSX_CELLS = 250_000
MAX_CELLS_PER_ROW = 16_384  # Excel's last column, XFD.
MAX_ITEM_ELEMENTS = 100_000  # In one row or one shared string, built whole by openpyxl.
ELEMENT_START = re.compile(rb"<[A-Za-z_]")

SNIFF_SIZE = 4096
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), among others.
# Longest first: UTF-32's little-endian mark starts like UTF-16's.
BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
SHEET_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Longer values are cut in error messages (a CSV field may hold 128 KB).
SHOWN_LENGTH = 60

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
# ASCII digits only: int() would take any script's digits, and the ceiling below bounds the length.
INTEGER_PATTERN = re.compile(r"^[+-]?[0-9]+$")


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
#
# The file comes from anyone with an importer's account: its size, its encoding and its structure
# are checked before anything large is decoded, and every failure of a reader is turned into a
# French message on the form. Nothing here may end in a 500 or in a process swollen by a file.


def _normalise_header(value) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return text.strip().lower()


def _sniff(file) -> bytes:
    file.seek(0)
    head = file.read(SNIFF_SIZE)
    file.seek(0)
    return head


def _foreign_format(head: bytes) -> str | None:
    """The message for a file that is a workbook of another kind than its name says, if it is one."""
    if head.startswith(OLE2_MAGIC):
        return _("Ce fichier est au format Excel 97-2003 (.xls) : enregistrez-le au format XLSX ou CSV.")
    return None


def _check_csv_bytes(file) -> str:
    """The encoding to read a CSV with, or an ImportFileError that names the problem."""
    head = _sniff(file)
    for bom, encoding in BOMS:
        if head.startswith(bom):
            raise ImportFileError(
                _(
                    "Le fichier semble encodé en %(encoding)s : enregistrez-le en UTF-8 "
                    "(« CSV UTF-8 » dans votre tableur) ou en XLSX."
                )
                % {"encoding": encoding}
            )
    foreign = _foreign_format(head)
    if foreign:
        raise ImportFileError(foreign)
    if head.startswith(ZIP_MAGIC):
        raise ImportFileError(
            _("Ce fichier est un classeur XLSX nommé .csv : renommez-le en .xlsx, ou enregistrez-le en CSV.")
        )
    if b"\x00" in head:
        # UTF-16 without its byte-order mark puts a NUL next to every ASCII character.
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise ImportFileError(
                _(
                    "Le fichier semble encodé en %(encoding)s : enregistrez-le en UTF-8 "
                    "(« CSV UTF-8 » dans votre tableur) ou en XLSX."
                )
                % {"encoding": "UTF-16"}
            )
        raise ImportFileError(
            _(
                "Le fichier contient des caractères nuls : ce n'est pas un fichier texte CSV. "
                "Enregistrez-le en « CSV UTF-8 » depuis votre tableur, ou en XLSX."
            )
        )
    # UTF-8 (with or without BOM) when the bytes decode as such, else Windows-1252 (what Excel
    # writes for "CSV (séparateur : point-virgule)" in France). Each is checked over the whole file,
    # in C, so that the reading below never meets an undecodable byte halfway.
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        file.seek(0)
        try:
            for chunk in iter(lambda: file.read(1024 * 1024), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            file.seek(0)
        return encoding
    raise ImportFileError(
        _(
            "Le fichier n'est pas encodé en UTF-8 et contient des caractères illisibles : enregistrez-le "
            "en « CSV UTF-8 » depuis votre tableur, ou en XLSX."
        )
    )


def _csv_rows(file) -> Iterator[tuple[int, list]]:
    text = io.TextIOWrapper(file, encoding=_check_csv_bytes(file), newline="")
    try:
        # Bounded: a "line" of the whole file would otherwise be read at once just to find its delimiter.
        first = text.readline(1024 * 1024)
        # French spreadsheets write ";" (the comma is the decimal mark); others ",", some a tab.
        delimiter = max((";", ",", "\t"), key=first.count)
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        line = 0
        try:
            for row in reader:
                yield reader.line_num, row
                line = reader.line_num
        except csv.Error as error:
            # The csv module's messages are English and technical: say what the person can check.
            if "field limit" in str(error):
                message = _(
                    'À partir de la ligne %(line)s : un champ dépasse %(max)s caractères. Un guillemet (") '
                    "n'est-il pas resté ouvert ?"
                ) % {
                    "line": line + 1,
                    "max": formats.number_format(csv.field_size_limit(), force_grouping=True),
                }
            else:
                message = _("Ligne %(line)s : le fichier CSV est mal formé.") % {"line": line + 1}
            raise ImportFileError(message) from error
    finally:
        # Leave the uploaded file open for its owner (Django closes it at the end of the request).
        text.detach()


# XLSX. A workbook is a zip of XML parts: its size on the form says nothing of what it unpacks to,
# and openpyxl builds some parts whole in memory (styles, workbook, relationships) and streams
# only the worksheets and the shared strings. So, before openpyxl sees it: the zip's directory,
# each part's unpacked size and compression ratio, the number of XML elements of every part, and
# the rows and cells of the parts openpyxl streams.


class _Refused(Exception):
    """A workbook refused by the checks, with the message to show."""


def _damaged(line: int = 0) -> str:
    if line:
        return _(
            "Le classeur est endommagé ou illisible (vers la ligne %(line)s) : ouvrez-le dans votre "
            "tableur et enregistrez-le de nouveau au format XLSX, ou déposez-le en CSV."
        ) % {"line": line}
    return _(
        "Le classeur est endommagé ou illisible : ouvrez-le dans votre tableur et enregistrez-le de "
        "nouveau au format XLSX, ou déposez-le en CSV."
    )


def _too_complex() -> str:
    return _(
        "Le classeur est trop complexe pour un import (trop de cellules, de styles ou d'éléments) : "
        "copiez les colonnes du modèle dans un nouveau classeur, ou déposez-le en CSV."
    )


def _too_many_rows() -> str:
    return _(
        "Le fichier dépasse %(max)s lignes en comptant les lignes vides : supprimez les lignes vides "
        "(en fin de feuille, par exemple) ou découpez le fichier."
    ) % {"max": formats.number_format(MAX_ROWS_READ, force_grouping=True)}


def _central_directory_size(file) -> int | None:
    """The size of the zip's directory, read from its end record as zipfile will (None: no record)."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    tail_size = min(size, 22 + 65_535 + 20)  # The end record, its longest comment, the zip64 locator.
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    directory_size = struct.unpack("<I", tail[at + 12 : at + 16])[0]
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        # A zip64 file: the real size is in the zip64 end record the locator points to.
        offset = struct.unpack("<Q", tail[at - 12 : at - 4])[0]
        if offset < size:
            file.seek(offset)
            record = file.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                directory_size = struct.unpack("<Q", record[40:48])[0]
    return directory_size


def _count_elements(archive, info) -> int:
    """How many XML elements a part opens (an upper bound), without parsing it."""
    count = 0
    with archive.open(info) as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            count += len(ELEMENT_START.findall(chunk))
    return count


def _read_xml(archive, name: str, elements: dict[str, int]):
    """A part openpyxl reads whole too, parsed whole: only once it is known to be small."""
    from defusedxml.ElementTree import fromstring

    if elements.get(name, 0) > MAX_PART_ELEMENTS:
        raise _Refused(_too_complex())
    return fromstring(archive.read(name))


def _streamed_parts(archive, elements: dict[str, int]) -> tuple[set[str], str | None]:
    """The parts openpyxl reads as a stream in read-only mode: the worksheets and the shared strings.

    Found the way openpyxl finds them: content types, then the workbook and its relationships
    (the first of each name or type wins, as in openpyxl).
    """
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, XLSM, XLSX, XLTM, XLTX

    overrides = {}
    for element in _read_xml(archive, ARC_CONTENT_TYPES, elements).iter(f"{{{CONTENT_TYPES_NS}}}Override"):
        overrides.setdefault(element.get("ContentType"), (element.get("PartName") or "").lstrip("/"))
    workbook = next((overrides[t] for t in (XLTM, XLTX, XLSM, XLSX) if t in overrides), "xl/workbook.xml")
    strings = overrides.get(SHARED_STRINGS)
    folder = posixpath.dirname(workbook)
    relations = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets = {}
    if relations in elements:
        relationships = _read_xml(archive, relations, elements)
        for element in relationships.iter(f"{{{PACKAGE_RELATIONSHIPS_NS}}}Relationship"):
            target = element.get("Target") or ""
            if element.get("TargetMode") == "External":
                continue
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            targets.setdefault(element.get("Id"), (target, element.get("Type") or ""))
    sheets, others = set(), set()
    for element in _read_xml(archive, workbook, elements).iter():
        target, kind = targets.get(element.get(f"{{{DOCUMENT_RELATIONSHIPS_NS}}}id"), (None, ""))
        if target is None:
            continue
        if element.tag == f"{{{SHEET_MAIN_NS}}}sheet" and "chartsheet" not in kind:
            sheets.add(target)
        else:
            others.add(target)  # External links, pivot caches…: read whole by openpyxl.
    whole = {
        ARC_CONTENT_TYPES,
        workbook,
        relations,
        "xl/styles.xml",
        "docProps/core.xml",
        "docProps/custom.xml",
    }
    whole |= others | {name for name in elements if name.endswith(".rels")}
    return sheets - whole, (strings if strings not in whole else None)


def _scan_streamed_part(archive, info, *, sheet: bool, cells_left: int) -> int:
    """A streamed part's structure: rows, cells, and what openpyxl holds in memory at once.

    openpyxl frees a row (or a shared string) once read, but builds each one whole, and keeps every
    element outside them: both are bounded here, with expat, before openpyxl reads the part. Returns
    the number of cells, refused past `cells_left`.
    """
    item = f"{SHEET_MAIN_NS} {'row' if sheet else 'si'}"
    cell = f"{SHEET_MAIN_NS} c"
    depth = 0
    item_depth = None  # The depth of the row (or string) being read, None outside one.
    counts = {"items": 0, "cells": 0, "inside": 0, "outside": 0, "all_cells": 0}

    def start(name, _attributes):
        nonlocal depth, item_depth
        depth += 1
        if item_depth is None:
            if name == item:
                item_depth = depth
                counts["items"] += 1
                counts["cells"] = counts["inside"] = 0
                if sheet and counts["items"] > MAX_ROWS_READ:
                    raise _Refused(_too_many_rows())
            else:
                counts["outside"] += 1
                if counts["outside"] > MAX_PART_ELEMENTS:
                    raise _Refused(_too_complex())
        else:
            counts["inside"] += 1  # Rich text, say: a row of a few cells may hold many elements.
            if counts["inside"] > MAX_ITEM_ELEMENTS:
                raise _Refused(_too_complex())
            if name == cell and depth == item_depth + 1:
                counts["cells"] += 1
                counts["all_cells"] += 1
                if counts["cells"] > MAX_CELLS_PER_ROW or counts["all_cells"] > cells_left:
                    raise _Refused(_too_complex())

    def end(_name):
        nonlocal depth, item_depth
        if depth == item_depth:
            item_depth = None
        depth -= 1

    def refuse_entities(*_args):
        # Entity declarations are how XML bombs expand: no spreadsheet writes them.
        raise _Refused(_damaged())

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse_entities
    with archive.open(info) as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return counts["all_cells"]


def _check_workbook(file) -> None:
    """Refuse, before openpyxl reads it, a workbook that would cost the server too much."""
    head = _sniff(file)
    foreign = _foreign_format(head)
    if foreign:
        raise _Refused(foreign)
    if not head.startswith(ZIP_MAGIC):
        raise _Refused(_damaged())
    directory_size = _central_directory_size(file)
    if directory_size is None:
        raise _Refused(_damaged())
    if directory_size > MAX_XLSX_DIRECTORY:
        raise _Refused(_too_complex())
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if unpacked > MAX_XLSX_UNPACKED:
            raise _Refused(
                _(
                    "Le classeur est trop volumineux une fois décompressé (plus de %(max)s Mo) : "
                    "découpez-le (par année, par exemple) ou déposez-le en CSV."
                )
                % {"max": MAX_XLSX_UNPACKED // (1024 * 1024)}
            )
        for info in infos:
            if info.file_size > 1024 * 1024 and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                raise _Refused(
                    _(
                        "Le classeur est anormalement compressé (une de ses parties grossit plus de "
                        "%(ratio)s fois à la décompression) : il n'est pas lu. Enregistrez-le de nouveau "
                        "depuis votre tableur, ou déposez-le en CSV."
                    )
                    % {"ratio": MAX_XLSX_RATIO}
                )
        # zipfile stops each part at its declared size (and fails its checksum past it): the sums
        # above bound what is decompressed below, whatever the zip claims.
        elements = {info.filename: _count_elements(archive, info) for info in infos}
        if sum(elements.values()) > MAX_XLSX_ELEMENTS:
            raise _Refused(_too_complex())
        names = set(elements)
        sheets, strings = _streamed_parts(archive, elements)
        large = {name for name, count in elements.items() if count > MAX_PART_ELEMENTS}
        if large - sheets - {strings}:
            raise _Refused(_too_complex())  # A part that openpyxl would build whole in memory.
        # Every sheet, not only the first: openpyxl reads each one through at opening when it
        # doesn't state its size. Cells are what openpyxl spends its time on.
        cells_left = MAX_XLSX_CELLS
        for name in sorted(sheets & names) + sorted({strings} & names - sheets):
            cells_left -= _scan_streamed_part(
                archive, archive.getinfo(name), sheet=name in sheets, cells_left=cells_left
            )


def _xlsx_rows(file) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # What a damaged workbook raises inside zipfile, expat, defusedxml and openpyxl: caught around
    # the reading only, so that a mistake of ours still shows as one.
    read_errors = (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        InvalidFileException,
        expat.ExpatError,
        SyntaxError,  # xml.etree's ParseError.
        KeyError,
        IndexError,
        ValueError,  # Also defusedxml's refusals and UnicodeDecodeError.
        TypeError,
        AttributeError,
        ArithmeticError,  # Dates out of range, among others.
        OSError,
        EOFError,
        NotImplementedError,  # A compression method zipfile doesn't know.
        RuntimeError,  # An encrypted part.
        struct.error,
        zlib.error,
    )
    line = 0
    try:
        _check_workbook(file)
        file.seek(0)
        # openpyxl warns about spreadsheet features it drops (data validation, extensions…): they
        # don't matter to a reading of values, and the person importing can do nothing about them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The size a sheet declares may be wrong (or hostile): read the rows it really holds, and
            # only the first columns, where the header must be.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            while True:
                # openpyxl warns of values it can't take (a date out of range…) and reads them as
                # errors, which the checks then name. The filter is set around openpyxl's work only.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row = next(rows, None)
                if row is None:
                    break
                line += 1
                yield line, list(row)
        finally:
            workbook.close()
    except _Refused as refusal:
        raise ImportFileError(str(refusal)) from refusal
    except read_errors as error:
        raise ImportFileError(_damaged(line + 1 if line else 0)) from error


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
    # A CSV written by the platform (the template) prefixes formula-like text with an apostrophe.
    return undefuse(str(value).strip())


def _shown(text: str) -> str:
    """A value quoted in an error message: whole when short, cut when someone pasted a novel."""
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


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
                % {"value": _shown(_text(value))}
            )
        year, month_number = int(match[1]), int(match[2])
        if not 1 <= month_number <= 12 or year < 1900:
            raise ValueError(_("Mois impossible « %(value)s ».") % {"value": _text(value)})
        month = datetime.date(year, month_number, 1)
    if month > first_of_month(today):
        raise ValueError(_("Le mois %(month)s n'a pas encore commencé.") % {"month": month.strftime("%Y-%m")})
    return month


def _too_large(shown: str, ceiling: int) -> ValueError:
    return ValueError(
        _(
            "Nombre trop grand (%(value)s) : une case compte au plus %(max)s passages par mois. "
            "Vérifiez ce nombre."
        )
        % {"value": shown, "max": formats.number_format(ceiling, force_grouping=True)}
    )


def _count(value, ceiling: int) -> int:
    """A month's count: a whole number from 0 to the ceiling (settings.SPRO_MAX_MONTHLY_COUNT)."""
    if isinstance(value, bool):
        raise ValueError(_("Le nombre doit être un entier positif ou nul."))
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():  # Also infinities and NaN.
            raise ValueError(_("« %(value)s » n'est pas un nombre entier.") % {"value": value})
        number = int(value)
        shown = formats.number_format(number, force_grouping=True)
    else:
        # French spreadsheets group thousands with (non-breaking) spaces: "1 234".
        text = re.sub(r"[\s\u00a0\u202f]", "", _text(value))
        if not text:
            raise ValueError(_("Le nombre est manquant."))
        if not INTEGER_PATTERN.match(text):
            raise ValueError(_("« %(value)s » n'est pas un nombre entier.") % {"value": _shown(_text(value))})
        shown = _shown(text)  # As typed: the person finds it in the file.
        # More digits than the ceiling has: refused before int(), which won't convert more than
        # 4,300 digits anyway.
        if len(text.lstrip("+-").lstrip("0")) > len(str(ceiling)):
            if text.startswith("-"):
                raise ValueError(_("Le nombre ne peut pas être négatif (%(value)s).") % {"value": shown})
            raise _too_large(shown, ceiling)
        number = int(text)
    if number < 0:
        raise ValueError(_("Le nombre ne peut pas être négatif (%(value)s).") % {"value": number})
    if number > ceiling:
        raise _too_large(shown, ceiling)
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


def _is_blank(row) -> bool:
    # Counted in C first: a sheet's blank rows are many, and all None or "".
    if row.count(None) + row.count("") == len(row):
        return True
    return not any(_text(value) for value in row)


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
    ceiling = settings.SPRO_MAX_MONTHLY_COUNT
    rows_read = 0
    for line, row in rows:
        rows_read += 1
        if rows_read > MAX_ROWS_READ:
            raise ImportFileError(_too_many_rows())
        row = row[:MAX_COLUMNS]
        if _is_blank(row):
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
                _("Site « %(slug)s » inconnu ou que vous ne pouvez pas modifier.") % {"slug": _shown(slug)},
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
                % {"value": _shown(dimension), "values": ", ".join(Dimension.values)},
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
                % {"value": _shown(sex_code), "codes": ", ".join(lookups.sexes)},
            )
        try:
            number = _count(value["nombre"], ceiling)
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
    if not preview.line_count:
        raise ImportFileError(_("Le fichier ne contient aucune ligne de données."))
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
            % {"code": _shown(code), "dimension": Dimension(dimension).label},
        )
    return item


def _check_months(preview: ImportPreview, user) -> None:
    """Per site and month: the period's state, the totals' consistency, and what the platform holds."""
    if not preview.months:
        return
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
            # Closed to this person (stats.write_period): locked, or handed in and not the coordination.
            if not rules.test_rule("stats.write_period", user, period):
                month.errors.append(
                    _("Période verrouillée : demandez sa réouverture à la coordination régionale.")
                    if period.status == PeriodStatus.LOCKED
                    else _("Période déjà soumise : seule la coordination régionale peut la modifier.")
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
    # Codes and site identifiers are typed by people too: defused like every file the platform writes.
    csv.writer(output, delimiter=";", lineterminator="\r\n").writerows(
        defuse_row(row) for row in template_rows(user)
    )
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def template_xlsx(user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Statistiques"
    for row in template_rows(user):
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Text cells, so that the spreadsheet keeps "2024-01" and codes as typed, not as dates or numbers.
    for column in "ABCDE":
        for cell in sheet[column]:
            cell.number_format = "@"
    for column, width in zip("ABCDEF", (28, 10, 18, 24, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    codes = workbook.create_sheet("Codes")
    # The labels of the reference lists are typed by the coordination: never written as formulas.
    append_row(codes, [_("ventilation"), _("code (colonne modalite)"), _("libellé")])
    for code_list in reference_codes():
        append_row(codes, [code_list.dimension, "", _("Total ou non renseigné : laisser vide")])
        for code, label in code_list.items:
            append_row(codes, [code_list.dimension, code, label])
    codes.append([])
    append_row(codes, [_("sexe"), _("code (colonne sexe)"), _("libellé")])
    for code, label in sex_codes():
        append_row(codes, ["sexe", code, label])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABC", (18, 28, 50), strict=True):
        codes.column_dimensions[column].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
