"""Demo data of the steering bodies: kinds, the Commission régionale, the comités techniques locaux
de programmation of the four départements and two comités de pilotage, with a yearly cycle: the
June commission (agenda, attendance, adopted minutes, decisions), the autumn technical committees
and the end-of-year steering committees that arbitrate the sites' action plans.

Idempotent: every row is found by its natural key (code, name, body + person, body + date, meeting +
order, meeting + summary) and created only when missing, so a second run changes nothing, not even
the history tables. The people are invented; the organisations come from network.demo.

What the bodies decide about the layer above (the commission's avis on a label application, the
steering committees' arbitration of the plans) is loaded by that layer, after this loader:
sites/labels/demo_governance.py and sites/plans/demo.py (see stats' seed_demo).
"""

import datetime
import unicodedata
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from network.enums import (
    AttendanceStatus,
    BodyScope,
    DecisionKind,
    DecisionStatus,
    MeetingStatus,
    MinutesStatus,
)
from network.models import Organisation, Territory, User
from network.models.governance import (
    AgendaItem,
    Attendance,
    Body,
    BodyKind,
    BodyMember,
    Decision,
    Meeting,
    Minutes,
)
from sites.models import Site

BODY_KINDS = [
    ("commission-regionale", "Commission régionale des Espaces métiers"),
    ("comite-technique-local", "Comité technique local de programmation"),
    ("comite-pilotage", "Comité de pilotage"),
    ("concertation-territoriale", "Concertation territoriale de l'orientation"),
    ("groupe-travail", "Groupe de travail"),
    ("reunion-reseau", "Réunion de réseau"),
]

COMMISSION = "Commission régionale des Espaces métiers"

# (organisation name, person, position, voting)
COMMISSION_MEMBERS = [
    ("Région Grand Est", "Hélène Marchal", "Vice-présidente formation et orientation", True),
    ("GIP Arifor", "Laurent Caillet", "Directeur", False),
    ("France Travail Grand Est", "Sophie Renard", "Directrice régionale adjointe", True),
    ("Association régionale des Missions locales du Grand Est", "Karim Benali", "Président", True),
    (
        "Académie de Reims",
        "Isabelle Perrin",
        "Cheffe du service académique d'information et d'orientation",
        True,
    ),
    ("CHEOPS Grand Est", "Nathalie Colin", "Déléguée régionale", True),
    ("APEC Grand Est", "Julien Masson", "Délégué régional", True),
    ("Transitions Pro Grand Est", "Claire Dubois", "Directrice", True),
    ("CCI Grand Est", "Marc Lemoine", "Chargé de mission emploi-formation", True),
    ("Chambre de métiers et de l'artisanat Grand Est", "Anne Girard", "Responsable formation", True),
]

# Site slug → the comité de pilotage's members, besides the site's host structure.
STEERING_COMMITTEES = {
    "reims": [
        ("Région Grand Est", "Pierre Lambert", "Chargé de mission territorial"),
        ("France Travail Grand Est", "Émilie Roussel", "Directrice d'agence Reims"),
        ("Mission locale de Reims", "Thomas Garnier", "Directeur"),
        ("CIO de Reims", "Sandrine Faure", "Directrice"),
    ],
    "troyes": [
        ("Région Grand Est", "Pierre Lambert", "Chargé de mission territorial"),
        ("France Travail Grand Est", "Olivier Mercier", "Directeur d'agence Troyes"),
        ("CIO de Troyes", "Véronique Blanc", "Directrice"),
    ],
}

AGENDA = [
    ("Adoption du compte rendu de la séance précédente", 10, "Présidence"),
    ("Bilan d'activité régional de l'année écoulée", 40, "GIP Arifor"),
    ("Avis sur les candidatures au label", 45, "GIP Arifor"),
    ("Feuille de route régionale de l'année prochaine", 60, "Région Grand Est"),
    ("Questions diverses", 15, ""),
]

