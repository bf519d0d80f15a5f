"""Hostile files at the statistics import, through the page an attacker would use.

Each file is built here, in memory: zip bombs, endless blank rows, damaged workbooks, absurd
counts, foreign encodings. Each must end in a French message on the page (the form's error, or a
line of the preview), in well under a second, with nothing written. And every spreadsheet the
platform writes (the import template here, the exports in test_exports.py) keeps text as text.
"""

import codecs
import csv
import io
import random
import struct
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from stats.enums import Dimension
from stats.models import AgeBand, AggregateCount, MonthlyCount, Period
from tests.stats.test_imports import COLUMNS, LAST_MONTH, M1, csv_file, month_rows, preview_page, text, upload

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
DAMAGED = "Le classeur est endommagé ou illisible"
DAMAGED_ADVICE = (
    "ouvrez-le dans votre tableur et enregistrez-le de nouveau au format XLSX, ou déposez-le en CSV."
)
TOO_COMPLEX = "Le classeur est trop complexe pour un import"
TOO_MANY_ROWS = "Le fichier dépasse 40\xa0000 lignes en comptant les lignes vides"
UTF16 = (
    "Le fichier semble encodé en UTF-16 : enregistrez-le en UTF-8 (« CSV UTF-8 » dans votre tableur) "
    "ou en XLSX."
)


# --- Building hostile files ----------------------------------------------------------------------


def workbook_bytes(rows=()) -> bytes:
    """A genuine workbook, as openpyxl writes it: the base that the hostile ones are edited from."""
    workbook = Workbook()
    for row in [COLUMNS, *rows]:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rezip(data: bytes, replace=None, content_types=(), stream=None) -> bytes:
    """The workbook with some parts replaced or added (and their content types declared).

    `stream`: (name, chunks) for a part too large to build in memory first, written chunk by chunk.
    """
    replace = dict(replace or {})
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    for part_name, content_type in content_types:
        override = f'<Override PartName="/{part_name}" ContentType="{content_type}"/>'.encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", override + b"</Types>"
        )
    parts.update(replace)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        if stream:
            name, chunks = stream
            with archive.open(name, "w") as part:
                for chunk in chunks:
                    part.write(chunk)
    return output.getvalue()


def sheet_xml(rows: str, before: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{before}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def row_xml(number: int, values) -> str:
    cells = "".join(
        f'<c t="inlineStr"><is><t>{value}</t></is></c>'
        if isinstance(value, str)
        else f"<c><v>{value}</v></c>"
        for value in values
    )
    return f'<row r="{number}">{cells}</row>'


HEADER_ROW = row_xml(1, COLUMNS)


def with_sheet(rows: str, before: str = "") -> bytes:
    return rezip(workbook_bytes(), {"xl/worksheets/sheet1.xml": sheet_xml(rows, before)})


def with_shared_strings(xml: bytes, rows: str = HEADER_ROW) -> bytes:
    return rezip(
        workbook_bytes(),
        {"xl/sharedStrings.xml": xml, "xl/worksheets/sheet1.xml": sheet_xml(rows)},
        content_types=[("xl/sharedStrings.xml", SHARED_STRINGS_TYPE)],
    )


def shared_strings_bomb(megabytes: int) -> bytes:
    """One shared string of `megabytes` MB of "A": it packs into a few tens of kilobytes."""
    chunks = [f'<sst xmlns="{MAIN}"><si><t>'.encode(), *([b"A" * 1_000_000] * megabytes), b"</t></si></sst>"]
    return rezip(
        workbook_bytes(),
        {"xl/worksheets/sheet1.xml": sheet_xml(HEADER_ROW)},
        content_types=[("xl/sharedStrings.xml", SHARED_STRINGS_TYPE)],
        stream=("xl/sharedStrings.xml", chunks),
    )


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with one part's unpacked size declared smaller than it is, in both its headers."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)  # The local header.
    at = data.find(b"PK\x01\x02")  # The central directory, entry by entry.
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 46)
    return bytes(data)


def xlsx(content: bytes, name="historique.xlsx"):
    return SimpleUploadedFile(name, content)


def nothing_written():
    assert not Period.objects.exists()
    assert not AggregateCount.objects.exists()
    assert not MonthlyCount.objects.exists()


def refused(client, file, message: str):
    """The upload ends on the form with the message (400, as any invalid form), quickly, writing nothing."""
    started = time.monotonic()
    response = upload(client, file)
    elapsed = time.monotonic() - started
    page = text(response)
    assert response.status_code == 400, page[-2000:]
    assert message in page
    # Under a second here; the bound leaves room for a loaded machine (the blank rows took 17 s).
    assert elapsed < 5, f"{elapsed:.1f} s"
    nothing_written()
    return page


