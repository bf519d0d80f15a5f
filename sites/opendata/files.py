"""Open data files: CSV as open data portals expect it (RFC 4180: comma, UTF-8 without BOM, CRLF,
a header row), every text cell defused against spreadsheet formulas (spro.spreadsheets), and the
headers that let anyone fetch them (no cookie needed, any origin may read them)."""

import csv
import io
import re
from collections.abc import Iterable

from django.http import HttpResponse, JsonResponse

from spro.spreadsheets import defuse

# Lists (themes, publics…) in one CSV cell: values never hold this character.
LIST_SEPARATOR = "|"
# An international phone number ("+33326…") starts with "+", which defuse() would prefix with an
# apostrophe; a "+" followed by digits only is a number in a spreadsheet, never a formula that runs.
_PHONE = re.compile(r"\+\d{6,15}")
CACHE_CONTROL = "public, max-age=900"


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, str) and _PHONE.fullmatch(value):
        return value
    return defuse(value) if isinstance(value, str) else str(value)


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def dictionary_csv_text(columns) -> str:
    """A data dictionary (dictionary.Column) as CSV: one line per column of the file it describes."""
    return csv_text(["colonne", "type", "description"], ([c.name, c.type, c.meaning] for c in columns))


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = CACHE_CONTROL
    # Public data, read without credentials: any web page may fetch it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def csv_response(text: str, filename: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8", status=status)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _public(response)


def json_response(data) -> HttpResponse:
    return _public(JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False}))


def text_response(message: str, status: int) -> HttpResponse:
    """An explanation in plain text, for a file that cannot be served (bad parameter, unknown year)."""
    return HttpResponse(message, content_type="text/plain; charset=utf-8", status=status)