MINUTES_TEXT = """La séance est ouverte à 9 h 30 par la vice-présidente de la Région, \
qui remercie les membres.

1. Le compte rendu de la séance précédente est adopté sans remarque.

2. Le GIP Arifor présente le bilan d'activité régional : la fréquentation des Espaces métiers progresse, \
portée par les ateliers collectifs et les partenariats avec France Travail et les Missions locales.

3. La commission examine les candidatures au label instruites par la coordination.

4. La Région présente les grandes orientations de la feuille de route de l'année prochaine : \
découverte des métiers en tension, publics éloignés du numérique, coopération avec les CIO.

La séance est levée à 12 h 15."""


def load_governance_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load (or complete) the governance demo; returns the rows created by kind."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        kinds = _load_kinds(counts)
        commission = _get_or_create(
            counts,
            "instances",
            Body,
            name=COMMISSION,
            defaults={
                "kind": kinds["commission-regionale"],
                "scope": BodyScope.REGION,
                "min_meetings_per_year": 1,
                "required_months": [6],
                "quorum": 5,
                "description": (
                    "Arrête la feuille de route régionale de l'année suivante ; rend un avis sur les "
                    "candidatures au label et sur le recrutement des coordinateurs."
                ),
            },
        )
        members = [
            _seat(counts, commission, organisation_name, person, position, voting)
            for organisation_name, person, position, voting in COMMISSION_MEMBERS
        ]
        members = [member for member in members if member is not None]
        _load_steering_committees(kinds["comite-pilotage"], counts)
        _load_june_commission(commission, members, today, counts)
        _load_autumn_cycle(kinds["comite-technique-local"], today, counts)
    return counts


# Département code → the comité technique local de programmation's members.
TECHNICAL_COMMITTEES = {
    "08": "Ardennes",
    "10": "Aube",
    "51": "Marne",
    "52": "Haute-Marne",
}


def _adopted_minutes(meeting, text, today) -> Minutes:
    """Minutes sent for remarks three days after the meeting and adopted by e-mail a week later (or
    on the demo's day when sooner): dated from the meeting, whatever the clock says when loading."""
    latest = datetime.datetime.combine(today, datetime.time(12), tzinfo=meeting.starts_at.tzinfo)
    sent_at = min(meeting.starts_at + datetime.timedelta(days=3), latest)
    return Minutes.objects.create(
        meeting=meeting,
        text=text,
        status=MinutesStatus.ADOPTED,
        sent_at=sent_at,
        adopted_at=min(sent_at + datetime.timedelta(days=7), latest),
    )


def _invitation_date(starts_at, today):
    """Convocations leave three weeks ahead; a meeting further away has not been convened yet."""
    sent = starts_at - datetime.timedelta(days=21)
    return sent if sent.date() <= today else None


def _convene(counts, meeting, members, sent_at, statuses=None):
    """The lines a convocation opens (as services.meeting_invite, without the e-mails): who was
    convened, when and at which address, with their presence once the meeting is held."""
    for index, member in enumerate(members):
        status, represented_by = (statuses or {}).get(index, (AttendanceStatus.INVITED, ""))
        _get_or_create(
            counts,
            "émargements",
            Attendance,
            meeting=meeting,
            member=member,
            defaults={
                "status": status,
                "represented_by": represented_by,
                "invited_at": sent_at if member.email else None,
                "invitation_email": member.email,
            },
        )


def _held_meeting(counts, body, starts_at, title, place, today, summary):
    """A meeting of the cycle: held with adopted minutes when past, planned when still to come
    (convened when it is less than three weeks away)."""
    held = starts_at.date() < today
    # Convened only with members in office: a convocation sent to nobody is what this demo must not show.
    in_office = body.members.current(starts_at.date()).exists()
    sent_at = _invitation_date(starts_at, today) if in_office else None
    meeting = _get_or_create(
        counts,
        "réunions",
        Meeting,
        body=body,
        starts_at=starts_at,
        defaults={
            "title": title,
            "ends_at": starts_at + datetime.timedelta(hours=2),
            "place": place,
            "status": MeetingStatus.HELD if held else MeetingStatus.PLANNED,
            "invitations_sent_at": sent_at,
        },
    )
    if not held:
        if meeting.invitations_sent_at:
            _convene(
                counts, meeting, list(body.members.current(starts_at.date())), meeting.invitations_sent_at
            )
        return meeting
    if Minutes.objects.filter(meeting=meeting).exists():
        return meeting
    members = list(body.members.all())
    _convene(
        counts,
        meeting,
        members,
        meeting.invitations_sent_at,
        dict.fromkeys(range(len(members)), (AttendanceStatus.PRESENT, "")),
    )
    _get_or_create(
        counts,
        "décisions",
        Decision,
        meeting=meeting,
        summary=summary,
        defaults={
            "kind": DecisionKind.DECISION,
            "status": DecisionStatus.DONE,
            "done_on": starts_at.date(),
        },
    )
    _adopted_minutes(meeting, f"{title}.\n\n{summary}", today)
    counts["comptes rendus"] = counts.get("comptes rendus", 0) + 1
    return meeting


