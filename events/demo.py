"""Demo data of the events: two years of events of the Champagne-Ardenne Espaces métiers (past ones
held with their attendance, future ones published, a few cancelled or postponed), a territorial
programme per département and year drawn from a concertation territoriale, and monthly themes.

Idempotent: every event has a UID derived from its site, month and rank (uuid5), every other row a
natural key; rows are created only when missing, so a second run creates nothing. Loaded by
`seed_demo` after the network, the sites, the statistics, the plans and the governance demo.
"""

import datetime
import random
import uuid

from django.db import transaction
from django.utils import timezone

from network.enums import BodyScope, MeetingStatus
from network.models import Organisation, Territory
from network.models.governance import Body, BodyKind, Meeting
from sites.models import Site, Theme
from sites.models.plans import PlanAction
from stats.models import AgeBand, Sex, Situation, first_of_month

from .enums import AttendanceMode, EventStatus, Registration
from .models import AttendanceCount, Event, EventDate, EventKind, MonthlyTheme, TerritorialProgramme

UID_NAMESPACE = uuid.UUID("6f1d7c1e-3b1a-4d8e-9a63-5e0c2f7b9a41")
DEMO_SITES = [
    "charleville-mezieres",
    "vireux-molhain",
    "sedan",
    "bar-sur-aube",
    "romilly-sur-seine",
    "troyes",
    "chaumont",
    "nogent",
    "saint-dizier",
    "epernay",
    "reims",
]
DEPARTEMENTS = {"08": "Ardennes", "10": "Aube", "51": "Marne", "52": "Haute-Marne"}
MONTHS_BACK = 18
MONTHS_AHEAD = 6

# (kind code, title, hours (start, end), capacity, mode, registration)
CATALOGUE = [
    ("forum", "Forum des métiers et de l'emploi", (9, 17), 300, AttendanceMode.IN_PERSON, Registration.NONE),
    ("job-dating", "Job dating de l'industrie", (9, 12), 60, AttendanceMode.IN_PERSON, Registration.PARTNER),
    (
        "job-dating",
        "Job dating des métiers du soin",
        (14, 17),
        50,
        AttendanceMode.IN_PERSON,
        Registration.PARTNER,
    ),
    (
        "atelier",
        "Atelier CV et lettre de motivation",
        (9, 12),
        12,
        AttendanceMode.IN_PERSON,
        Registration.ORGANISER,
    ),
    (
        "atelier",
        "Atelier « Réussir son entretien »",
        (14, 16),
        12,
        AttendanceMode.IN_PERSON,
        Registration.ORGANISER,
    ),
    (
        "information-collective",
        "Information collective : la VAE",
        (10, 12),
        25,
        AttendanceMode.HYBRID,
        Registration.ORGANISER,
    ),
    (
        "information-collective",
        "Information collective : l'alternance",
        (14, 16),
        30,
        AttendanceMode.IN_PERSON,
        Registration.NONE,
    ),
    (
        "visite-entreprise",
        "Visite d'entreprise : la métallurgie",
        (9, 12),
        15,
        AttendanceMode.IN_PERSON,
        Registration.ORGANISER,
    ),
    (
        "conference",
        "Conférence : les métiers de la transition écologique",
        (18, 20),
        80,
        AttendanceMode.HYBRID,
        Registration.NONE,
    ),
    (
        "cafe-pro",
        "Café pro : les métiers du numérique",
        (9, 11),
        20,
        AttendanceMode.IN_PERSON,
        Registration.NONE,
    ),
    (
        "zoom-metier",
        "Zoom métier : aide-soignant·e",
        (14, 16),
        20,
        AttendanceMode.ONLINE,
        Registration.ORGANISER,
    ),
    ("salon", "Salon de l'apprentissage", (9, 17), 400, AttendanceMode.IN_PERSON, Registration.NONE),
]
PARTNERS = [
    "France Travail Grand Est",
    "Association régionale des Missions locales du Grand Est",
    "CIO de Reims",
    "CIO de Troyes",
    "APEC Grand Est",
    "CCI Grand Est",
    "Chambre de métiers et de l'artisanat Grand Est",
    "UIMM Champagne-Ardenne",
    "Transitions Pro Grand Est",
]
MONTHLY_THEMES = [
    ("Le mois de l'industrie", "metiers"),
    ("Le mois de l'alternance", "alternance"),
    ("Le mois des métiers du soin", "metiers"),
    ("Le mois de la création d'activité", "creation-activite"),
    ("Le mois de la mobilité", "mobilite"),
    ("Le mois de la reconversion", "formation"),
]
CANCEL_REASONS = [
    "Intervenant indisponible.",
    "Trop peu d'inscrits.",
    "Salle indisponible (travaux).",
    "Alerte météo : rassemblements déconseillés.",
]


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _paris(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_default_timezone())


