"""The figures of the yearly reports, read through the selectors that feed the dashboards.

Nothing here counts anything a second way: the visits come from stats.selectors (roll-ups), the
events from events.dashboards (the events' dashboards), the governance from
network.governance.indicators, the action plans from sites.plans.progress, the self-evaluation and
the coordination visits from sites.labels.selectors. This module only chooses *which months* the
selectors read, and puts their answers into plain data (dicts, lists, numbers, dates) that the
templates print and documents.py fingerprints.

Which months count
    A final report counts, for each site, the months of the year whose period is validated or
    locked; a provisional one counts every month of the year. The selectors read a range of dates:
    a site's counted months are cut into runs of consecutive months, each run read by the selector,
    and the runs added up. Sites counting the same months share their reads (most sites do), so a
    50-site region whose year is validated everywhere reads each figure once, as the dashboard does.

Numbers
    Counts are ints, shares and changes percentages rounded to one decimal (12.5 for 12,5 %),
    averages rounded to two: the fingerprint covers exactly what the document prints.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.dashboards import figures as event_figures
from events.dashboards.filters import EventScope
from events.models import Event
from network.governance.indicators import body_indicators, plan_indicators
from network.models.governance import Body, Decision, Meeting, Minutes
from sites.enums import Judgement
from sites.labels.selectors import site_assessment, visits_of_year
from sites.models import Site
from sites.models.evaluation import AssessmentAnswer, SelfAssessment
from sites.models.plans import ActionPlan
from sites.models.visits import CoordinationVisit
from sites.plans.progress import plan_progress
from stats import selectors
from stats.enums import MULTI_VALUED, Dimension, PeriodStatus
from stats.models import Period, PeriodEvent, Visit, next_month

from .models import Narrative

# Periods whose figures a final report prints.
COUNTED_STATUSES = (PeriodStatus.VALIDATED, PeriodStatus.LOCKED)

# The breakdowns of the public, in the order of the report: who comes, how, for what, towards what.
PROFILE_DIMENSIONS = (Dimension.AGE_BAND, Dimension.SITUATION)
REPORT_DIMENSIONS = (
    Dimension.AGE_BAND,
    Dimension.SITUATION,
    Dimension.CHANNEL,
    Dimension.THEME,
    Dimension.REFERRAL,
    Dimension.SERVICE_LEVEL,
)
# On the region report's page per site, the breakdowns kept short.
SITE_PAGE_DIMENSIONS = (Dimension.AGE_BAND, Dimension.SITUATION, Dimension.THEME)
SITE_PAGE_ROWS = 5


def percent(part, whole) -> float | None:
    """A share as a percentage rounded to one decimal (12.5), None without a whole."""
    if not whole or part is None:
        return None
    return round(100 * part / whole, 1)


def change_percent(current, previous) -> float | None:
    """The relative change from previous to current, in percent, None without a previous figure."""
    if not previous:
        return None
    return round(100 * (current - previous) / previous, 1)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def year_months(year: int) -> list[datetime.date]:
    return [datetime.date(year, month, 1) for month in range(1, 13)]


# --- Which months count -----------------------------------------------------------------------------


def counted_months(sites, years, *, provisional: bool) -> dict[int, tuple[datetime.date, ...]]:
    """Per site, the months of the given years the report counts (see the module's docstring)."""
    site_ids = [site.pk for site in sites]
    if provisional:
        months = tuple(month for year in sorted(years) for month in year_months(year))
        return dict.fromkeys(site_ids, months)
    counted = defaultdict(list)
    rows = (
        Period.objects.filter(site_id__in=site_ids, month__year__in=list(years), status__in=COUNTED_STATUSES)
        .order_by("month")
        .values_list("site_id", "month")
    )
    for site_id, month in rows:
        counted[site_id].append(month)
    return {site_id: tuple(counted.get(site_id, ())) for site_id in site_ids}


def month_runs(months) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive months as date ranges (first day of the first month, last day of the last one)."""
    runs = []
    for month in sorted(months):
        if runs and next_month(runs[-1][1]) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return [(first, next_month(last) - datetime.timedelta(days=1)) for first, last in runs]


def _groups(counted: dict[int, tuple]) -> dict[tuple, list[int]]:
    """Sites counting the same months, together: one read per group instead of one per site."""
    groups = defaultdict(list)
    for site_id, months in counted.items():
        if months:
            groups[months].append(site_id)
    return groups


# --- Visits -----------------------------------------------------------------------------------------


def _merge_rows(target: dict, rows) -> None:
    """Add a selector's rows (one run of months) to the lines of a dimension, by item."""
    for row in rows:
        line = target.setdefault(row.item_id, {"label": row.label, "by_sex": defaultdict(int), "total": 0})
        line["total"] += row.total
        for sex_id, count in row.by_sex.items():
            line["by_sex"][sex_id] += count


def _ordered(dimension: str, lines: dict, reads: int) -> list[dict]:
    """The lines in the selector's order. One read is already in it; several runs are put back in
    the reference list's order, as the selector sorts (stats.selectors._labels_and_order)."""
    if reads <= 1:
        return list(lines.values())
    _labels, order = selectors._labels_and_order(dimension)
    return [lines[item_id] for item_id in sorted(lines, key=lambda item_id: order.get(item_id, 10_000))]


def visit_figures(sites, year: int, *, provisional: bool, dimensions=REPORT_DIMENSIONS) -> dict:
    """The visits of a set of sites in a year: total, by sex, by month against the year before,
    breakdowns and satisfaction, counting only the months the report counts."""
    sites = list(sites)
    sexes = selectors.sexes()
    this_year = counted_months(sites, [year], provisional=provisional)
    last_year = counted_months(sites, [year - 1], provisional=provisional)
    every_site_ids = set(Site.objects.values_list("pk", flat=True)) if provisional else set()

    # Months, this year and the year before, from one read per group of sites counting the same months.
    volumes = defaultdict(lambda: defaultdict(int))
    both = {site.pk: this_year[site.pk] + last_year[site.pk] for site in sites}
    for months, site_ids in _groups(both).items():
        wanted = set(months)
        read = selectors.monthly_volumes(site_ids, datetime.date(year - 1, 1, 1), datetime.date(year, 12, 31))
        for month, by_sex in read.items():
            if month in wanted:
                for sex_id, count in by_sex.items():
                    volumes[month][sex_id] += count

    # Breakdowns and satisfaction of the year, one read per group and run of months.
    items = defaultdict(dict)
    questionnaires, questions, reads = 0, {}, 0
    for months, site_ids in _groups(this_year).items():
        every_site = set(site_ids) == every_site_ids
        for start, end in month_runs(months):
            rows = selectors.breakdowns(site_ids, start, end, dimensions, every_site=every_site)
            reads += 1
            for dimension in dimensions:
                _merge_rows(items[dimension], rows[dimension])
            answered, results = selectors.satisfaction(site_ids, start, end)
            questionnaires += answered
            for result in results:
                line = questions.setdefault(result.label, {"answers": 0, "value_sum": 0})
                line["answers"] += result.answers
                # The selector divides the roll-up's sum of answers; multiplying back gives it again.
                line["value_sum"] += round((result.average or 0) * result.answers)

    months_n = year_months(year)
    total = sum(sum(volumes[month].values()) for month in months_n)
    previous_total = sum(sum(volumes[month.replace(year=year - 1)].values()) for month in months_n)
    counted_n = {month for months in this_year.values() for month in months}
    counted_previous = {month for months in last_year.values() for month in months}
    month_rows = []
    for month in months_n:
        previous_month = month.replace(year=year - 1)
        count = sum(volumes[month].values())
        previous = sum(volumes[previous_month].values()) if previous_month in counted_previous else None
        month_rows.append(
            {
                "month": month,
                "counted": month in counted_n,
                "by_sex": [volumes[month].get(sex.pk, 0) for sex in sexes],
                "total": count,
                "previous": previous,
                "change": change_percent(count, previous) if month in counted_n else None,
            }
        )
    by_sex_total = [sum(volumes[month].get(sex.pk, 0) for month in months_n) for sex in sexes]
    breakdowns = []
    for dimension in dimensions:
        lines = _ordered(dimension, items[dimension], reads)
        breakdowns.append(
            {
                "key": str(dimension),
                "title": str(Dimension(dimension).label),
                "multi_valued": dimension in MULTI_VALUED,
                "rows": [
                    {
                        "label": line["label"],
                        "by_sex": [line["by_sex"].get(sex.pk, 0) for sex in sexes],
                        "total": line["total"],
                        "share": percent(line["total"], total),
                    }
                    for line in lines
                    if line["total"]
                ],
            }
        )
    return {
        "sexes": [sex.label for sex in sexes],
        "total": total,
        "previous_total": previous_total,
        "change": change_percent(total, previous_total),
        "months_counted": len(counted_n),
        "by_sex": [
            {"label": sex.label, "total": count, "share": percent(count, total)}
            for sex, count in zip(sexes, by_sex_total, strict=True)
        ],
        "months": month_rows,
        "breakdowns": breakdowns,
        "satisfaction": {
            "questionnaires": questionnaires,
            "questions": [
                {
                    "label": label,
                    "answers": line["answers"],
                    "average": round(line["value_sum"] / line["answers"], 2) if line["answers"] else None,
                }
                for label, line in questions.items()
            ],
        },
    }


# --- Completeness of the year's periods --------------------------------------------------------------


def completeness_figures(sites, year: int) -> dict:
    """Each site's months of the year with their period's state, and the handed-in rates."""
    sites = list(sites)
    start, end = year_bounds(year)
    statuses = defaultdict(dict)
    for site_id, month, status in Period.objects.filter(
        site__in=sites, month__gte=start, month__lte=end
    ).values_list("site_id", "month", "status"):
        statuses[site_id][month] = status
    rates = {row.site.pk: row for row in selectors.completeness(sites, start, end)}
    total = selectors.region_completeness(list(rates.values()))
    rows = []
    for site in sites:
        row = rates[site.pk]
        months = [
            {
                "month": month,
                "status": statuses[site.pk].get(month, ""),
                "status_label": (
                    str(PeriodStatus(statuses[site.pk][month]).label)
                    if month in statuses[site.pk]
                    else _("Aucune donnée")
                ),
                "counted": statuses[site.pk].get(month) in COUNTED_STATUSES,
            }
            for month in year_months(year)
        ]
        rows.append(
            {
                "site": site.name,
                "slug": site.slug,
                "months": months,
                "counted": sum(1 for month in months if month["counted"]),
                "expected": row.expected,
                "submitted": row.submitted,
                "on_time": row.on_time,
                "completeness": percent(row.submitted, row.expected),
                "timeliness": percent(row.on_time, row.expected),
            }
        )
    return {
        "rows": rows,
        "expected": total.expected if total else 0,
        "submitted": total.submitted if total else 0,
        "on_time": total.on_time if total else 0,
        "completeness": percent(total.submitted, total.expected) if total else None,
        "timeliness": percent(total.on_time, total.expected) if total else None,
    }


# --- Events -----------------------------------------------------------------------------------------


def event_figures_of(sites, year: int, *, page: str) -> dict:
    """The events of the year through the events' dashboards (events/dashboards/figures.py)."""
    sites = list(sites)
    start, end = year_bounds(year)
    scope = EventScope(
        page=page,
        form=None,
        sites=sites,
        start=start,
        end=end,
        preset="dates",
        site=sites[0] if page == "site" else None,
    )
    figures = event_figures.build_figures(scope, with_charts=False)
    return {
        "total": figures.total,
        "held": figures.rates.held,
        "outcome_known": figures.rates.outcome_known,
        "upcoming": figures.rates.upcoming,
        "realisation": percent(figures.rates.held, figures.rates.outcome_known),
        "frequentation": percent(figures.rates.present_counted, figures.rates.capacity_counted),
        "registered": figures.registered,
        "present": figures.present,
        "partners": len(figures.partners),
        "statuses": [{"label": label, "count": count} for label, count in figures.statuses if count],
        "kinds": [_count_row(row) for row in figures.kinds],
        "themes": [_count_row(row) for row in figures.themes],
        "attendance": [
            {
                "title": item.title,
                "cells": [
                    {
                        "label": cell.label,
                        "count": cell.count,
                        "share": percent(cell.count, item.breakdown.total),
                    }
                    for cell in item.breakdown.cells
                ],
            }
            for item in figures.attendance
        ],
        "satisfaction": {
            "satisfied": figures.satisfaction.satisfied,
            "neutral": figures.satisfaction.neutral,
            "dissatisfied": figures.satisfaction.dissatisfied,
            "answers": figures.satisfaction.answers,
        },
        "definitions": [
            str(event_figures.REALISATION_DEFINITION),
            str(event_figures.FREQUENTATION_DEFINITION),
            str(event_figures.COUNTING_RULE),
        ],
    }


def _count_row(row) -> dict:
    return {"label": row.label, "events": row.events, "held": row.held, "present": row.present}


# --- Action plans -------------------------------------------------------------------------------------


def _number(value):
    """A Decimal as printed: an int when whole, else a float (JSON has no Decimal)."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def plan_figures(site, year: int) -> dict | None:
    """The site's action plan of the year: each action, its indicators against their targets, and the
    plan's progress by its own rule (sites/plans/progress.py)."""
    plan = ActionPlan.objects.filter(site=site, year=year).first()
    if plan is None:
        return None
    actions = list(plan.actions.prefetch_related("indicators").select_related("regional_axis"))
    progress = plan_progress(plan, actions)
    return {
        "status": plan.get_status_display(),
        "progress_rule": plan.get_progress_rule_display(),
        "progress": _number(progress),
        "summary": plan.summary,
        "actions": [
            {
                "title": action.title,
                "status": action.get_status_display(),
                "arbitration": action.get_arbitration_display() if action.arbitration else "",
                "budget_granted": _number(action.budget_granted),
                "indicators": [
                    {
                        "label": indicator.label,
                        "unit": indicator.unit,
                        "target": _number(indicator.target),
                        "result": _number(indicator.result),
                        "achievement": percent(indicator.result, indicator.target)
                        if indicator.result is not None
                        else None,
                    }
                    for indicator in action.indicators.all()
                ],
            }
            for action in actions
        ],
    }


# --- Steering bodies ----------------------------------------------------------------------------------


def _body_row(row) -> dict:
    return {
        "name": row.body.name,
        "kind": str(row.body.kind),
        "held": row.held,
        # Past meetings still "prévue": counted as held, to be confirmed by their organiser.
        "to_confirm": getattr(row, "to_confirm", 0),
        "required": row.required,
        "meets_minimum": row.meets_minimum,
        "months_missing": row.months_missing,
        "minutes_adopted": row.minutes_adopted,
        "decisions_open": row.decisions_open,
        "decisions_overdue": row.decisions_overdue,
        "attendance": _number(row.attendance_percent),
    }


def meetings_figures(year: int, *, site=None) -> list[dict]:
    """Meetings held against the required minimum, per body (network/governance/indicators.py);
    for a site, its own bodies and those of its territories."""
    rows = body_indicators(year)
    if site is not None:
        territory_ids = {site.departement_id, *site.territories.values_list("pk", flat=True)}
        rows = [row for row in rows if row.body.site_id == site.pk or row.body.territory_id in territory_ids]
    return [_body_row(row) for row in rows]


def decisions_figures(year: int) -> dict:
    """The decisions taken in the year's meetings and where their follow-up stands."""
    decisions = list(
        Decision.objects.filter(meeting__starts_at__year=year)
        .select_related("meeting__body")
        .order_by("meeting__starts_at", "pk")
    )
    by_status = defaultdict(int)
    for decision in decisions:
        by_status[decision.get_status_display()] += 1
    return {
        "total": len(decisions),
        "by_status": [{"label": label, "count": count} for label, count in by_status.items()],
        "overdue": sum(1 for decision in decisions if decision.is_overdue),
        "rows": [
            {
                "body": decision.meeting.body.name,
                "date": timezone.localtime(decision.meeting.starts_at).date(),
                "kind": decision.get_kind_display(),
                "summary": decision.summary,
                "due": decision.due_date,
                "status": decision.get_status_display(),
                "done_on": decision.done_on,
            }
            for decision in decisions
        ],
    }


def plans_figures(year: int) -> dict:
    """The labelled sites' plans of the year: approved against expected, share of actions carried out."""
    indicators = plan_indicators(year)
    return {
        "expected": indicators["expected"],
        "approved": indicators["approved"],
        "approved_percent": _number(indicators["approved_percent"]),
        "rows": [
            {
                "site": row.site.name,
                "slug": row.site.slug,
                "status": row.plan.get_status_display() if row.plan else _("Aucun plan"),
                "kept": row.plan.actions_kept if row.plan else None,
                "done": row.plan.actions_done if row.plan else None,
                "done_percent": _number(row.done_percent),
            }
            for row in indicators["rows"]
        ],
    }


# --- Coordination visits, self-evaluation, narrative ----------------------------------------------------


def coordination_visits_figures(site, year: int) -> list[dict]:
    visits = visits_of_year(CoordinationVisit.objects.filter(site=site), year).order_by("visited_on", "pk")
    return [
        {
            "date": visit.visited_on,
            "purpose": visit.get_purpose_display(),
            "follow_ups": visit.follow_up_count,
            "open_follow_ups": visit.open_follow_up_count,
        }
        for visit in visits
    ]


def self_assessment_figures(site, year: int) -> dict | None:
    """The self-evaluation of the year, summed up per theme of its grid (oui / partiel / non)."""
    assessment = site_assessment(site, year)
    if assessment is None:
        return None
    counts = (
        AssessmentAnswer.objects.filter(assessment=assessment)
        .values("item__theme__order", "item__theme__title")
        .annotate(
            yes=Count("pk", filter=Q(judgement=Judgement.YES)),
            partial=Count("pk", filter=Q(judgement=Judgement.PARTIAL)),
            no=Count("pk", filter=Q(judgement=Judgement.NO)),
        )
        .order_by("item__theme__order")
    )
    themes = [
        {"title": row["item__theme__title"], "yes": row["yes"], "partial": row["partial"], "no": row["no"]}
        for row in counts
    ]
    return {
        "grid": str(assessment.grid),
        "status": assessment.get_status_display(),
        "themes": themes,
        "yes": sum(theme["yes"] for theme in themes),
        "partial": sum(theme["partial"] for theme in themes),
        "no": sum(theme["no"] for theme in themes),
    }


def narrative_figures(site, year: int) -> dict:
    """The site coordinator's narrative and perspectives of the year (empty until written)."""
    narrative = Narrative.objects.filter(site=site, year=year).first()
    if narrative is None:
        return {"narrative": "", "perspectives": "", "status": "", "final": False}
    return {
        "narrative": narrative.narrative,
        "perspectives": narrative.perspectives,
        "status": narrative.get_status_display(),
        "final": narrative.is_final,
    }


# --- The data's date ----------------------------------------------------------------------------------


def _latest(queryset, *fields) -> datetime.datetime | None:
    values = queryset.aggregate(**{f"latest_{n}": Max(name) for n, name in enumerate(fields)}).values()
    values = [value for value in values if value is not None]
    return max(values) if values else None


def data_as_of(sites, year: int, *, provisional: bool, governance: bool = False) -> datetime.datetime:
    """The latest change among what a report reads: periods (their hand-in, validation, locking and
    every logged change), visits (provisional reports read open months, whose changes are not logged),
    events, plans, self-evaluations, coordination visits, meetings and decisions, narratives."""
    sites = list(sites)
    start, end = datetime.date(year - 1, 1, 1), datetime.date(year, 12, 31)
    periods = Period.objects.filter(site__in=sites, month__gte=start, month__lte=end)
    candidates = [
        _latest(Site.objects.filter(pk__in=[site.pk for site in sites]), "updated_at"),
        _latest(periods, "submitted_at", "validated_at", "locked_at"),
        _latest(PeriodEvent.objects.filter(period__in=periods), "created_at"),
        _latest(Event.objects.filter(sites__in=sites, dates__start__year=year), "updated_at"),
        _latest(ActionPlan.objects.filter(site__in=sites, year=year), "updated_at"),
        _latest(CoordinationVisit.objects.filter(site__in=sites, visited_on__year=year), "updated_at"),
        _latest(Meeting.objects.in_year(year), "updated_at"),
        _latest(Decision.objects.filter(meeting__starts_at__year=year), "updated_at"),
    ]
    if provisional:
        candidates.append(_latest(Visit.objects.filter(period__in=periods), "created_at"))
    if governance:
        candidates += [
            _latest(Body.objects.all(), "updated_at"),
            _latest(Minutes.objects.filter(meeting__starts_at__year=year), "updated_at"),
        ]
    else:
        candidates.append(
            _latest(
                SelfAssessment.objects.filter(site__in=sites, year=year),
                "updated_at",
            )
        )
        candidates.append(_latest(Narrative.objects.filter(site__in=sites, year=year), "updated_at"))
    found = [value for value in candidates if value is not None]
    # Nothing dated at all (an empty platform): the end of the year the report is about.
    return max(found) if found else datetime.datetime(year, 12, 31, 23, 59, tzinfo=datetime.UTC)