def _load_autumn_cycle(kind, today, counts) -> None:
    """Technical committees in October and steering committees in December, last year and this year."""
    paris = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for year in (today.year - 1, today.year):
        for code, name in TECHNICAL_COMMITTEES.items():
            departement = Territory.objects.filter(kind__code="departement", code=code).first()
            if departement is None:
                continue
            body = _get_or_create(
                counts,
                "instances",
                Body,
                name=f"Comité technique local de programmation — {name}",
                defaults={
                    "kind": kind,
                    "scope": BodyScope.TERRITORY,
                    "territory": departement,
                    "min_meetings_per_year": 1,
                    "required_months": [6, 7, 8, 9, 10, 11],
                    "description": "Élabore le projet de plan d'actions territorial de l'année suivante.",
                },
            )
            for site in Site.objects.filter(departement=departement, label_status="labellise")[:1]:
                if site.host_id:
                    _seat(counts, body, site.host.name, f"Coordination {site.commune}", "Direction", True)
            _seat(counts, body, "France Travail Grand Est", f"Agence {name}", "Direction d'agence", True)
            _held_meeting(
                counts,
                body,
                datetime.datetime(year, 10, 8, 14, 0, tzinfo=paris),
                f"Comité technique local {name} — octobre {year}",
                f"Préfecture de département ({name})",
                today,
                f"Le projet de programme territorial {year + 1} est établi et transmis "
                "aux comités de pilotage.",
            )
        for body in Body.objects.filter(scope=BodyScope.SITE, kind__code="comite-pilotage").select_related(
            "site"
        ):
            _held_meeting(
                counts,
                body,
                steering_committee_date(year),
                f"Comité de pilotage — décembre {year}",
                body.site.address or body.site.commune,
                today,
                arbitration_summary(year),
            )


