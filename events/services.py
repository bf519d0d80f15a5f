"""Writes on the sites' events, their attendance, the territorial programmes and the monthly themes.

Each write runs in one transaction. Who may write is asked to the named rules (events/rules.py):
a refusal for lack of rights raises PermissionDenied (403 in the pages); a refusal because of the
data or the event's state raises ValidationError with a French message.

The iCalendar SEQUENCE of an event (`Event.sequence`) grows by one with every significant change:
title, dates, format, place or link, status. Calendars that subscribed to the agenda then replace
their copy instead of keeping the old one.
"""

import dataclasses
import datetime
import difflib
import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sites.models import Site
from spro.web.access import require

from . import rules as event_rules
from .enums import AttendanceMode, EventStatus, Registration
from .models import AttendanceCount, Event, EventDate, MonthlyTheme, TerritorialProgramme

# The largest count accepted anywhere (registered, present, a breakdown cell): beyond it, a typo.
MAX_COUNT = 100_000
DUPLICATE_RATIO = 0.8
# The fields whose change makes calendars update their copy (with the dates and the status).
SIGNIFICANT_FIELDS = ("title", "mode", "place_name", "address", "postcode", "commune", "online_url")
KEPT_ON_EDIT = (
    "uid",
    "status",
    "cancellation_reason",
    "previous_start",
    "registered",
    "present",
    "satisfied",
    "neutral",
    "dissatisfied",
    "created_by_id",
)
BREAKDOWNS = ("sex", "age_band", "situation")
BREAKDOWN_LABELS = {
    "sex": gettext_lazy("par sexe"),
    "age_band": gettext_lazy("par tranche d'âge"),
    "situation": gettext_lazy("par situation"),
}


class PossibleDuplicate(ValidationError):
    """The event looks like one already planned (same site, same day, similar title): a warning that
    the person confirms, not a block. `duplicates` lists the look-alikes."""

    def __init__(self, duplicates):
        self.duplicates = list(duplicates)
        super().__init__(
            {
                "confirm_duplicate": _(
                    "Un événement semblable est déjà prévu le même jour sur le même site : vérifiez qu'il "
                    "ne s'agit pas d'un doublon, puis cochez la case pour enregistrer quand même."
                )
            },
            code="possible_duplicate",
        )


# --- Reading helpers -------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """Lower case, no accents, punctuation as spaces, spaces collapsed: « Forum des Métiers ! » →
    « forum des metiers »."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def titles_are_similar(first: str, second: str) -> bool:
    a, b = normalise_title(first), normalise_title(second)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= DUPLICATE_RATIO