def load_events_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load (or complete) the events demo; returns the rows created by kind."""
    today = today or timezone.localdate()
    counts = {"événements": 0, "dates": 0, "répartitions des présents": 0, "programmes territoriaux": 0}
    counts.update({"instances de concertation": 0, "réunions de concertation": 0, "thèmes du mois": 0})
    sites = {
        site.slug: site for site in Site.objects.filter(slug__in=DEMO_SITES).select_related("departement")
    }
    if not sites:
        return counts
    with transaction.atomic():
        kinds = {kind.code: kind for kind in EventKind.objects.all()}
        programmes = _load_programmes(today, counts)
        references = _references()
        for slug in DEMO_SITES:
            if slug in sites:
                _load_site_events(sites[slug], kinds, programmes, references, today, counts)
                _load_monthly_themes(sites[slug], today, counts)
    return counts


def _references() -> dict:
    return {
        "partners": list(Organisation.objects.filter(name__in=PARTNERS).order_by("name")),
        "sex": list(Sex.objects.order_by("order", "pk")),
        "age_band": list(AgeBand.objects.order_by("order", "pk")),
        "situation": list(Situation.objects.order_by("order", "pk")),
        "themes": {theme.code: theme for theme in Theme.objects.all()},
        "actions": {
            (action.plan.site_id, action.plan.year): action
            for action in PlanAction.objects.select_related("plan").order_by("-pk")
        },
    }


def _load_programmes(today: datetime.date, counts: dict) -> dict:
    """A concertation territoriale per département, one meeting a year, a programme per year."""
    kind, _created = BodyKind.objects.get_or_create(
        code="concertation-territoriale", defaults={"label": "Concertation territoriale de l'orientation"}
    )
    programmes = {}
    for code, name in DEPARTEMENTS.items():
        territory = Territory.objects.filter(kind__code="departement", code=code).first()
        if territory is None:
            continue
        body, created = Body.objects.get_or_create(
            name=f"Concertation territoriale de l'orientation — {name}",
            defaults={
                "kind": kind,
                "scope": BodyScope.TERRITORY,
                "territory": territory,
                "min_meetings_per_year": 1,
                "required_months": [1],
                "description": "Arrête chaque année le programme territorial des événements.",
            },
        )
        counts["instances de concertation"] += created
        for year in (today.year - 1, today.year):
            starts_at = _paris(datetime.date(year, 1, 20), 14)
            meeting, created = Meeting.objects.get_or_create(
                body=body,
                starts_at=starts_at,
                defaults={
                    "title": f"Concertation territoriale {year} — {name}",
                    "ends_at": starts_at + datetime.timedelta(hours=2),
                    "place": "Préfecture" if code != "51" else "Maison de la Région, Châlons-en-Champagne",
                    "status": MeetingStatus.HELD if starts_at.date() < today else MeetingStatus.PLANNED,
                },
            )
            counts["réunions de concertation"] += created
            programme, created = TerritorialProgramme.objects.get_or_create(
                territory=territory,
                year=year,
                defaults={
                    "title": f"Programme territorial {name} {year}",
                    "notes": (
                        "Découverte des métiers en tension, publics éloignés de l'emploi, alternance ; "
                        "un temps fort par trimestre dans chaque Espace métiers."
                    ),
                },
            )
            if created:
                programme.meetings.add(meeting)
            counts["programmes territoriaux"] += created
            programmes[(code, year)] = programme
    return programmes


def _load_site_events(site, kinds, programmes, references, today, counts) -> None:
    first_month = _add_months(first_of_month(today), -MONTHS_BACK)
    for offset in range(MONTHS_BACK + MONTHS_AHEAD + 1):
        month = _add_months(first_month, offset)
        if month.month == 8:  # the summer break
            continue
        # Random draws seeded by the site and month, then by the event: the same on every run.
        ranks = random.Random(f"{site.slug}/{month:%Y-%m}").choice((1, 2, 2, 3))
        for rank in range(ranks):
            uid = uuid.uuid5(UID_NAMESPACE, f"{site.slug}/{month:%Y-%m}/{rank}")
            if Event.objects.filter(uid=uid).exists():
                continue
            rng = random.Random(str(uid))
            spec = rng.choice(CATALOGUE)
            day = month + datetime.timedelta(days=rng.randrange(1, 26))
            if day.weekday() >= 5:  # to the Monday after
                day += datetime.timedelta(days=7 - day.weekday())
            _create_event(
                site, uid, spec, day, rng.random(), kinds, programmes, references, today, rng, counts
            )


def _create_event(site, uid, spec, day, fate, kinds, programmes, references, today, rng, counts) -> None:
    code, title, (start_hour, end_hour), capacity, mode, registration = spec
    kind = kinds.get(code) or kinds.get("autre")
    if kind is None:
        return
    past = day < today
    status = EventStatus.HELD if past else rng.choice((EventStatus.CONFIRMED, EventStatus.PLANNED))
    event = Event(
        uid=uid,
        title=f"{title} — {site.commune}",
        description=(
            f"{title} à l'{site.name}. Entrée gratuite, ouverte à toutes et à tous : jeunes, demandeurs "
            "d'emploi, salariés en reconversion."
        ),
        kind=kind,
        mode=mode,
        place_name=site.name if mode != AttendanceMode.ONLINE else "",
        address=site.address if mode != AttendanceMode.ONLINE else "",
        postcode=site.postcode if mode != AttendanceMode.ONLINE else "",
        commune=site.commune if mode != AttendanceMode.ONLINE else "",
        online_url=f"https://visio.example.fr/{site.slug}-{day:%Y%m%d}"
        if mode != AttendanceMode.IN_PERSON
        else "",
        capacity=capacity,
        registration=registration,
        registration_url=(
            f"https://inscriptions.example.fr/{site.slug}/{day:%Y%m%d}"
            if registration != Registration.NONE
            else ""
        ),
        status=status,
        published=past or fate > 0.1,
    )
    programme = programmes.get((site.departement.code, day.year))
    if programme is not None and kind.code in (
        "forum",
        "salon",
        "job-dating",
        "conference",
        "information-collective",
    ):
        event.programme = programme
    event.plan_action = references["actions"].get((site.pk, day.year)) if fate > 0.85 else None
    start = _paris(day, start_hour)
    if fate < 0.06:  # cancelled
        event.status = EventStatus.CANCELLED
        event.cancellation_reason = rng.choice(CANCEL_REASONS)
        event.sequence = 1
    elif fate < 0.12:  # postponed by three weeks
        event.previous_start = start - datetime.timedelta(days=21)
        event.status = EventStatus.POSTPONED if not past else EventStatus.HELD
        event.sequence = 1
    event.save()
    counts["événements"] += 1
    event.sites.add(site)
    theme = references["themes"].get(
        rng.choice(("metiers", "emploi", "formation", "orientation", "alternance"))
    )
    if theme:
        event.themes.add(theme)
    if references["situation"]:
        event.publics.add(*rng.sample(references["situation"], k=min(2, len(references["situation"]))))
    if references["partners"] and rng.random() < 0.6:
        event.partners.add(*rng.sample(references["partners"], k=rng.choice((1, 1, 2))))
    EventDate.objects.create(event=event, start=start, end=_paris(day, end_hour))
    counts["dates"] += 1
    if event.status == EventStatus.HELD:
        _attendance(event, capacity, registration, references, rng, counts)


def _attendance(event, capacity, registration, references, rng, counts) -> None:
    present = max(3, int(capacity * rng.uniform(0.45, 1.05)))
    event.present = present
    event.registered = int(present * rng.uniform(1.0, 1.3)) if registration != Registration.NONE else None
    answers = int(present * rng.uniform(0.4, 0.8))
    event.satisfied = int(answers * rng.uniform(0.7, 0.9))
    event.dissatisfied = int(answers * rng.uniform(0.0, 0.06))
    event.neutral = answers - event.satisfied - event.dissatisfied
    event.save(update_fields=["present", "registered", "satisfied", "neutral", "dissatisfied"])
    rows = []
    for dimension in ("sex", "age_band", "situation"):
        items = references[dimension]
        if not items:
            continue
        # Most of the present are described; a few are not (omitted, never guessed).
        remaining = int(present * rng.uniform(0.85, 1.0))
        weights = [rng.uniform(0.5, 2.0) for _item in items]
        total = sum(weights)
        for item, weight in zip(items, weights, strict=True):
            count = min(remaining, round(present * weight / total * 0.9))
            remaining -= count
            if count:
                rows.append(AttendanceCount(event=event, count=count, **{dimension: item}))
    AttendanceCount.objects.bulk_create(rows)
    counts["répartitions des présents"] += len(rows)


def _load_monthly_themes(site, today, counts) -> None:
    rng = random.Random(f"themes-{site.slug}")
    themes = {theme.code: theme for theme in Theme.objects.all()}
    for offset in (-2, -1, 0, 1, 2):
        month = _add_months(first_of_month(today), offset)
        title, theme_code = MONTHLY_THEMES[(month.month + rng.randrange(3)) % len(MONTHLY_THEMES)]
        _theme, created = MonthlyTheme.objects.get_or_create(
            site=site,
            month=month,
            defaults={
                "title": title,
                "theme": themes.get(theme_code),
                "description": f"Tout le mois, l'{site.name} met ce thème à l'honneur.",
            },
        )
        counts["thèmes du mois"] += created