def steering_committee_date(year: int) -> datetime.datetime:
    """The steering committees meet on 4 December to arbitrate the next year's plan."""
    return datetime.datetime(year, 12, 4, 10, 0, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def arbitration_summary(year: int) -> str:
    """The decision of a December steering committee (its subject, the plan, is set by the plans' demo)."""
    return (
        f"Le comité arbitre le projet de plan d'actions {year + 1} du site avant sa transmission à la Région."
    )


def _get_or_create(counts, what, model, defaults=None, **lookup):
    obj, created = model.objects.get_or_create(defaults=defaults or {}, **lookup)
    if created:
        counts[what] = counts.get(what, 0) + 1
    return obj


def _load_kinds(counts) -> dict:
    return {
        code: _get_or_create(
            counts, "types d'instance", BodyKind, code=code, defaults={"label": label, "order": order}
        )
        for order, (code, label) in enumerate(BODY_KINDS, start=1)
    }


def _seat(counts, body, organisation_name, person, position, voting=True):
    organisation = Organisation.objects.filter(name=organisation_name).first()
    if organisation is None:
        return None
    email = _demo_email(person)
    return _get_or_create(
        counts,
        "membres",
        BodyMember,
        body=body,
        full_name=person,
        defaults={"organisation": organisation, "position": position, "is_voting": voting, "email": email},
    )


def _demo_email(person: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", person).encode("ascii", "ignore").decode().lower()
    return f"{ascii_name.replace(' ', '.')}@demo.spro.invalid"


def _load_steering_committees(kind, counts) -> None:
    for slug, seats in STEERING_COMMITTEES.items():
        site = Site.objects.filter(slug=slug).select_related("host").first()
        if site is None:
            continue
        body = _get_or_create(
            counts,
            "instances",
            Body,
            name=f"Comité de pilotage — {site.name}",
            defaults={
                "kind": kind,
                "scope": BodyScope.SITE,
                "site": site,
                "min_meetings_per_year": 1,
                "required_months": [12],
                "description": (
                    "Arbitre le projet de plan d'actions du site avant sa transmission à la Région."
                ),
            },
        )
        if site.host_id:
            _seat(counts, body, site.host.name, "Direction de la structure porteuse", "Directeur·rice", True)
        for organisation_name, person, position in seats:
            _seat(counts, body, organisation_name, person, position)


def june_commission(today: datetime.date) -> Meeting | None:
    """The commission's June meeting of the current cycle, once loaded."""
    return Meeting.objects.filter(body__name=COMMISSION, starts_at=_june_of_current_cycle(today)).first()


def _june_of_current_cycle(today: datetime.date) -> datetime.datetime:
    # The commission meets every June: until this year's meeting, the current cycle's is last year's.
    year = today.year if today >= datetime.date(today.year, 6, 18) else today.year - 1
    paris = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime(year, 6, 18, 9, 30, tzinfo=paris)


def _load_june_commission(commission, members, today, counts) -> None:
    starts_at = _june_of_current_cycle(today)
    meeting = _get_or_create(
        counts,
        "réunions",
        Meeting,
        body=commission,
        starts_at=starts_at,
        defaults={
            "title": f"Commission régionale de juin {starts_at.year}",
            "ends_at": starts_at + datetime.timedelta(hours=3),
            "place": "Maison de la Région, 5 rue de Jéricho, Châlons-en-Champagne",
            "status": MeetingStatus.HELD,
            "invitations_sent_at": _invitation_date(starts_at, today) if members else None,
        },
    )
    if Minutes.objects.filter(meeting=meeting).exists():
        # Minutes are adopted at the end of the first load: the record is frozen from then on.
        return
    for order, (title, minutes, presenter) in enumerate(AGENDA, start=1):
        _get_or_create(
            counts,
            "points d'ordre du jour",
            AgendaItem,
            meeting=meeting,
            order=order,
            defaults={"title": title, "duration_minutes": minutes, "presenter": presenter},
        )
    # Everyone present but one member excused and one represented: the sheet shows every status.
    statuses = dict.fromkeys(range(len(members)), (AttendanceStatus.PRESENT, ""))
    statuses[3] = (AttendanceStatus.EXCUSED, "")
    statuses[5] = (AttendanceStatus.REPRESENTED, "Delphine Roux")
    _convene(counts, meeting, members, meeting.invitations_sent_at, statuses)
    _load_decisions(meeting, counts)
    _adopted_minutes(meeting, MINUTES_TEXT, today)
    counts["comptes rendus"] = counts.get("comptes rendus", 0) + 1


def _load_decisions(meeting, counts) -> None:
    # The demo coordination account follows the decisions up, when the accounts were loaded.
    # The avis on a label application is the labels' demo (sites/labels/demo_governance.py).
    owner = User.objects.filter(username="coordination").first()
    _get_or_create(
        counts,
        "décisions",
        Decision,
        meeting=meeting,
        summary=(
            "La feuille de route régionale de l'année prochaine est adoptée ; "
            "la coordination la transmet à la Région."
        ),
        defaults={
            "kind": DecisionKind.DECISION,
            "due_date": meeting.starts_at.date() + datetime.timedelta(days=30),
            "owner": owner,
            "status": DecisionStatus.DONE,
            "done_on": meeting.starts_at.date() + datetime.timedelta(days=21),
        },
    )
    _get_or_create(
        counts,
        "décisions",
        Decision,
        meeting=meeting,
        summary=(
            "Un groupe de travail « publics éloignés du numérique » est constitué "
            "et rendra ses travaux en fin d'année."
        ),
        defaults={
            "kind": DecisionKind.DECISION,
            "due_date": datetime.date(meeting.starts_at.year, 12, 15),
            "owner": owner,
            "status": DecisionStatus.IN_PROGRESS,
        },
    )
