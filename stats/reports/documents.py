"""The yearly reports as documents: their figures, the HTML that prints them, and the PDF.

A report kind is a function `(…, year, *, provisional, …) -> Document` in KINDS. Each one reads its
figures through stats/reports/figures.py (the dashboards' selectors), draws its charts
(stats/reports/charts.py) and renders a template of stats/templates/stats/reports/pdf/. The pipeline
(tasks, storage, pages) only knows KINDS, Document and render_pdf.

Adding a kind (the regional strategy's yearly, mid-term and final reviews, for instance)
    1. a function here, `strategy_review(year, *, provisional, **options) -> Document`, that gathers
       its figures as plain data (network.strategy's selectors), lists its sections
       (`Section(id, title, template)`) and calls `_document(...)`;
    2. one template per section under stats/templates/stats/reports/pdf/sections/, printing the
       data only (the base template draws the cover, table of contents, running header and footer,
       the provisional mark, the data date and the fingerprint);
    3. an entry in KINDS: `KINDS["strategy"] = strategy_review`.
    Nothing else: the Celery task, the storage, the list of files and the downloads take any key of
    KINDS.

Fingerprint
    The figures are every number the document prints (with the labels they go with), as plain
    JSON. The fingerprint is the first 12 hexadecimal digits of the SHA-256 of their canonical JSON
    (keys sorted, no spaces, UTF-8): two copies with the same fingerprint print the same numbers,
    whatever day they were built. The data date (the latest change among what was read) and the
    build date are not part of it.
"""

import datetime
import hashlib
import io
import json
import logging
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.dashboards import selectors as event_selectors
from sites.enums import PUBLIC_STATUSES
from sites.models import Site
from stats.charts import MONTH_ABBREVIATIONS, format_number

from . import charts
from . import figures as read

TEMPLATES = "stats/reports/pdf/"
FINGERPRINT_LENGTH = 12
# WeasyPrint's tagged output for PDF/UA-1: structure tags, document language and title, bookmarks.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
# WeasyPrint logs each page it lays out at INFO: a report's worker would log hundreds of lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass
class Document:
    title: str
    html: str
    figures: dict  # every number printed, JSON-serialisable
    data_as_of: datetime.datetime  # the data's date (latest change among what was read)
    fingerprint: str  # short hash of the figures, printed in the footer


@dataclass
class Section:
    """A part of a report: an anchor, a title (table of contents and bookmarks), a template."""

    id: str
    title: str
    template: str
    children: list[tuple[str, str]] = field(default_factory=list)  # (anchor, title) listed under it


# --- Figures as JSON, fingerprint ---------------------------------------------------------------------


def _plain(value):
    """Plain JSON values: dates as ISO text, decimals as numbers."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_json(figures: dict) -> str:
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fingerprint(figures: dict) -> str:
    """First 12 hex digits of the SHA-256 of the figures' canonical JSON (see the module's docstring)."""
    return hashlib.sha256(canonical_json(figures).encode()).hexdigest()[:FINGERPRINT_LENGTH]


# --- Building a document ------------------------------------------------------------------------------


def _document(
    *,
    kind: str,
    title: str,
    subtitle: str,
    year: int,
    provisional: bool,
    data: dict,
    sections: list[Section],
    data_as_of: datetime.datetime,
    extra: dict | None = None,
) -> Document:
    figures = _plain(data)
    print_fingerprint = fingerprint(figures)
    context = {
        "kind": kind,
        "title": title,
        "subtitle": subtitle,
        "year": year,
        "provisional": provisional,
        "data": data,
        "sections": sections,
        "data_as_of": timezone.localtime(data_as_of),
        "built_at": timezone.localtime(timezone.now()),
        "fingerprint": print_fingerprint,
        "platform": settings.SPRO_PLATFORM_NAME,
        "region": settings.SPRO_REGION_NAME,
        **(extra or {}),
    }
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(TEMPLATES + "report.html", context)
    return Document(
        title=title, html=html, figures=figures, data_as_of=data_as_of, fingerprint=print_fingerprint
    )


def _month_labels(year_months: list[datetime.date]) -> list[str]:
    return [MONTH_ABBREVIATIONS[month.month - 1] for month in year_months]


def _visit_charts(prefix: str, year: int, visits: dict) -> dict:
    """The charts of the visits' figures (each one beside its table in the document)."""
    if not visits["total"] and not visits["previous_total"]:
        return {}
    result = {
        "months": charts.compared_bars(
            chart_id=f"{prefix}-mois",
            title=_("Passages par mois, %(year)s comparé à %(previous)s")
            % {"year": year, "previous": year - 1},
            labels=_month_labels([row["month"] for row in visits["months"]]),
            current=(str(year), [row["total"] if row["counted"] else None for row in visits["months"]]),
            previous=(str(year - 1), [row["previous"] for row in visits["months"]]),
        ),
        "sex": charts.bars(
            chart_id=f"{prefix}-sexe",
            title=_("Passages par sexe"),
            items=[(row["label"], row["total"]) for row in visits["by_sex"]],
        ),
    }
    for breakdown in visits["breakdowns"]:
        if breakdown["rows"]:
            result[breakdown["key"]] = charts.bars(
                chart_id=f"{prefix}-{breakdown['key']}",
                title=_("%(dimension)s : nombre de passages") % {"dimension": breakdown["title"]},
                items=[(row["label"], row["total"]) for row in breakdown["rows"]],
            )
    questions = visits["satisfaction"]["questions"]
    if questions:
        result["satisfaction"] = charts.bars(
            chart_id=f"{prefix}-satisfaction",
            title=_("Satisfaction moyenne par question (sur 4)"),
            items=[(row["label"], row["average"] or 0) for row in questions],
            max_value=4,
            value_format=lambda value: format_number(value, 2),
        )
    return result


