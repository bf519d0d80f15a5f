"""Everything an events dashboard or export shows for one scope, read through selectors.py."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stats import charts

from . import selectors
from .filters import EventScope

ATTENDANCE_TITLES = {
    "sex": gettext_lazy("Sexe"),
    "age_band": gettext_lazy("Tranche d'âge"),
    "situation": gettext_lazy("Situation"),
}

# The definitions printed on the page and in the exports (selectors.py's docstring says the same).
REALISATION_DEFINITION = gettext_lazy(
    "Taux de réalisation : événements réalisés rapportés aux événements de la période dont l'issue "
    "est connue, c'est-à-dire réalisés, annulés, ou dont la dernière date est passée quel que soit "
    "leur état. Un événement annulé, ou passé sans avoir été noté réalisé, compte comme non réalisé ; "
    "les événements à venir ne sont pas comptés."
)
FREQUENTATION_DEFINITION = gettext_lazy(
    "Taux de fréquentation : présents rapportés à la capacité d'accueil, additionnés sur les "
    "événements réalisés de la période dont le nombre de présents et la capacité sont renseignés."
)
PARTNERS_DEFINITION = gettext_lazy(
    "Partenaires impliqués : organisations co-organisatrices distinctes des événements de la "
    "période, hors événements annulés."
)
COUNTING_RULE = gettext_lazy(
    "Un événement compte pour un site quand ce site est l'un de ses organisateurs, et pour la "
    "période quand sa première date y tombe ; un événement organisé par plusieurs sites compte "
    "une seule fois dans les totaux. Inscrits, présents, répartitions et satisfaction : "
    "événements réalisés seulement."
)
SMALL_CELLS_NOTE = gettext_lazy(
    "« n.c. » : case masquée, moins de %(threshold)s personnes (ou case qui permettrait de la "
    "recalculer), pour que personne ne puisse être reconnu."
)


@dataclass
class MonthLine:
    month: datetime.date
    label: str
    line: selectors.CountRow


@dataclass
class Attendance:
    key: str
    title: str
    breakdown: selectors.AttendanceBreakdown
    chart: object = None


@dataclass
class Figures:
    total: int
    statuses: list[tuple[str, int]]
    kinds: list[selectors.CountRow]
    themes: list[selectors.CountRow]
    months: list[MonthLine]
    registered: int
    present: int
    attendance: list[Attendance]
    satisfaction: selectors.Satisfaction
    rates: selectors.Rates
    partners: list[selectors.Partner]
    sites: list
    charts: dict = field(default_factory=dict)

    @property
    def realisation_display(self) -> str:
        return charts.format_percent(self.rates.realisation)

    @property
    def frequentation_display(self) -> str:
        return charts.format_percent(self.rates.frequentation)


def build_figures(scope: EventScope, *, with_charts: bool = True) -> Figures:
    """Read every figure of a scope (a fixed number of queries, whatever the number of events)."""
    events = selectors.scoped_events(scope.site_ids, scope.start, scope.end, scope.event_kind, scope.theme)
    rows = selectors.event_rows(events)
    held = [row for row in rows if row.is_held]
    attendance = selectors.attendance(events, rows) if held else {}
    months = selectors.by_month(rows, scope.start, scope.end)
    figures = Figures(
        total=len(rows),
        statuses=selectors.by_status(rows),
        kinds=selectors.by_kind(rows),
        themes=selectors.by_theme(events, rows) if rows else [],
        months=[MonthLine(month, charts.format_month(month), line) for month, line in sorted(months.items())],
        registered=sum(row.registered or 0 for row in held),
        present=sum(row.present or 0 for row in held),
        attendance=[
            Attendance(key=key, title=str(ATTENDANCE_TITLES[key]), breakdown=breakdown)
            for key, breakdown in attendance.items()
        ],
        satisfaction=selectors.satisfaction(rows),
        rates=selectors.rates(rows),
        partners=selectors.partners(events) if rows else [],
        sites=selectors.by_site(events, rows, scope.sites) if scope.page != "site" else [],
    )
    if with_charts and rows:
        _add_charts(figures)
    return figures


def _add_charts(figures: Figures) -> None:
    figures.charts["status"] = charts.bar_chart(
        chart_id="graphique-etats", title=_("Événements par état"), items=figures.statuses
    )
    figures.charts["months"] = charts.line_chart(
        chart_id="graphique-mois",
        title=_("Événements par mois"),
        labels=[charts.format_month(row.month, short=True) for row in figures.months],
        series=[
            (_("Événements"), [row.line.events for row in figures.months]),
            (_("Réalisés"), [row.line.held for row in figures.months]),
        ],
    )
    figures.charts["kinds"] = charts.bar_chart(
        chart_id="graphique-types",
        title=_("Événements par type"),
        items=[(row.label, row.events) for row in figures.kinds],
    )
    for item in figures.attendance:
        # Hidden cells are left out of the chart, as from the table.
        item.chart = charts.bar_chart(
            chart_id=f"graphique-presents-{item.key}",
            title=_("Présents par %(dimension)s") % {"dimension": item.title.lower()},
            items=[(cell.label, cell.count) for cell in item.breakdown.cells if cell.count is not None],
        )
