"""CSV and XLSX exports of an events dashboard, written as the visit statistics' (stats/exports.py).

Each file starts with its filters (period, territory, kind of site, sites, kind of event, theme,
generation date), then one section (CSV) or one sheet (XLSX) per table, the definitions of the
rates and the small-cell rule stated under theirs. The CSV is written for a French spreadsheet
(UTF-8 with a byte-order mark, semicolons, decimal commas); the XLSX keeps numbers as numbers.
Every text goes through spro.spreadsheets: a label typed as "=HYPERLINK(…)" stays text.
"""

import csv
import io
import re

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from spro.spreadsheets import append_row, defuse, defuse_row
from stats import charts
from stats.exports import FORMATS, Section

from . import figures as figures_module
from .filters import EventScope

HIDDEN = "n.c."


def _lines(rows) -> list[list]:
    return [[row.label, row.events, row.held, row.cancelled, row.present] for row in rows]


LINE_HEADER = (
    gettext_lazy("Événements"),
    gettext_lazy("Réalisés"),
    gettext_lazy("Annulés"),
    gettext_lazy("Présents (réalisés)"),
)


def sections(scope: EventScope, figures) -> list[Section]:
    """The export's tables, in the dashboard's order."""
    rates = figures.rates
    line_header = [str(label) for label in LINE_HEADER]
    result = [
        Section(
            title=_("Synthèse"),
            header=[_("Indicateur"), _("Valeur")],
            rows=[
                [_("Événements"), figures.total],
                [_("Événements réalisés"), rates.held],
                [_("Événements dont l'issue est connue"), rates.outcome_known],
                [_("Événements à venir"), rates.upcoming],
                [_("Taux de réalisation"), rates.realisation],
                [_("Inscrits (événements réalisés)"), figures.registered],
                [_("Présents (événements réalisés)"), figures.present],
                [_("Présents comptés pour la fréquentation"), rates.present_counted],
                [_("Capacité comptée pour la fréquentation"), rates.capacity_counted],
                [_("Taux de fréquentation"), rates.frequentation],
                [_("Partenaires impliqués"), len(figures.partners)],
            ],
            note=" ".join(
                str(text)
                for text in (
                    figures_module.REALISATION_DEFINITION,
                    figures_module.FREQUENTATION_DEFINITION,
                    figures_module.PARTNERS_DEFINITION,
                    figures_module.COUNTING_RULE,
                )
            ),
        ),
        Section(
            title=_("Par état"),
            header=[_("État"), _("Événements")],
            rows=[[label, count] for label, count in figures.statuses],
        ),
        Section(title=_("Par type"), header=[_("Type"), *line_header], rows=_lines(figures.kinds)),
        Section(
            title=_("Par thème"),
            header=[_("Thème"), *line_header],
            rows=_lines(figures.themes),
            note=_("Plusieurs thèmes possibles par événement : les lignes peuvent dépasser le total."),
        ),
        Section(
            title=_("Par mois"),
            header=[_("Mois"), *line_header],
            rows=[[row.label, *_lines([row.line])[0][1:]] for row in figures.months],
        ),
    ]
    note = str(figures_module.SMALL_CELLS_NOTE) % {"threshold": settings.SPRO_SMALL_CELL_THRESHOLD}
    for item in figures.attendance:
        result.append(
            Section(
                title=_("Présents par %(dimension)s") % {"dimension": item.title.lower()},
                header=[item.title, _("Présents"), _("Part")],
                rows=[
                    [cell.label, HIDDEN if cell.count is None else cell.count, cell.share]
                    for cell in item.breakdown.cells
                ],
                note=note,
            )
        )
    result.append(
        Section(
            title=_("Satisfaction"),
            header=[_("Réponse"), _("Nombre")],
            rows=[
                [_("Satisfaits"), figures.satisfaction.satisfied],
                [_("Mitigés"), figures.satisfaction.neutral],
                [_("Insatisfaits"), figures.satisfaction.dissatisfied],
                [_("Total"), figures.satisfaction.answers],
            ],
        )
    )
    result.append(
        Section(
            title=_("Partenaires"),
            header=[_("Partenaire"), _("Événements")],
            rows=[[partner.name, partner.events] for partner in figures.partners],
        )
    )
    if scope.page != "site":
        result.append(
            Section(
                title=_("Par site"),
                header=[_("Site"), *line_header],
                rows=_lines(line for _site, line in figures.sites),
                note=_("Un événement organisé par plusieurs sites compte pour chacun d'eux."),
            )
        )
    return result


def heading(scope: EventScope) -> str:
    return _("Statistiques des événements — %(scope)s") % {"scope": scope.title}


def filename(scope: EventScope, file_format: str) -> str:
    if scope.site or scope.filtered_site:
        name = (scope.site or scope.filtered_site).slug
    elif scope.page == "territory":
        name = f"territoire-{slugify(scope.territory.code or scope.territory.name)}"
    else:
        name = "region"
    return f"evenements-{name}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.{file_format}"


def _csv_value(value) -> str:
    if value is None:
        return ""
    # Shares and rates are the only fractions of these tables; counts stay plain integers.
    if isinstance(value, float):
        return charts.format_percent(value)
    return str(defuse(value))


def to_csv(scope: EventScope, figures) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(defuse_row([heading(scope)]))
    for label, value in scope.filter_summary():
        writer.writerow(defuse_row([label, value]))
    for section in sections(scope, figures):
        writer.writerow([])
        writer.writerow(defuse_row([section.title]))
        writer.writerow(defuse_row(section.header))
        if not section.rows:
            writer.writerow([_("Aucune donnée sur la période.")])
        for row in section.rows:
            writer.writerow([_csv_value(value) for value in row])
        if section.note:
            writer.writerow(defuse_row([section.note]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]\:\*\?\/\\]")


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: 31 characters at most, none of []:*?/\\, unique."""
    base = _INVALID_SHEET_CHARACTERS.sub("-", title)[:31]
    name, number = base, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    used.add(name.lower())
    return name


def _sheet(workbook, section: Section, period_line: str, used: set[str]) -> None:
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    sheet = workbook.create_sheet(_sheet_title(section.title, used))
    append_row(sheet, [section.title])
    sheet["A1"].font = title_font
    append_row(sheet, [period_line])
    sheet.append([])
    append_row(sheet, section.header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if not section.rows:
        append_row(sheet, [_("Aucune donnée sur la période.")])
    for row in section.rows:
        append_row(sheet, row)
        for column, value in enumerate(row):
            if isinstance(value, float):
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = "0.0%"
    if section.note:
        sheet.append([])
        append_row(sheet, [section.note])
    sheet.column_dimensions["A"].width = 45
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    sheet.oddHeader.center.text = period_line.replace("&", "&&")
    sheet.oddFooter.center.text = _("Page &P / &N")


def to_xlsx(scope: EventScope, figures) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Filtres")
    append_row(sheet, [heading(scope)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, value in scope.filter_summary():
        append_row(sheet, [label, value])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    used = {sheet.title.lower()}
    period_line = f"{scope.title} — {scope.period_label}"
    for section in sections(scope, figures):
        _sheet(workbook, section, period_line, used)
    workbook.properties.title = heading(scope)
    workbook.properties.created = timezone.now().replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(scope: EventScope, figures, file_format: str) -> HttpResponse:
    content = to_csv(scope, figures) if file_format == "csv" else to_xlsx(scope, figures)
    reply = HttpResponse(content, content_type=FORMATS[file_format])
    reply["Content-Disposition"] = f'attachment; filename="{filename(scope, file_format)}"'
    return reply
