"""Every CSV and XLSX the platform writes goes through here: text must never run as a formula.

Labels, site names and reference lists are typed by people. A spreadsheet that opens a cell
starting with "=", "+", "-" or "@" runs it as a formula (`=HYPERLINK(…)` sends the reader to any
address, older ones even ran commands through DDE), so text written to a file is defused:

- in a CSV, where every cell is text, such a value gets a leading apostrophe: the spreadsheet
  shows it as text, and the import (stats.imports) takes the apostrophe off again;
- in an XLSX, the cell is written as a string cell with Excel's "quote prefix", so the value
  stays exactly what was typed and is shown, edited and saved as text.
"""

import re
from collections.abc import Iterable

from django.utils.functional import Promise

# A tab or a carriage return in front of "=" still makes a formula in some spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Control characters an XLSX can't hold: openpyxl refuses the whole file for a single one.
_ILLEGAL_XLSX_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _as_text(value):
    # Lazy translations are text too: they would otherwise slip past the isinstance checks.
    return str(value) if isinstance(value, Promise) else value


def defuse(value):
    """A CSV cell: text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    value = _as_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def defuse_row(values: Iterable) -> list:
    return [defuse(value) for value in values]


def undefuse(text: str) -> str:
    """The value `defuse` wrote: what reads back a CSV written by the platform (an import template)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def append_row(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl worksheet; text is always written as text.

    openpyxl takes a string starting with "=" for a formula and "#N/A" for an error code: those
    cells are turned back into string cells, with the quote prefix a spreadsheet uses for text
    typed with a leading apostrophe (so that editing the cell doesn't turn it into a formula).
    """
    values = [_as_text(value) for value in values]
    values = [_ILLEGAL_XLSX_CHARACTERS.sub("", v) if isinstance(v, str) else v for v in values]
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if not isinstance(value, str):
            continue
        cell = sheet.cell(row=row, column=column)
        if cell.data_type != "s":
            cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