def possible_duplicates(*, title: str, site_ids, days, exclude_pk=None) -> list[Event]:
    """Events of one of these sites, on one of these (local) days, with a similar title; cancelled
    events aside."""
    days = set(days)
    if not days or not site_ids:
        return []
    on_days = Q()
    for day in days:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        on_days |= Q(start__gte=start, start__lt=start + datetime.timedelta(days=1))
    candidates = (
        Event.objects.filter(sites__in=site_ids, pk__in=EventDate.objects.filter(on_days).values("event"))
        .exclude(status=EventStatus.CANCELLED)
        .distinct()
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return [event for event in candidates.order_by("pk") if titles_are_similar(title, event.title)]


def _date_pairs(event: Event) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return [(date.start, date.end) for date in event.dates.order_by("start")]


# --- Validation ------------------------------------------------------------------------------


def _check_dates(dates) -> list[tuple[datetime.datetime, datetime.datetime]]:
    dates = sorted(dates)
    if not dates:
        raise ValidationError(_("Indiquez au moins une date."))
    for start, end in dates:
        if timezone.is_naive(start) or timezone.is_naive(end):
            raise ValidationError(_("Les dates doivent porter leur fuseau horaire."))
        if end <= start:
            raise ValidationError(_("Chaque date doit finir après son début."))
    if len(set(dates)) != len(dates):
        raise ValidationError(_("La même date est indiquée deux fois."))
    return dates


def _check_event(event: Event, sites, partners=()) -> None:
    """The rules of an event's content: format, place or link, registration, capacity, action."""
    errors = {}
    if event.mode in (AttendanceMode.IN_PERSON, AttendanceMode.HYBRID):
        if not event.place_name.strip():
            errors["place_name"] = _("Indiquez le lieu de l'événement sur place.")
        if not event.commune.strip():
            errors["commune"] = _("Indiquez la commune du lieu.")
    if event.mode in (AttendanceMode.ONLINE, AttendanceMode.HYBRID) and not event.online_url.strip():
        errors["online_url"] = _("Indiquez le lien de connexion de l'événement en ligne.")
    if event.registration in (Registration.ORGANISER, Registration.PARTNER) and not event.registration_url:
        errors["registration_url"] = _(
            "Indiquez le lien d'inscription : les inscriptions se font chez l'organisateur ou le partenaire."
        )
    if event.capacity is not None and event.capacity > MAX_COUNT:
        errors["capacity"] = _("La capacité d'accueil ne peut dépasser %(max)s places.") % {
            "max": f"{MAX_COUNT:,}".replace(",", "\u202f")
        }
    if not sites:
        errors["sites"] = _("Choisissez au moins un site organisateur.")
    site_ids = {site.pk for site in sites}
    if event.plan_action_id and event.plan_action.plan.site_id not in site_ids:
        errors["plan_action"] = _(
            "L'action choisie n'appartient pas au plan d'actions d'un des sites organisateurs."
        )
    if errors:
        raise ValidationError(errors)


def _check_sites_allowed(user, sites, previous_site_ids=frozenset()) -> None:
    """A site coordinator organises only with their sites (others already on the event stay) and
    keeps at least one of them."""
    roles = user.roles
    if roles.is_regional_coordinator:
        return
    allowed = set(Site.objects.editable_by(user).values_list("pk", flat=True)) | set(previous_site_ids)
    chosen = {site.pk for site in sites}
    if chosen - allowed:
        raise PermissionDenied(
            _("Vous ne pouvez ajouter comme organisateurs que les sites que vous coordonnez.")
        )
    if not chosen & roles.coordinated_site_ids:
        raise ValidationError({"sites": _("Gardez au moins un de vos sites parmi les organisateurs.")})


def _local_days(dates) -> set[datetime.date]:
    return {timezone.localtime(start).date() for start, _end in dates}


# --- Events ----------------------------------------------------------------------------------


@dataclasses.dataclass
class EventRelations:
    """What an event is linked to, besides its own fields (many-to-many and dates)."""

    sites: list
    dates: list  # [(start, end)], aware datetimes
    partners: list = dataclasses.field(default_factory=list)
    themes: list = dataclasses.field(default_factory=list)
    publics: list = dataclasses.field(default_factory=list)


def _save_relations(event: Event, relations: EventRelations, dates_changed: bool) -> None:
    event.sites.set(relations.sites)
    event.partners.set(relations.partners)
    event.themes.set(relations.themes)
    event.publics.set(relations.publics)
    if dates_changed:
        event.dates.all().delete()
        EventDate.objects.bulk_create(EventDate(event=event, start=s, end=e) for s, e in relations.dates)


@transaction.atomic
def event_create(
    *, event: Event, relations: EventRelations, author, confirm_duplicate: bool = False
) -> Event:
    """Create an event (an unsaved Event with its fields) with its sites, partners and dates."""
    require(
        "events.create",
        author,
        message=_("Seules la coordination et la coordination des sites créent des événements."),
    )
    _check_sites_allowed(author, relations.sites)
    relations.dates = _check_dates(relations.dates)
    _check_event(event, relations.sites, relations.partners)
    if not confirm_duplicate:
        duplicates = possible_duplicates(
            title=event.title, site_ids=[s.pk for s in relations.sites], days=_local_days(relations.dates)
        )
        if duplicates:
            raise PossibleDuplicate(duplicates)
    event.pk = None
    event.sequence = 0
    event.created_by = author
    event._history_user = author
    event.save()
    _save_relations(event, relations, dates_changed=True)
    return event


@transaction.atomic
def event_update(
    *, event: Event, relations: EventRelations, author, confirm_duplicate: bool = False
) -> Event:
    """Save an existing event's new fields (set on `event`, unsaved), its links and its dates."""
    before = Event.objects.select_for_update().get(pk=event.pk)
    require("events.manage", author, before, message=_("Vous ne pouvez pas modifier cet événement."))
    previous_site_ids = set(before.sites.values_list("pk", flat=True))
    _check_sites_allowed(author, relations.sites, previous_site_ids)
    relations.dates = _check_dates(relations.dates)
    _check_event(event, relations.sites, relations.partners)
    dates_changed = relations.dates != _date_pairs(before)
    if not confirm_duplicate and (
        dates_changed or normalise_title(event.title) != normalise_title(before.title)
    ):
        duplicates = possible_duplicates(
            title=event.title,
            site_ids=[s.pk for s in relations.sites],
            days=_local_days(relations.dates),
            exclude_pk=event.pk,
        )
        if duplicates:
            raise PossibleDuplicate(duplicates)
    significant = dates_changed or any(getattr(event, f) != getattr(before, f) for f in SIGNIFICANT_FIELDS)
    # Fields the edit form does not carry stay as they are in the database (status, attendance…).
    for name in KEPT_ON_EDIT:
        setattr(event, name, getattr(before, name))
    event.sequence = before.sequence + (1 if significant else 0)
    event._history_user = author
    event.save()
    _save_relations(event, relations, dates_changed)
    return event


def _locked_event(event: Event, author) -> Event:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    require("events.manage", author, locked, message=_("Vous ne pouvez pas modifier cet événement."))
    return locked


def _set_status(event: Event, status: str, author, fields=()) -> Event:
    event.status = status
    event.sequence += 1
    event._history_user = author
    event.save(update_fields=["status", "sequence", "updated_at", *fields])
    return event


@transaction.atomic
def event_confirm(*, event: Event, author) -> Event:
    event = _locked_event(event, author)
    if event.status != EventStatus.PLANNED:
        raise ValidationError(_("Seul un événement prévu se confirme."))
    return _set_status(event, EventStatus.CONFIRMED, author)


@transaction.atomic
def event_cancel(*, event: Event, author, reason: str) -> Event:
    """Cancel an event, with its reason: it stays in the agenda and the calendars, marked cancelled."""
    event = _locked_event(event, author)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation.")})
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("L'événement est déjà annulé."))
    if event.status == EventStatus.HELD:
        raise ValidationError(_("Un événement réalisé ne s'annule pas."))
    event.cancellation_reason = reason[:250]
    return _set_status(event, EventStatus.CANCELLED, author, fields=["cancellation_reason"])