@pytest.fixture
def client(client_for, coordinator_a, site_a, refs):
    return client_for(coordinator_a)


# --- Zip bombs and what a workbook unpacks to ----------------------------------------------------


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_by_its_unpacked_size(client):
    # 60 MB of shared strings packed into about 60 KB: refused from the zip's directory, unread.
    bomb = shared_strings_bomb(60)
    assert len(bomb) < 100_000
    refused(
        client,
        xlsx(bomb),
        "Le classeur est trop volumineux une fois décompressé (plus de 50 Mo) : découpez-le (par année, "
        "par exemple) ou déposez-le en CSV.",
    )


@pytest.mark.django_db
def test_an_absurd_compression_ratio_is_refused(client):
    bomb = shared_strings_bomb(5)
    refused(
        client,
        xlsx(bomb),
        "Le classeur est anormalement compressé (une de ses parties grossit plus de 100 fois",
    )


@pytest.mark.django_db
def test_a_zip_that_lies_about_its_sizes_is_read_no_further_than_it_says(client):
    bomb = shared_strings_bomb(5)
    refused(client, xlsx(lie_about_size(bomb, "xl/sharedStrings.xml", 1000)), DAMAGED)


@pytest.mark.django_db
def test_a_part_openpyxl_would_build_whole_in_memory_is_bounded(client):
    # Styles are parsed whole: 60,000 formats (varied, so that they compress like real ones).
    rng = random.Random(1)
    formats = "".join(f'<xf numFmtId="{rng.randrange(10**6)}" fontId="0"/>' for _ in range(60_000))
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs count="60000">{formats}</cellXfs></styleSheet>'
    refused(client, xlsx(rezip(workbook_bytes(), {"xl/styles.xml": styles.encode()})), TOO_COMPLEX)


@pytest.mark.django_db
def test_a_row_wider_than_any_spreadsheet_is_refused(client):
    # openpyxl builds a row whole before freeing it: 30,000 cells in one row, past Excel's 16,384.
    cells = "".join(f"<c><v>{n}</v></c>" for n in range(30_000))
    refused(client, xlsx(with_sheet(HEADER_ROW + f'<row r="2">{cells}</row>')), TOO_COMPLEX)


@pytest.mark.django_db
def test_xml_entities_are_refused(client):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "AAAAAAAAAA">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + f'<sst xmlns="{MAIN}"><si><t>&b;</t></si></sst>'.encode()
    )
    refused(client, xlsx(with_shared_strings(laughs)), DAMAGED)


# --- Blank rows ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_million_blank_rows_claimed_in_a_few_bytes_stop_at_the_cap(client):
    # Row 1 000 000 after the header: openpyxl yields the 999 998 missing rows as blank ones.
    far_row = row_xml(1_000_000, ["reims", M1, "total", "", "femme", 3])
    refused(client, xlsx(with_sheet(HEADER_ROW + far_row)), TOO_MANY_ROWS)


@pytest.mark.django_db
def test_a_hundred_thousand_empty_row_elements_are_refused_before_reading(client):
    empty_rows = "".join(f'<row r="{n}"/>' for n in range(2, 100_002))
    refused(client, xlsx(with_sheet(HEADER_ROW + empty_rows)), TOO_MANY_ROWS)


@pytest.mark.django_db
def test_a_csv_of_blank_lines_stops_at_the_cap(client):
    content = ";".join(COLUMNS).encode() + b"\r\n" * 1_000_000
    refused(client, SimpleUploadedFile("vide.csv", content), TOO_MANY_ROWS)


@pytest.mark.django_db
def test_trailing_blank_rows_under_the_cap_are_still_ignored(client):
    rows = HEADER_ROW + "".join(row_xml(n, v) for n, v in enumerate(month_rows(), start=2))
    rows += "".join(f'<row r="{n}"/>' for n in range(7, 5_000))  # A spreadsheet's formatted rows.
    response, _url = preview_page(client, xlsx(with_sheet(rows)))
    assert response.context["preview"].is_valid, response.context["preview"].errors
    assert response.context["preview"].line_count == 5


