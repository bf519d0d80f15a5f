"""CSV and XLSX exports of a dashboard's figures.

An export starts by stating its filters (period, territory, kind of site, sites, generation date):
people print these files and hand them round, so each must explain itself. Then one section (CSV)
or one sheet (XLSX) per table, every count split by sex.

The CSV is written for a French spreadsheet: UTF-8 with a byte-order mark, semicolons, decimal
commas. The XLSX keeps numbers as numbers and shares as percentages.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from spro.spreadsheets import append_row, defuse, defuse_row

from . import charts
from .filters import StatsScope

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Section:
    """One table of the export: a title, a header row and rows of values."""

    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    # Columns holding shares (0.125) or relative changes: percentages in both formats.
    percent_columns: frozenset[int] = frozenset()
    # Columns holding averages: one decimal.
    decimal_columns: frozenset[int] = frozenset()
    note: str = ""


def sections(scope: StatsScope, figures) -> list[Section]:
    """The export's tables, in the dashboard's order."""
    sex_labels = [sex.label for sex in figures.sexes]
    result = [
        Section(
            title=_("Synthèse"),
            header=[_("Sexe"), _("Passages"), _("Part")],
            rows=[[row.label, row.total, row.share] for row in figures.by_sex]
            + [[_("Total"), figures.total, 1.0 if figures.total else None]],
            percent_columns=frozenset({2}),
        ),
        Section(
            title=_("Passages par mois"),
            header=[_("Mois"), *sex_labels, _("Total"), _("Même mois un an plus tôt"), _("Évolution")],
            rows=[
                [
                    charts.format_month_in_progress(row.label, row.in_progress),
                    *row.counts,
                    row.total,
                    row.previous,
                    row.change,
                ]
                for row in figures.months
            ],
            percent_columns=frozenset({len(sex_labels) + 3}),
            note=_(
                "Le mois en cours n'est pas terminé : il n'est comparé ni au même mois un an plus tôt, "
                "ni à aucun mois entier."
            )
            if any(row.in_progress for row in figures.months)
            else "",
        ),
        Section(
            title=_("Évolution annuelle"),
            header=[_("Année"), _("Passages")],
            # From the first year with data (selectors.yearly_trend); the current year says it is partial.
            rows=[[charts.format_year(year), count] for year, count in figures.yearly],
        ),
    ]
    for breakdown in figures.breakdowns:
        result.append(
            Section(
                title=breakdown.title,
                header=[breakdown.title, *sex_labels, _("Total"), _("Part des passages")],
                rows=[[row.label, *row.counts, row.total, row.share] for row in breakdown.rows],
                percent_columns=frozenset({len(sex_labels) + 2}),
                note=_("Plusieurs réponses possibles par passage : le total des parts dépasse 100 %.")
                if breakdown.multi_valued
                else "",
            )
        )
    for table in figures.cross_tables:
        result.append(
            Section(
                title=table.title,
                header=[table.title, *table.col_labels, _("Total")],
                rows=[[row.label, *row.counts, row.total] for row in table.rows]
                + [[_("Total"), *table.col_totals, table.total]],
                note=_("Croisements issus des seules périodes saisies passage par passage."),
            )
        )
    result.append(
        Section(
            title=_("Satisfaction"),
            header=[_("Question"), _("Réponses"), _("Moyenne (sur 4)")],
            rows=[[row.label, row.answers, row.average] for row in figures.satisfaction],
            decimal_columns=frozenset({2}),
            note=_("%(count)s questionnaires remplis sur la période.")
            % {"count": charts.format_number(figures.satisfaction_responses)},
        )
    )
    completeness_rows = [
        [row.site.name, row.expected, row.submitted, row.on_time, row.completeness_rate, row.timeliness_rate]
        for row in figures.completeness
    ]
    if figures.completeness_total is not None:
        total = figures.completeness_total
        completeness_rows.append(
            [
                _("Ensemble"),
                total.expected,
                total.submitted,
                total.on_time,
                total.completeness_rate,
                total.timeliness_rate,
            ]
        )
    result.append(
        Section(
            title=_("Complétude"),
            header=[
                _("Site"),
                _("Mois attendus"),
                _("Mois transmis"),
                _("Transmis dans les délais"),
                _("Taux de complétude"),
                _("Taux de ponctualité"),
            ],
            rows=completeness_rows,
            percent_columns=frozenset({4, 5}),
        )
    )
    return result


def heading(scope: StatsScope) -> str:
    return _("Statistiques de fréquentation — %(scope)s") % {"scope": scope.title}


def filename(scope: StatsScope, file_format: str) -> str:
    if scope.site or scope.filtered_site:
        name = (scope.site or scope.filtered_site).slug
    elif scope.page == "territory":
        name = f"territoire-{slugify(scope.territory.code or scope.territory.name)}"
    else:
        name = "region"
    return f"statistiques-{name}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.{file_format}"


# CSV.


def _csv_value(value, column: int, section: Section) -> str:
    if value is None:
        return ""
    if column in section.percent_columns:
        return charts.format_percent(value)
    if column in section.decimal_columns:
        return charts.format_number(value, 1)
    # Counts stay plain integers (no grouping) so that spreadsheets read them as numbers; labels and
    # site names are typed by people, so text is defused (spro.spreadsheets).
    return str(defuse(value))


def to_csv(scope: StatsScope, figures) -> bytes:
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
            writer.writerow([_csv_value(value, n, section) for n, value in enumerate(row)])
        if section.note:
            writer.writerow(defuse_row([section.note]))
    # The byte-order mark tells spreadsheets the file is UTF-8 (accents, "×", "—").
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# XLSX.

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


def to_xlsx(scope: StatsScope, figures) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    summary = scope.filter_summary()
    period_line = f"{scope.title} — {scope.period_label}"

    sheet = workbook.active
    sheet.title = _("Filtres")
    append_row(sheet, [heading(scope)])
    sheet["A1"].font = title_font
    sheet.append([])
    for label, value in summary:
        append_row(sheet, [label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100

    used = {sheet.title.lower()}
    for section in sections(scope, figures):
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        # Each sheet restates its scope and period: sheets are often printed one by one.
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
            for column in section.percent_columns:
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = "0.0%"
            for column in section.decimal_columns:
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = "0.0"
        if section.note:
            sheet.append([])
            append_row(sheet, [section.note])
        sheet.column_dimensions["A"].width = 40
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
        sheet.oddHeader.center.text = period_line.replace("&", "&&")
        sheet.oddFooter.center.text = _("Page &P / &N")
    workbook.properties.title = heading(scope)
    workbook.properties.created = timezone.now().replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(scope: StatsScope, figures, file_format: str) -> HttpResponse:
    content = to_csv(scope, figures) if file_format == "csv" else to_xlsx(scope, figures)
    reply = HttpResponse(content, content_type=FORMATS[file_format])
    reply["Content-Disposition"] = f'attachment; filename="{filename(scope, file_format)}"'
    return reply