@transaction.atomic
def event_postpone(*, event: Event, author, dates) -> Event:
    """Move an event to new dates; the first start announced before is kept in `previous_start`."""
    event = _locked_event(event, author)
    if event.status in (EventStatus.CANCELLED, EventStatus.HELD):
        raise ValidationError(
            _("Un événement « %(status)s » ne se reporte pas.") % {"status": event.get_status_display()}
        )
    dates = _check_dates(dates)
    old = _date_pairs(event)
    if dates == old:
        raise ValidationError(_("Les nouvelles dates sont identiques aux dates actuelles."))
    event.previous_start = old[0][0] if old else None
    event.dates.all().delete()
    EventDate.objects.bulk_create(EventDate(event=event, start=s, end=e) for s, e in dates)
    return _set_status(event, EventStatus.POSTPONED, author, fields=["previous_start"])


@transaction.atomic
def event_mark_held(*, event: Event, author) -> Event:
    event = _locked_event(event, author)
    if event.status in (EventStatus.CANCELLED, EventStatus.HELD):
        raise ValidationError(
            _("Un événement « %(status)s » ne peut pas être marqué réalisé.")
            % {"status": event.get_status_display()}
        )
    start = event_rules.first_start(event)
    if start is None or start > timezone.now():
        raise ValidationError(_("Un événement se marque réalisé une fois commencé."))
    return _set_status(event, EventStatus.HELD, author)


@transaction.atomic
def event_delete(*, event: Event, author) -> None:
    """Delete an event entered by mistake: never published, no attendance (otherwise cancel it)."""
    event = _locked_event(event, author)
    if event.published:
        raise ValidationError(
            _("Un événement publié ne se supprime pas : annulez-le, il restera dans l'agenda marqué annulé.")
        )
    if event.present is not None or event.registered is not None:
        raise ValidationError(_("Un événement dont la fréquentation est saisie ne se supprime pas."))
    event._history_user = author
    event.delete()


# --- Attendance ------------------------------------------------------------------------------


@dataclasses.dataclass
class Attendance:
    registered: int | None
    present: int | None
    satisfied: int | None = None
    neutral: int | None = None
    dissatisfied: int | None = None
    # {"sex": {Sex: count}, "age_band": {AgeBand: count}, "situation": {Situation: count}}
    breakdowns: dict = dataclasses.field(default_factory=dict)