# --- Damaged workbooks ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_damaged_workbooks_give_a_french_error(client):
    genuine = workbook_bytes(month_rows())
    no_worksheet = rezip(
        genuine,
        {
            "xl/workbook.xml": f'<workbook xmlns="{MAIN}"><sheets/></workbook>'.encode(),
        },
    )
    string_out_of_range = with_shared_strings(
        f'<sst xmlns="{MAIN}"><si><t>reims</t></si></sst>'.encode(),
        HEADER_ROW + '<row r="2"><c t="s"><v>7</v></c></row>',
    )
    cases = [
        (no_worksheet, DAMAGED),
        (string_out_of_range, f"{DAMAGED} (vers la ligne 2)"),
        (b"site;mois;ventilation;modalite;sexe;nombre\r\n", DAMAGED),  # A CSV named .xlsx.
        (genuine[: len(genuine) // 2], DAMAGED),  # Cut short in transfer.
        (rezip(genuine, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"}), DAMAGED),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "Ce fichier est au format Excel 97-2003 (.xls)"),
    ]
    for content, message in cases:
        page = refused(client, xlsx(content), message)
        if message.startswith(DAMAGED):
            assert DAMAGED_ADVICE in page


# --- Counts --------------------------------------------------------------------------------------


def error_rows(response) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in response.context["preview"].errors]


@pytest.mark.django_db
def test_counts_must_be_plausible_whole_numbers(client, settings):
    assert settings.SPRO_MAX_MONTHLY_COUNT == 100_000
    rows = [
        ["reims", M1, "total", "", "femme", 100_000],  # 2: the ceiling itself is accepted.
        ["reims", M1, "total", "", "homme", "99999999999"],  # 3
        ["reims", M1, "age_band", "moins-26", "femme", "9" * 5000],  # 4
        ["reims", M1, "age_band", "26-44", "femme", str(2**31)],  # 5
        ["reims", M1, "age_band", "45-plus", "femme", "12.5"],  # 6
        ["reims", M1, "situation", "salarie", "femme", "-3"],  # 7
        ["reims", M1, "situation", "scolaire", "femme", "1e3"],  # 8
        ["reims", M1, "channel", "prescripteur", "femme", "-" + "9" * 5000],  # 9
        ["reims", M1, "theme", "emploi", "femme", "١٢"],  # 10: Arabic-Indic digits.
    ]
    response, url = preview_page(client, csv_file(rows))
    assert response.status_code == 200
    errors = error_rows(response)
    assert [(line, column) for line, column, _message in errors] == [(n, "nombre") for n in range(3, 11)]
    messages = [message for _line, _column, message in errors]
    assert messages[0] == (
        "Nombre trop grand (99999999999) : une case compte au plus 100\xa0000 passages par mois. "
        "Vérifiez ce nombre."
    )
    assert messages[1].startswith("Nombre trop grand (99999999999999")  # Cut, not 5,000 digits.
    assert len(messages[1]) < 200
    assert messages[2].startswith("Nombre trop grand (2147483648)")
    assert messages[3] == "« 12.5 » n'est pas un nombre entier."
    assert messages[4] == "Le nombre ne peut pas être négatif (-3)."
    assert messages[5] == "« 1e3 » n'est pas un nombre entier."
    assert messages[6].startswith("Le nombre ne peut pas être négatif (-9999")
    assert messages[7] == "« ١٢ » n'est pas un nombre entier."
    page = text(response)
    # The table names the line and the column of each error.
    assert '<td class="num">5</td><td><code>nombre</code></td><td>Nombre trop grand (2147483648)' in page
    assert "Exceeds the limit" not in page
    assert client.post(url).status_code == 400
    nothing_written()


@pytest.mark.django_db
def test_the_ceiling_applies_to_xlsx_numbers_and_follows_the_setting(client, settings):
    settings.SPRO_MAX_MONTHLY_COUNT = 50
    rows = [*month_rows(), ["reims", M1, "total", "", "autre", 2**31]]
    workbook = Workbook()
    for row in [COLUMNS, *rows]:
        workbook.active.append(row)
    workbook.active["F2"] = 51  # The women's total, one above the ceiling.
    output = io.BytesIO()
    workbook.save(output)
    response, url = preview_page(client, xlsx(output.getvalue()))
    errors = error_rows(response)
    assert [(line, column) for line, column, _message in errors if column == "nombre"] == [
        (2, "nombre"),
        (7, "nombre"),
    ]
    assert errors[0][2].startswith("Nombre trop grand (51) : une case compte au plus 50 passages par mois.")
    assert "Nombre trop grand (2\xa0147\xa0483\xa0648)" in errors[-1][2]
    assert client.post(url).status_code == 400
    nothing_written()


@pytest.mark.django_db
def test_the_totals_page_has_the_same_ceiling(client, refs, settings):
    url = reverse(
        "stats:aggregate_entry", kwargs={"slug": "reims", "year": LAST_MONTH.year, "month": LAST_MONTH.month}
    )
    women, men = (f"{Dimension.TOTAL.value}__0__{sex.pk}" for sex in refs.sexes)
    page = text(client.get(url))
    assert 'max="100000"' in page
    for value, message in (
        ("100001", "Au plus 100\xa0000 passages par mois dans une case : vérifiez ce nombre."),
        (str(2**31), "Au plus 100\xa0000 passages par mois dans une case : vérifiez ce nombre."),
        ("9" * 5000, "Saisissez un nombre entier."),
    ):
        response = client.post(url, {women: value, men: "3"})
        assert response.status_code == 200
        assert message in text(response)
        nothing_written()
    # At the ceiling, the month is saved.
    assert client.post(url, {women: "100000", men: "3"}).status_code == 302
    assert AggregateCount.objects.get(dimension=Dimension.TOTAL, sex=refs.sexes[0]).count == 100_000


# --- Encodings and empty files -------------------------------------------------------------------


def csv_bytes(rows, header=COLUMNS) -> str:
    output = io.StringIO()
    csv.writer(output, delimiter=";").writerows([header, *rows])
    return output.getvalue()


@pytest.mark.django_db
def test_csv_encodings_are_named(client):
    content = csv_bytes(month_rows())
    cases = [
        (content.encode("utf-16"), UTF16),  # With its byte-order mark, as Excel's "Unicode text".
        (content.encode("utf-16-le"), UTF16),  # Without.
        (codecs.BOM_UTF32_LE + content.encode("utf-32-le"), "Le fichier semble encodé en UTF-32"),
        (
            content.encode() + b"reims;\x81\x8d;total;;femme;3\r\n",  # Neither UTF-8 nor Windows-1252.
            "Le fichier n'est pas encodé en UTF-8 et contient des caractères illisibles : enregistrez-le "
            "en « CSV UTF-8 » depuis votre tableur, ou en XLSX.",
        ),
        (
            ";".join(COLUMNS).encode() + b"\r\n\x00\x01\x02\x03binaire",
            "Le fichier contient des caractères nuls",
        ),
        (workbook_bytes(month_rows()), "Ce fichier est un classeur XLSX nommé .csv : renommez-le en .xlsx"),
    ]
    for raw, message in cases:
        refused(client, SimpleUploadedFile("historique.csv", raw), message)


@pytest.mark.django_db
def test_a_header_without_lines_says_so(client):
    for file in (
        SimpleUploadedFile("entete.csv", (";".join(COLUMNS) + "\r\n\r\n").encode()),
        xlsx(workbook_bytes()),
    ):
        refused(client, file, "Le fichier ne contient aucune ligne de données.")


@pytest.mark.django_db
def test_an_unclosed_quote_is_explained_in_french(client):
    content = csv_bytes(month_rows()) + 'reims;"' + "x" * 200_000 + "\r\n"
    page = refused(
        client,
        SimpleUploadedFile("guillemet.csv", content.encode()),
        "À partir de la ligne 7 : un champ dépasse",
    )
    assert "Un guillemet (\") n'est-il pas resté ouvert ?" in page
    assert "field larger" not in page


# --- What the platform writes --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_writes_reference_labels_as_text(client, refs):
    AgeBand.objects.create(code="-piege", label='=HYPERLINK("http://evil","x")', order=0)
    AgeBand.objects.create(code="erreur", label="#N/A", order=9)
    AgeBand.objects.create(code="controle", label="Bac\x01", order=9)

    response = client.get(reverse("stats:import_template", kwargs={"fmt": "xlsx"}))
    codes = load_workbook(io.BytesIO(response.content))["Codes"]
    cells = {row[2].value: row[2] for row in codes.iter_rows() if row[0].value == "age_band"}
    trap = cells['=HYPERLINK("http://evil","x")']
    assert trap.data_type == "s"  # A string, not a formula.
    assert trap.quotePrefix  # Shown and edited as text in a spreadsheet.
    assert cells["#N/A"].data_type == "s"  # Not an error cell.
    assert "Bac" in cells  # A control character an XLSX can't hold is dropped, not a 500.
    # Read back by the template's own sheet too: "-piege" is the first code of the age bands.
    sheet = load_workbook(io.BytesIO(response.content))["Statistiques"]
    piege = next(row for row in sheet.iter_rows() if row[3].value == "-piege")
    assert piege[3].data_type == "s" and piege[3].quotePrefix

    csv_template = client.get(reverse("stats:import_template", kwargs={"fmt": "csv"})).content
    assert ";'-piege;" in csv_template.decode("utf-8")  # A formula start in a CSV gets its apostrophe.
    # And both templates still import as they are.
    for name, content in (("modele.csv", csv_template), ("modele.xlsx", response.content)):
        preview = preview_page(client, SimpleUploadedFile(name, content))[0].context["preview"]
        assert preview.is_valid, preview.errors
        assert preview.months[0].new_total == 215
