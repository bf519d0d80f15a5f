"""Demo data of the regional strategy and the professionalisation sessions.

Inspired by the orientation part of the Grand Est CPRDFOP (priority "L'orientation tout au long de
la vie", its défis and fiches-actions). Idempotent: every row is found by its natural key (title,
code, label, theme and date), so running it twice creates nothing the second time.
Run after `sites.demo.load_demo` (it looks organisations up by name). The coordination visits, which
belong to the sites' layer, are loaded by sites/labels/demo_visits.py.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..enums import ReviewKind
from ..models import Organisation
from ..models.governance import ProfessionalisationSession, SessionParticipation
from ..models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
    StrategyReview,
)

STRATEGY = {
    "title": "Stratégie régionale de l'orientation Grand Est",
    "start_year": 2023,
    "end_year": 2028,
    "summary": (
        "Volet orientation du contrat de plan régional de développement des formations et de "
        "l'orientation professionnelles (CPRDFOP) : un service public régional de l'orientation pour "
        "toutes et tous, qui s'appuie sur une connaissance partagée des métiers et des compétences."
    ),
}

# (code, title, [(code, title, [action, …])]); an action is a dict (pilot and partners by name).
PRIORITIES = [
    (
        "P1",
        "L'orientation tout au long de la vie — vers un service public régional pour toutes et tous",
        [
            (
                "D1",
                "Le SPRO au service du public : la personne au cœur du service",
                [
                    {
                        "code": "A1",
                        "title": "Reconnaître les membres du SPRO Grand Est : principes et valeurs partagés",
                        "pilot": "Région Grand Est",
                        "partners": ["GIP Arifor", "France Travail Grand Est", "Académie de Reims"],
                        "follow_up": "Bilan annuel présenté en commission régionale.",
                        "milestones": [("Référentiel des principes partagés", (2023, 6, 30), True)],
                        "indicators": [
                            (
                                "spro-membres-reconnus",
                                "Structures reconnues membres du SPRO",
                                "structures",
                                "Coordination régionale",
                                180,
                                [95, 128, 151],
                            ),
                        ],
                    },
                    {
                        "code": "A2",
                        "title": "Contractualiser les engagements des membres du SPRO au travers "
                        "d'une charte",
                        "pilot": "GIP Arifor",
                        "partners": [
                            "Association régionale des Missions locales du Grand Est",
                            "CIO de Reims",
                        ],
                        "follow_up": "Suivi des signatures par agence territoriale.",
                        "milestones": [
                            ("Charte rédigée et adoptée par la commission", (2024, 6, 15), True),
                            ("Signature par les membres de chaque territoire", (2025, 12, 31), False),
                        ],
                        "indicators": [
                            (
                                "spro-charte-signataires",
                                "Membres signataires de la charte",
                                "%",
                                "Coordination régionale",
                                100,
                                [0, 41, 63],
                            ),
                        ],
                    },
                ],
            ),
            (
                "D2",
                "L'efficacité du SPRO : pour une sécurisation des parcours",
                [
                    {
                        "code": "A1",
                        "title": "Consolider le partenariat avec les branches professionnelles "
                        "et les entreprises",
                        "pilot": "CCI Grand Est",
                        "partners": [
                            "UIMM Champagne-Ardenne",
                            "Chambre de métiers et de l'artisanat Grand Est",
                        ],
                        "follow_up": "Comité de suivi semestriel avec les branches.",
                        "milestones": [
                            ("Convention cadre avec les branches", (2024, 3, 31), True),
                            ("Une action par branche dans chaque territoire", (2026, 6, 30), False),
                        ],
                        "indicators": [
                            (
                                "partenariats-branches",
                                "Conventions signées avec des branches",
                                "conventions",
                                "Coordination régionale",
                                12,
                                [2, 5, 8],
                            ),
                        ],
                    },
                ],
            ),
            (
                "D3",
                "La réalité et la meilleure connaissance des métiers",
                [
                    {
                        "code": "A1",
                        "title": "Organiser dans les territoires une information objective sur les métiers "
                        "pour tous les publics",
                        "pilot": "GIP Arifor",
                        "partners": ["CRIJ Grand Est", "France Travail Grand Est", "Académie de Reims"],
                        "follow_up": "Statistiques des Espaces métiers et des événements.",
                        "milestones": [
                            ("Programme régional des zooms métiers", (2024, 1, 31), True),
                            ("Agenda régional de l'orientation en ligne", (2025, 9, 30), False),
                        ],
                        "indicators": [
                            (
                                "zooms-metiers",
                                "Zooms métiers et cafés pros organisés",
                                "événements",
                                "Outil statistique SPRO",
                                150,
                                [88, 112, 131],
                            ),
                            (
                                "publics-informes-metiers",
                                "Personnes accueillies sur le thème des métiers",
                                "personnes",
                                "Outil statistique SPRO",
                                30000,
                                [21400, 24850, 26900],
                            ),
                        ],
                    },
                    {
                        "code": "A2",
                        "title": "Mettre en lumière les initiatives innovantes",
                        "pilot": "GIP Arifor",
                        "partners": ["CHEOPS Grand Est"],
                        "follow_up": "Recueil annuel des initiatives.",
                        "milestones": [("Premier recueil des initiatives", (2026, 3, 31), False)],
                        "indicators": [],
                    },
                ],
            ),
        ],
    ),
    (
        "P2",
        "Connaître les métiers et les compétences pour éclairer l'orientation",
        [
            (
                "D1",
                "Disposer d'une observation régionale harmonisée et partagée",
                [
                    {
                        "code": "A1",
                        "title": "Construire un tableau de bord régional partagé",
                        "pilot": "GIP Arifor",
                        "partners": ["Région Grand Est", "France Travail Grand Est"],
                        "follow_up": "Publication annuelle du tableau de bord.",
                        "milestones": [
                            ("Identifier et collecter les données disponibles", (2023, 12, 31), True),
                            ("Première publication du tableau de bord", (2024, 10, 31), True),
                        ],
                        "indicators": [
                            (
                                "tableau-de-bord-publications",
                                "Éditions du tableau de bord publiées",
                                "éditions",
                                "Coordination régionale",
                                6,
                                [0, 1, 2],
                            ),
                        ],
                    },
                ],
            ),
        ],
    ),
    (
        "P3",
        "Animer et professionnaliser le réseau",
        [
            (
                "D1",
                "Professionnaliser les acteurs du SPRO",
                [
                    {
                        "code": "A1",
                        "title": "Construire un langage commun et un programme de professionnalisation",
                        "pilot": "GIP Arifor",
                        "partners": ["Transitions Pro Grand Est", "APEC Grand Est", "AGEFIPH Grand Est"],
                        "follow_up": "Bilan annuel des sessions (participants, journées).",
                        "milestones": [
                            ("Glossaire commun du SPRO", (2024, 4, 30), True),
                            ("Programme pluriannuel de formation des conseillers", (2025, 1, 31), False),
                        ],
                        "indicators": [
                            (
                                "professionnalisation-journees",
                                "Journées-participants de professionnalisation",
                                "journées",
                                "Coordination régionale",
                                400,
                                [210, 265, 318],
                            ),
                        ],
                    },
                ],
            ),
        ],
    ),
]

SESSIONS = [
    # (month, day, theme, days, place, trainer, [(organisation, participants)])
    (3, 12, "Conseil en évolution professionnelle : les trois niveaux de service", Decimal("2"),
     "Châlons-en-Champagne", "GIP Arifor",
     [("Maison de l'emploi et des métiers de Reims", 3), ("France Travail Grand Est", 4),
      ("CIO de Troyes", 2)]),
    (6, 5, "Accueillir un public anonyme : posture et outils", Decimal("1"), "Reims", "CRIJ Grand Est",
     [("Maison de l'emploi et de la formation du Pays de Troyes", 2), ("Mission locale de Reims", 5)]),
    (10, 9, "Les métiers de l'industrie : découvertes et visites", Decimal("1.5"), "Charleville-Mézières",
     "UIMM Champagne-Ardenne",
     [("Maison de l'emploi et de la formation de Charleville-Mézières", 3), ("CIO de Reims", 2)]),
    (11, 20, "Outils statistiques et bilan d'activité", Decimal("0.5"), "Visioconférence", "GIP Arifor",
     [("Maison de l'emploi et de la formation du Pays de Chaumont", 2),
      ("Maison de l'emploi et de la formation de Saint-Dizier", 2)]),
]  # fmt: skip


def _organisations(names) -> dict[str, Organisation]:
    found = {}
    for organisation in Organisation.objects.filter(name__in=set(names)).order_by("pk"):
        found.setdefault(organisation.name, organisation)  # the oldest row of that name is the demo one
    return found


@transaction.atomic
def load_strategy_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load the demo strategy and sessions; returns {kind: rows created}."""
    today = today or timezone.localdate()
    created: dict[str, int] = {}

    def count(kind, was_created):
        if was_created:
            created[kind] = created.get(kind, 0) + 1

    names = {"GIP Arifor"}
    for _code, _title, challenges in PRIORITIES:
        for _c, _t, actions in challenges:
            for action in actions:
                names.add(action["pilot"])
                names.update(action["partners"])
    for *_rest, lines in SESSIONS:
        names.update(name for name, _n in lines)
    organisations = _organisations(names)

    strategy, was = Strategy.objects.get_or_create(
        title=STRATEGY["title"],
        start_year=STRATEGY["start_year"],
        defaults={"end_year": STRATEGY["end_year"], "summary": STRATEGY["summary"]},
    )
    count("stratégie", was)
    value_years = list(range(strategy.start_year, min(today.year, strategy.end_year + 1)))
    for p_order, (p_code, p_title, challenges) in enumerate(PRIORITIES, start=1):
        priority, was = Priority.objects.get_or_create(
            strategy=strategy, code=p_code, defaults={"title": p_title, "order": p_order}
        )
        count("priorités", was)
        for c_order, (c_code, c_title, actions) in enumerate(challenges, start=1):
            challenge, was = Challenge.objects.get_or_create(
                priority=priority, code=c_code, defaults={"title": c_title, "order": c_order}
            )
            count("défis", was)
            for spec in actions:
                action, was = StrategicAction.objects.get_or_create(
                    challenge=challenge,
                    code=spec["code"],
                    defaults={
                        "title": spec["title"],
                        "pilot": organisations.get(spec["pilot"]),
                        "follow_up_method": spec["follow_up"],
                    },
                )
                count("fiches-actions", was)
                if was:
                    action.partners.set([organisations[n] for n in spec["partners"] if n in organisations])
                for label, (y, m, d), done in spec["milestones"]:
                    due = datetime.date(y, m, d)
                    _milestone, was = Milestone.objects.get_or_create(
                        action=action,
                        label=label,
                        defaults={
                            "due_on": due,
                            "done_on": due - datetime.timedelta(days=12) if done else None,
                        },
                    )
                    count("jalons", was)
                for code, label, unit, source, target, values in spec["indicators"]:
                    indicator, was = Indicator.objects.get_or_create(
                        code=code,
                        defaults={
                            "action": action,
                            "label": label,
                            "unit": unit,
                            "source": source,
                            "target": target,
                        },
                    )
                    count("indicateurs", was)
                    for year, value in zip(value_years, values, strict=False):
                        _value, was = IndicatorValue.objects.get_or_create(
                            indicator=indicator, year=year, defaults={"value": value}
                        )
                        count("valeurs d'indicateur", was)
    for year in value_years:
        _review, was = StrategyReview.objects.get_or_create(
            strategy=strategy,
            kind=ReviewKind.YEARLY,
            year=year,
            defaults={
                "text": f"Bilan {year} : les fiches-actions avancent au rythme prévu ; la charte du SPRO "
                "reste à faire signer dans plusieurs territoires."
            },
        )
        count("bilans", was)

    for year in (today.year - 1, today.year):
        for month, day, theme, days, place, trainer, lines in SESSIONS:
            session, was = ProfessionalisationSession.objects.get_or_create(
                theme=theme,
                starts_on=datetime.date(year, month, day),
                defaults={"days": days, "place": place, "trainer": trainer},
            )
            count("sessions de professionnalisation", was)
            if was:
                SessionParticipation.objects.bulk_create(
                    SessionParticipation(session=session, organisation=organisations[name], participants=n)
                    for name, n in lines
                    if name in organisations
                )
    return created