def check_attendance(attendance: Attendance) -> None:
    """Counts between 0 and MAX_COUNT; each breakdown, and the satisfaction answers, sum to at most
    the number present."""
    errors = {}
    too_big = _("Saisissez un nombre entre 0 et %(max)s.") % {"max": f"{MAX_COUNT:,}".replace(",", "\u202f")}
    for name in ("registered", "present", "satisfied", "neutral", "dissatisfied"):
        value = getattr(attendance, name)
        if value is not None and not 0 <= value <= MAX_COUNT:
            errors[name] = too_big
    for counts in attendance.breakdowns.values():
        if any(not 0 <= count <= MAX_COUNT for count in counts.values() if count is not None):
            errors.setdefault("__all__", []).append(too_big)
    if errors:
        raise ValidationError(errors)
    present = attendance.present
    if present is None:
        if any(v for counts in attendance.breakdowns.values() for v in counts.values()) or any(
            (attendance.satisfied, attendance.neutral, attendance.dissatisfied)
        ):
            raise ValidationError({"present": _("Indiquez le nombre de présents avant leur répartition.")})
        return
    for dimension, counts in attendance.breakdowns.items():
        total = sum(count or 0 for count in counts.values())
        if total > present:
            errors.setdefault("__all__", []).append(
                _(
                    "La répartition %(breakdown)s compte %(total)s personnes, "
                    "plus que les %(present)s présents."
                )
                % {"breakdown": BREAKDOWN_LABELS[dimension], "total": total, "present": present}
            )
    answers = sum(v or 0 for v in (attendance.satisfied, attendance.neutral, attendance.dissatisfied))
    if answers > present:
        errors.setdefault("__all__", []).append(
            _("Les réponses de satisfaction (%(total)s) dépassent le nombre de présents (%(present)s).")
            % {"total": answers, "present": present}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def attendance_record(*, event: Event, author, attendance: Attendance) -> Event:
    """Record the event's attendance (counts only), under the stats periods' rules of its month."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require(
        "events.manage",
        author,
        event,
        message=_(
            "Seuls les organisateurs de l'événement et la coordination régionale saisissent sa fréquentation."
        ),
    )
    refusal = event_rules.attendance_refusal(author, event)
    if refusal:
        raise ValidationError(refusal)
    require("events.enter_attendance", author, event)
    check_attendance(attendance)
    for name in ("registered", "present", "satisfied", "neutral", "dissatisfied"):
        setattr(event, name, getattr(attendance, name))
    event._history_user = author
    event.save(update_fields=["registered", "present", "satisfied", "neutral", "dissatisfied", "updated_at"])
    event.attendance_counts.all().delete()
    AttendanceCount.objects.bulk_create(
        AttendanceCount(event=event, count=count, **{dimension: item})
        for dimension, counts in attendance.breakdowns.items()
        for item, count in counts.items()
        if count
    )
    return event


# --- Territorial programmes ------------------------------------------------------------------


@transaction.atomic
def programme_save(*, programme: TerritorialProgramme, meetings, author) -> TerritorialProgramme:
    require(
        "events.manage_programmes",
        author,
        message=_("Les programmes territoriaux sont tenus par la coordination régionale."),
    )
    duplicate = TerritorialProgramme.objects.filter(territory=programme.territory_id, year=programme.year)
    if programme.pk:
        duplicate = duplicate.exclude(pk=programme.pk)
    if duplicate.exists():
        raise ValidationError(
            {"year": _("Ce territoire a déjà un programme pour l'année %(year)s.") % {"year": programme.year}}
        )
    programme._history_user = author
    programme.save()
    programme.meetings.set(meetings)
    return programme


# --- Monthly themes --------------------------------------------------------------------------


@transaction.atomic
def monthly_theme_save(*, theme: MonthlyTheme, author) -> MonthlyTheme:
    require(
        "events.set_monthly_theme",
        author,
        theme.site,
        message=_("Vous ne pouvez pas choisir le thème du mois de ce site."),
    )
    theme.month = theme.month.replace(day=1)
    taken = MonthlyTheme.objects.filter(site=theme.site, month=theme.month).exclude(pk=theme.pk)
    if taken.exists():
        raise ValidationError(
            {"month": _("Le site a déjà un thème pour %(month)s.") % {"month": theme.month.strftime("%m/%Y")}}
        )
    theme._history_user = author
    theme.save()
    return theme


@transaction.atomic
def monthly_theme_delete(*, theme: MonthlyTheme, author) -> None:
    require(
        "events.set_monthly_theme",
        author,
        theme.site,
        message=_("Vous ne pouvez pas choisir le thème du mois de ce site."),
    )
    theme._history_user = author
    theme.delete()