def _site_identity(site: Site) -> dict:
    return {
        "name": site.name,
        "kind": str(site.kind),
        "host": str(site.host) if site.host_id else "",
        "commune": site.commune,
        "departement": str(site.departement) if site.departement_id else "",
        "label_status": site.get_label_status_display(),
        "labelled_on": site.labelled_on,
    }


def _provisional_note(provisional: bool) -> str:
    if provisional:
        return _(
            "Document provisoire : tous les mois de l'année sont comptés, y compris ceux dont les "
            "données n'ont pas encore été validées par la coordination régionale."
        )
    return _("Seuls les mois validés ou verrouillés par la coordination régionale sont comptés.")


# --- The site's report --------------------------------------------------------------------------------


SITE_SECTIONS = (
    ("identite", gettext_lazy("Identité et contexte"), "identity"),
    ("chiffres-cles", gettext_lazy("Chiffres clés"), "key_figures"),
    ("evolution", gettext_lazy("Évolution sur un an"), "year_on_year"),
    ("public", gettext_lazy("Profil du public"), "profile"),
    ("venue", gettext_lazy("Comment le public est venu"), "channels"),
    ("themes", gettext_lazy("Thèmes des demandes"), "themes"),
    ("orientations", gettext_lazy("Orientations"), "referrals"),
    ("services", gettext_lazy("Niveaux de service"), "service_levels"),
    ("satisfaction", gettext_lazy("Satisfaction"), "satisfaction"),
    ("animations", gettext_lazy("Animations et fréquentation"), "events"),
    ("plan", gettext_lazy("Plan d'actions : résultats"), "plan"),
    ("instances", gettext_lazy("Instances de pilotage"), "meetings"),
    ("visites", gettext_lazy("Visites de la coordination"), "coordination_visits"),
    ("auto-evaluation", gettext_lazy("Auto-évaluation"), "self_assessment"),
    ("bilan-qualitatif", gettext_lazy("Bilan qualitatif"), "narrative"),
    ("perspectives", gettext_lazy("Perspectives"), "perspectives"),
    ("completude", gettext_lazy("Complétude des périodes"), "completeness"),
)


def _sections(spec) -> list[Section]:
    return [
        Section(id=anchor, title=str(title), template=f"{TEMPLATES}sections/{name}.html")
        for anchor, title, name in spec
    ]


def site_report(site, year: int, *, provisional: bool) -> Document:
    """A site's yearly activity report (bilan d'activité) for year N."""
    site = Site.objects.select_related("kind", "host", "departement").get(pk=site.pk)
    visits = read.visit_figures([site], year, provisional=provisional)
    data = {
        "site": _site_identity(site),
        "visits": visits,
        "completeness": read.completeness_figures([site], year),
        "events": read.event_figures_of([site], year, page="site"),
        "plan": read.plan_figures(site, year),
        "meetings": read.meetings_figures(year, site=site),
        "coordination_visits": read.coordination_visits_figures(site, year),
        "self_assessment": read.self_assessment_figures(site, year),
    }
    narrative = read.narrative_figures(site, year)
    title = _("Bilan d'activité %(year)s — %(site)s") % {"year": year, "site": site.name}
    return _document(
        kind="site",
        title=title,
        subtitle=site.name,
        year=year,
        provisional=provisional,
        data=data,
        sections=_sections(SITE_SECTIONS),
        data_as_of=read.data_as_of([site], year, provisional=provisional),
        extra={
            "charts": _visit_charts("site", year, visits),
            "breakdowns": {breakdown["key"]: breakdown for breakdown in visits["breakdowns"]},
            "event_charts": _event_charts("site-animations", data["events"]),
            "narrative": narrative,
            "counting_note": _provisional_note(provisional),
        },
    )


def _event_charts(prefix: str, events: dict) -> dict:
    if not events["total"]:
        return {}
    result = {
        "kinds": charts.bars(
            chart_id=f"{prefix}-types",
            title=_("Animations par type"),
            items=[(row["label"], row["events"]) for row in events["kinds"]],
        )
    }
    return result


# --- The regional report ------------------------------------------------------------------------------


def _french_key(name: str) -> str:
    """Alphabetical order as French readers expect it: "Épernay" before "Reims"."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def region_sites(year: int) -> list[Site]:
    """The sites of the regional report: those holding the label now, and any with periods in the year."""
    sites = (
        Site.objects.filter(Q(label_status__in=PUBLIC_STATUSES) | Q(periods__month__year=year))
        .distinct()
        .select_related("kind", "departement")
    )
    return sorted(sites, key=lambda site: (_french_key(site.name), site.pk))


REGION_SECTIONS = (
    ("synthese", gettext_lazy("Synthèse du réseau"), "region_summary"),
    ("evolution", gettext_lazy("Évolution sur un an"), "year_on_year"),
    ("public", gettext_lazy("Profil du public"), "profile"),
    ("venue", gettext_lazy("Comment le public est venu"), "channels"),
    ("themes", gettext_lazy("Thèmes des demandes"), "themes"),
    ("orientations", gettext_lazy("Orientations"), "referrals"),
    ("services", gettext_lazy("Niveaux de service"), "service_levels"),
    ("satisfaction", gettext_lazy("Satisfaction"), "satisfaction"),
    ("animations", gettext_lazy("Animations et fréquentation"), "events"),
    ("plans", gettext_lazy("Plans d'actions des sites"), "plans"),
    ("instances", gettext_lazy("Instances de pilotage"), "meetings"),
    ("completude", gettext_lazy("Complétude des périodes"), "completeness"),
    ("sites", gettext_lazy("Les sites"), "site_pages"),
)


def _site_anchor(site) -> str:
    return f"site-{site.slug}"


def region_report(year: int, *, provisional: bool, missing_sites: list) -> Document:
    """The region's consolidated report: the network's totals, a table of the sites and a page per site.

    missing_sites: the sites whose own report failed; the report names them.
    """
    sites = region_sites(year)
    visits = read.visit_figures(sites, year, provisional=provisional)
    events = read.event_figures_of(sites, year, page="region")
    completeness = read.completeness_figures(sites, year)
    completeness_by_site = {row["slug"]: row for row in completeness["rows"]}
    plans = read.plans_figures(year)
    plans_by_site = {row["slug"]: row for row in plans["rows"]}
    event_lines = _events_by_site(sites, year)
    site_pages = []
    for site in sites:
        site_visits = read.visit_figures(
            [site], year, provisional=provisional, dimensions=read.SITE_PAGE_DIMENSIONS
        )
        for breakdown in site_visits["breakdowns"]:
            breakdown["rows"] = sorted(breakdown["rows"], key=lambda row: -row["total"])[
                : read.SITE_PAGE_ROWS
            ]
        site_pages.append(
            {
                "anchor": _site_anchor(site),
                "site": _site_identity(site),
                "total": site_visits["total"],
                "previous_total": site_visits["previous_total"],
                "change": site_visits["change"],
                "months_counted": site_visits["months_counted"],
                "by_sex": site_visits["by_sex"],
                "breakdowns": site_visits["breakdowns"],
                "questionnaires": site_visits["satisfaction"]["questionnaires"],
                "events": event_lines.get(site.pk, {"events": 0, "held": 0, "present": 0}),
                "plan": plans_by_site.get(site.slug),
                "completeness": completeness_by_site[site.slug],
            }
        )
    data = {
        "region": settings.SPRO_REGION_NAME,
        "sites_count": len(sites),
        "visits": visits,
        "sites": [
            {
                "name": page["site"]["name"],
                "departement": page["site"]["departement"],
                "total": page["total"],
                "previous_total": page["previous_total"],
                "change": page["change"],
                "share": read.percent(page["total"], visits["total"]),
                "months_counted": page["months_counted"],
                "events": page["events"]["events"],
            }
            for page in site_pages
        ],
        "site_pages": site_pages,
        "events": events,
        "plans": plans,
        "meetings": read.meetings_figures(year),
        "completeness": completeness,
        "missing_sites": sorted((site.name for site in missing_sites), key=_french_key),
    }
    sections = _sections(REGION_SECTIONS)
    sections[-1].children = [(page["anchor"], page["site"]["name"]) for page in site_pages]
    title = _("Bilan d'activité %(year)s — Réseau régional %(region)s") % {
        "year": year,
        "region": settings.SPRO_REGION_NAME,
    }
    return _document(
        kind="region",
        title=title,
        subtitle=_("Réseau régional %(region)s") % {"region": settings.SPRO_REGION_NAME},
        year=year,
        provisional=provisional,
        data=data,
        sections=sections,
        data_as_of=read.data_as_of(sites, year, provisional=provisional),
        extra={
            "charts": _visit_charts("region", year, visits),
            "breakdowns": {breakdown["key"]: breakdown for breakdown in visits["breakdowns"]},
            "event_charts": _event_charts("region-animations", events),
            "sites_chart": charts.bars(
                chart_id="region-sites",
                title=_("Passages par site"),
                items=[(row["name"], row["total"]) for row in data["sites"]],
            )
            if visits["total"]
            else "",
            "counting_note": _provisional_note(provisional),
        },
    )


def _events_by_site(sites, year: int) -> dict[int, dict]:
    """Per site, its events of the year (a shared event counts for each organiser), as the events'
    dashboards count them (events.dashboards.selectors.by_site)."""
    start, end = read.year_bounds(year)
    site_ids = [site.pk for site in sites]
    events = event_selectors.scoped_events(site_ids, start, end)
    rows = event_selectors.event_rows(events)
    return {
        site.pk: {"events": line.events, "held": line.held, "present": line.present}
        for site, line in event_selectors.by_site(events, rows, sites)
    }


# --- The governance report ----------------------------------------------------------------------------


GOVERNANCE_SECTIONS = (
    ("synthese", gettext_lazy("Synthèse"), "governance_summary"),
    ("instances", gettext_lazy("Instances : réunions tenues et requises"), "meetings"),
    ("decisions", gettext_lazy("Décisions et leur suivi"), "decisions"),
    ("plans", gettext_lazy("Plans d'actions et leurs résultats"), "plans"),
)


def governance_report(year: int, *, provisional: bool) -> Document:
    """The governance report: bodies, meetings held against required, minutes adopted, decisions and
    their follow-up, the sites' action plans and their results."""
    meetings = read.meetings_figures(year)
    data = {
        "meetings": meetings,
        "decisions": read.decisions_figures(year),
        "plans": read.plans_figures(year),
        "bodies": len(meetings),
        "bodies_meeting_minimum": sum(1 for row in meetings if row["meets_minimum"]),
        "held": sum(row["held"] for row in meetings),
        "required": sum(row["required"] for row in meetings),
        "minutes_adopted": sum(row["minutes_adopted"] for row in meetings),
    }
    title = _("Bilan de la gouvernance %(year)s — %(region)s") % {
        "year": year,
        "region": settings.SPRO_REGION_NAME,
    }
    return _document(
        kind="governance",
        title=title,
        subtitle=_("Instances, décisions et plans d'actions"),
        year=year,
        provisional=provisional,
        data=data,
        sections=_sections(GOVERNANCE_SECTIONS),
        data_as_of=read.data_as_of(Site.objects.all(), year, provisional=provisional, governance=True),
        extra={"counting_note": ""},
    )


KINDS = {"site": site_report, "region": region_report, "governance": governance_report}


# --- The PDF ------------------------------------------------------------------------------------------


def layout(document: Document):
    """WeasyPrint's layout of the document (the costly part, timed alone by the benchmark)."""
    # Imported here: WeasyPrint loads Pango at import time, which only the reports' workers need.
    from weasyprint import HTML

    return HTML(string=document.html, base_url=settings.SPRO_BASE_URL).render(**PDF_OPTIONS)


def render_pdf(document: Document) -> tuple[bytes, int]:
    """The document as a tagged PDF (PDF/UA-1), and its number of pages."""
    rendered = layout(document)
    output = io.BytesIO()
    rendered.write_pdf(output, **PDF_OPTIONS)
    return output.getvalue(), len(rendered.pages)
