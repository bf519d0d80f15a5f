"""Demo data of the label life cycle: the Cités des métiers self-evaluation grid, two yearly
assessments of the demo Cité des métiers, a renewal application in instruction, a granted
application and a few coordination visits. Every loader is idempotent: running it twice creates
nothing the second time.

Wired into seed_demo with ("labels", "sites.labels.demo.load_labels_demo") in EXTRA_LOADERS
(stats/management/commands/seed_demo.py): it is called without arguments and returns
{kind: rows created}.
"""

import datetime
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from ..enums import ApplicationStatus, AssessmentStatus, Judgement, LabelStatus, RegionDecision, VisitPurpose
from ..models import Site, SiteKind
from ..models.evaluation import (
    AssessmentAnswer,
    EvaluationGrid,
    EvaluationItem,
    EvaluationTheme,
    SelfAssessment,
)
from ..models.labels import LabelApplication, RequiredPiece
from ..models.visits import CoordinationVisit, CoordinationVisitFollowUp
from . import services

GRID_NAME = "Grille d'auto-évaluation des Cités des métiers"
GRID_VERSION = "2015"
GRID_PUBLISHED_ON = datetime.date(2015, 1, 1)
CDM_KIND_CODE = "cite-des-metiers"
EM_KIND_CODE = "espace-metiers"
# The demo kinds each grid assesses: a centre associé is an annex of a Cité des métiers, a point
# relais works as a small Espace métiers.
CDM_GRID_KINDS = (CDM_KIND_CODE, "centre-associe")
EM_GRID_NAME = "Grille d'auto-évaluation des Espaces métiers"
EM_GRID_VERSION = "2024"
EM_GRID_PUBLISHED_ON = datetime.date(2024, 1, 1)
EM_GRID_KINDS = (EM_KIND_CODE, "point-relais")
# The pieces the data migration seeded for the Espaces métiers and the Cités des métiers
# (sites/migrations/0005), by kind code: linked here to the demo kinds, which the migration may
# have run before (a new database has no kind yet). Centres associés and points relais file with
# their parent's list.
DEMO_PIECES = {
    EM_KIND_CODE: [
        "dossier-candidature-em",
        "cahier-des-charges-em",
        "charte-em",
        "plan-financement",
        "fiche-poste-coordinateur",
        "lettres-soutien",
        "autre",
    ],
    CDM_KIND_CODE: [
        "charte-cdm",
        "cahier-des-charges-cdm",
        "partenaires-cdm",
        "plan-financement",
        "fiche-poste-coordinateur",
        "lettres-soutien",
        "autre",
    ],
}
DEMO_PIECES["point-relais"] = DEMO_PIECES[EM_KIND_CODE]
DEMO_PIECES["centre-associe"] = DEMO_PIECES[CDM_KIND_CODE]

# The common grid of the Cités des métiers network, as used in the 2015 evaluation of the CDM of
# Porto (shared seeds): 7 themes, 42 items. Theme 2 was in English in the source; translated.
CDM_GRID = [
    (
        "Prise en compte de l'usager dans les services",
        [
            "Les conseillers ont assez de temps à consacrer à l'écoute de chaque usager.",
            "Le service est largement ouvert à tous les types de publics.",
            "Les informations et les conseils donnés sont impartiaux et respectent les choix des "
            "utilisateurs.",
            "Le service est anonyme et respecte la vie privée.",
            "Des services spécifiques sont créés pour élargir l'ouverture de la CDM à certains publics "
            "cibles.",
            "Tous les supports et services (y compris les entretiens) sont conçus pour permettre le meilleur "
            "accès à toutes les catégories de public et sont en quantité suffisante.",
            "On utilise le retour d'expérience des publics pour améliorer l'efficacité des services.",
            "Les accès et les supports (y compris les entretiens) prennent en compte toutes les "
            "caractéristiques "
            "des usagers (horaires d'ouverture, accessibilité aux différents handicaps, langues).",
            "Les usagers sont informés et guidés pour choisir et utiliser au mieux les services qu'ils "
            "cherchent "
            "ou dont ils ont besoin.",
        ],
    ),
    (
        "Pertinence de la conception du programme de services",
        [
            "La CDM construit un programme périodique d'événements en tenant compte des retours des "
            "partenaires "
            "et des usagers.",
            "La capacité d'accueil et la fréquence des événements sont conformes à la demande des publics.",
            "Le ratio coût/efficacité de chaque événement est mesuré et un plan de dissémination (ou de "
            "capitalisation) est construit.",
            "Tous les professionnels (conseillers, administratifs et techniciens) s'impliquent dans la "
            "production des événements.",
            "La mise à jour des événements se fait en fonction de l'actualité et du contexte "
            "socio-économique.",
            "La conception des événements se fait selon un processus innovant.",
            "L'implication de tous les partenaires dans la programmation périodique est proactive.",
        ],
    ),
    (
        "Posture et professionnalité des conseillers",
        [
            "Les conseillers possèdent les compétences appropriées pour offrir une gamme de services à tous "
            "publics.",
            "L'équipe de conseillers est engagée dans un processus de formation continue et de veille "
            "permanente.",
            "L'orientation et les informations fournies sont impartiales et le service respecte la liberté "
            "de "
            "choix de l'utilisateur. Le service veille à la discrétion et à la confidentialité.",
            "Professionnalisation des conseillers CDM par la culture commune : la structure met en place des "
            "temps d'échange et d'analyse entre conseillers.",
            "La CDM utilise les outils préconisés par le réseau des CDM (guide du conseiller…) pour "
            "développer "
            "une approche commune des savoir-être et savoir-faire. Les conseillers respectent les "
            "préconisations de ces outils.",
        ],
    ),
    (
        "Stratégie de développement",
        [
            "La CDM recherche, anime et développe les partenariats appropriés à la réalisation de ses "
            "objectifs.",
            "La CDM a identifié des axes de développement à moyen et long termes.",
            "La CDM utilise les résultats de la consultation des utilisateurs afin d'améliorer les services "
            "et "
            "produits.",
            "La CDM s'engage dans des activités de projets (niveau régional, national, européen). Elle "
            "recherche, le cas échéant, des ressources financières et autres pour venir en appui au "
            "programme "
            "de travail.",
            "La CDM dispose et met en œuvre un protocole d'intégration des nouveaux conseillers.",
            "La gouvernance de la CDM est partagée avec l'ensemble de ses partenaires, le cas échéant sur la "
            "base d'indicateurs partagés.",
            "La CDM met en œuvre des évaluations régulières.",
        ],
    ),
    (
        "Efficacité du centre de ressources",
        [
            "La CDM s'organise pour répondre à tous les questionnements des utilisateurs (usagers et "
            "professionnels) du local à l'international liés aux thématiques des pôles (métiers, emploi, "
            "formation, orientation, création d'activité…).",
            "La CDM fournit une gamme de ressources (outils et logiciels d'investigation…) adaptée à la "
            "diversité des utilisateurs (public final et professionnels).",
            "La CDM rend accessible l'information à tous les publics.",
            "La CDM met à la disposition du public les moyens matériels nécessaires au recueil et au "
            "traitement "
            "d'informations (salles d'atelier, espaces pour le travail individuel et collectif, imprimante, "
            "photocopieuse, ordinateurs…).",
            "La CDM met à disposition de l'utilisateur un personnel d'accueil pour l'accompagnement dans la "
            "recherche d'informations et l'utilisation des outils.",
        ],
    ),
    (
        "Efficacité de la communication",
        [
            "La CDM informe régulièrement les publics du programme des événements et des activités à travers "
            "des outils et des supports de communication adaptés (relations presse, radio locale, affichage, "
            "site Internet…).",
            "La CDM informe ses partenaires régulièrement sur le programme des événements et des activités "
            "et "
            "les mobilise pour le relayer.",
            "La CDM informe des activités des partenaires s'inscrivant dans la complémentarité de ses "
            "propres "
            "actions.",
            "La CDM utilise une signalétique organisée par pôles, claire, lisible et utilisable pour tous "
            "les "
            "publics.",
            "La CDM utilise la charte graphique du réseau Cité des métiers.",
            "La CDM met en place régulièrement des temps d'échange d'informations avec l'ensemble de son "
            "équipe "
            "(salariés + intervenants).",
        ],
    ),
    (
        "Implication dans le réseau des CDM",
        [
            "La CDM participe aux projets proposés par le réseau des Cités des métiers.",
            "La CDM alimente et consulte régulièrement les outils collaboratifs (site web de partage des "
            "informations…).",
            "La CDM implique l'ensemble de ses équipes dans la vie du réseau.",
        ],
    ),
]


# The Espaces métiers' grid, after the regional cahier des charges and charte of the network
# (shared seeds: accueil de proximité, animations, comité de pilotage, coordinateur territorial,
# outil statistique et questionnaire de satisfaction, charte de communication).
EM_GRID = [
    (
        "Accueil et information des publics",
        [
            "L'Espace métiers accueille tous les publics, sans condition de statut, gratuitement et dans "
            "le respect de l'anonymat.",
            "Les horaires d'ouverture et l'accessibilité (handicaps, transports) sont affichés et adaptés "
            "aux publics du territoire.",
            "L'information donnée sur les métiers, la formation et l'emploi est fiable, actualisée et "
            "impartiale.",
            "Un usager dont la demande dépasse l'Espace métiers est orienté vers le partenaire qui peut y "
            "répondre.",
        ],
    ),
    (
        "Animations et programmation",
        [
            "Un programme annuel d'animations (ateliers, forums, découvertes des métiers) est construit "
            "avec les partenaires.",
            "Les animations sont inscrites à l'agenda régional et leur fréquentation est suivie.",
            "Les branches professionnelles et les entreprises du territoire participent aux animations.",
        ],
    ),
    (
        "Partenariat et pilotage local",
        [
            "Le comité de pilotage local se réunit au moins une fois par an et valide le plan d'actions.",
            "Les membres du SPRO du territoire sont associés à l'accueil et aux animations.",
            "Les partenaires connaissent et respectent les engagements de la charte régionale des "
            "Espaces métiers.",
        ],
    ),
    (
        "Coordination et professionnalisation",
        [
            "Le coordinateur territorial dispose du temps nécessaire à l'animation du réseau local.",
            "Les professionnels de l'accueil suivent les sessions de professionnalisation du réseau "
            "régional.",
            "L'Espace métiers participe aux réunions et aux travaux du réseau régional.",
        ],
    ),
    (
        "Suivi de l'activité et communication",
        [
            "La fréquentation est saisie chaque mois dans l'outil statistique régional, dans les délais.",
            "Le questionnaire de satisfaction est proposé aux usagers et ses résultats sont analysés.",
            "La communication locale suit la charte régionale de communication des Espaces métiers.",
        ],
    ),
]


def demo_pdf(text: str) -> bytes:
    """A one-page PDF standing for a demo piece (uploads are parsed: it must be a real PDF)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _bump(counts: dict, what: str, n: int = 1) -> None:
    if n:
        counts[what] = counts.get(what, 0) + n


def _load_grid(name: str, version: str, published_on: datetime.date, themes, kind_codes) -> EvaluationGrid:
    """A grid with its themes and items, given to the kinds of `kind_codes` that exist; made current
    when created if no grid is current for those kinds yet (for no kind, when none exists)."""
    grid, created = EvaluationGrid.objects.get_or_create(
        name=name, version=version, defaults={"published_on": published_on}
    )
    kinds = list(SiteKind.objects.filter(code__in=kind_codes))
    if created:
        current = EvaluationGrid.objects.filter(is_current=True).exclude(pk=grid.pk)
        current = current.filter(site_kinds__in=kinds) if kinds else current.filter(site_kinds=None)
        if not current.exists():
            grid.is_current = True
            grid.save(update_fields=["is_current"])
    grid.site_kinds.add(*kinds)
    for theme_order, (title, items) in enumerate(themes, start=1):
        theme, _ = EvaluationTheme.objects.get_or_create(
            grid=grid, order=theme_order, defaults={"title": title}
        )
        for item_order, text in enumerate(items, start=1):
            EvaluationItem.objects.get_or_create(theme=theme, order=item_order, defaults={"text": text})
    return grid


@transaction.atomic
def load_evaluation_grid() -> EvaluationGrid:
    """The Cités des métiers grid, version 2015, given to the Cités des métiers and their centres
    associés (those of the kinds that exist)."""
    return _load_grid(GRID_NAME, GRID_VERSION, GRID_PUBLISHED_ON, CDM_GRID, CDM_GRID_KINDS)


@transaction.atomic
def load_em_evaluation_grid() -> EvaluationGrid:
    """The Espaces métiers grid, version 2024, given to the Espaces métiers and the points relais."""
    return _load_grid(EM_GRID_NAME, EM_GRID_VERSION, EM_GRID_PUBLISHED_ON, EM_GRID, EM_GRID_KINDS)


def link_demo_pieces() -> int:
    """Link the seeded pieces to the demo kinds that exist; returns the links created."""
    pieces = {piece.code: piece for piece in RequiredPiece.objects.all()}
    links = 0
    for kind in SiteKind.objects.filter(code__in=DEMO_PIECES):
        linked = set(kind.application_pieces.values_list("code", flat=True))
        missing = [pieces[code] for code in DEMO_PIECES[kind.code] if code in pieces and code not in linked]
        kind.application_pieces.add(*missing)
        links += len(missing)
    return links


def _demo_judgement(index: int, year_offset: int) -> str:
    """A stable, varied pattern; the later year improves a few items and slips on one."""
    pattern = [
        Judgement.YES,
        Judgement.YES,
        Judgement.PARTIAL,
        Judgement.YES,
        Judgement.NO,
        Judgement.PARTIAL,
    ]
    judgement = pattern[index % len(pattern)]
    if year_offset == 0:
        if index % 7 == 4:  # some "non" became "partiel"
            judgement = Judgement.PARTIAL
        elif index % 9 == 2:  # some "partiel" became "oui"
            judgement = Judgement.YES
        elif index == 3:  # one slipped
            judgement = Judgement.PARTIAL
    return judgement


EVIDENCE = {
    Judgement.YES: "Pratique en place et suivie en réunion d'équipe.\nVoir le bilan d'activité de l'année.",
    Judgement.PARTIAL: "Engagé mais pas encore systématique.\nÀ inscrire au plan d'action de l'an prochain.",
    Judgement.NO: "Pas encore mis en place : manque de moyens humains.",
}


def _load_assessment(
    site: Site, grid: EvaluationGrid, year: int, year_offset: int, status: str, counts: dict
):
    if SelfAssessment.objects.filter(site=site, year=year).exists():
        return
    assessment = SelfAssessment.objects.create(site=site, year=year, grid=grid, status=status)
    if status == AssessmentStatus.SUBMITTED:
        assessment.submitted_at = timezone.make_aware(datetime.datetime(year, 12, 15, 10, 0))
        assessment.save(update_fields=["submitted_at"])
    items = EvaluationItem.objects.filter(theme__grid=grid).order_by("theme__order", "order")
    answers = []
    for index, item in enumerate(items):
        judgement = _demo_judgement(index, year_offset)
        answers.append(
            AssessmentAnswer(
                assessment=assessment, item=item, judgement=judgement, evidence=EVIDENCE[judgement]
            )
        )
    AssessmentAnswer.objects.bulk_create(answers)
    _bump(counts, "auto-évaluations")
    _bump(counts, "réponses d'auto-évaluation", len(answers))


def _load_renewal_in_instruction(today: datetime.date, counts: dict) -> Site | None:
    site = Site.objects.due_for_renewal(day=today).order_by("label_renewal_due_on", "pk").first()
    if site is None or LabelApplication.objects.filter(site=site, is_renewal=True).exists():
        return site
    application = services.label_application_create(site=site, is_renewal=True)
    for piece in application.expected_pieces().filter(required=True):
        services.application_document_add(
            application=application,
            piece=piece,
            title=f"{piece.label} — {site.name}",
            file=ContentFile(demo_pdf(f"{piece.label} - {site.name}"), name=f"{piece.code}.pdf"),
        )
        _bump(counts, "pièces de candidature")
    services.label_application_submit(
        application=application, submitted_on=today - datetime.timedelta(days=20)
    )
    services.label_application_instruct(
        application=application,
        notes=(
            "Dossier complet. Activité en hausse sur trois ans, partenariats solides avec France Travail "
            "et la Mission locale. Point de vigilance : l'auto-évaluation reste à transmettre."
        ),
        instructed_on=None,
    )
    _bump(counts, "candidatures")
    return site


def _load_granted_history(exclude: Site | None, counts: dict) -> None:
    """A past, granted application whose outcome the site's label history already shows: the
    steps are saved one by one (so the application's history tells them) without touching the site."""
    sites = Site.objects.labelled().exclude(labelled_on=None).exclude(label_renewal_due_on=None)
    if exclude is not None:
        sites = sites.exclude(pk=exclude.pk)
    site = sites.order_by("-labelled_on", "pk").first()
    if (
        site is None
        or LabelApplication.objects.filter(site=site, region_decision=RegionDecision.GRANTED).exists()
    ):
        return
    start = site.labelled_on
    application = LabelApplication(site=site, is_renewal=False)
    application.save()
    steps = [
        {"status": ApplicationStatus.SUBMITTED, "submitted_on": start - datetime.timedelta(days=120)},
        {
            "status": ApplicationStatus.INSTRUCTION,
            "instruction_notes": "Charte signée, cahier des charges respecté, plan de financement équilibré.",
            "instructed_on": start - datetime.timedelta(days=75),
        },
        {"status": ApplicationStatus.OPINION_GIVEN},
        {
            "status": ApplicationStatus.DECIDED,
            "region_decision": RegionDecision.GRANTED,
            "region_decision_on": start - datetime.timedelta(days=10),
            "label_start_on": start,
            "label_renewal_due_on": site.label_renewal_due_on,
        },
    ]
    for step in steps:
        for field, value in step.items():
            setattr(application, field, value)
        application.save()
    _bump(counts, "candidatures")


def _load_visits(site: Site, today: datetime.date, counts: dict) -> None:
    if site.coordination_visits.exists():
        return
    year = today.year
    plan = [
        (
            datetime.date(year, 2, 10),
            VisitPurpose.YEARLY_REVIEW,
            "Relecture du bilan d'activité avec l'équipe.",
        ),
        (datetime.date(year, 6, 3), VisitPurpose.PROGRAMME_REVIEW, "Point sur le programme d'animations."),
        (datetime.date(year, 9, 29), VisitPurpose.COMMITTEE_PREPARATION, "Préparation du comité technique."),
    ]
    for visited_on, purpose, notes in plan:
        if visited_on > today:
            continue
        visit = CoordinationVisit.objects.create(
            site=site, visited_on=visited_on, purpose=purpose, notes=notes
        )
        CoordinationVisitFollowUp.objects.create(
            visit=visit,
            action="Envoyer le tableau de suivi mis à jour",
            owner="Coordination de site",
            due_on=visited_on + datetime.timedelta(days=30),
            done_on=visited_on + datetime.timedelta(days=21) if visited_on.month < 9 else None,
        )
        _bump(counts, "visites sur site")


@transaction.atomic
def load_labels_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load the label demo data; returns {kind: rows created} (empty the second time)."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    for name, version in ((GRID_NAME, GRID_VERSION), (EM_GRID_NAME, EM_GRID_VERSION)):
        if not EvaluationGrid.objects.filter(name=name, version=version).exists():
            _bump(counts, "grilles d'auto-évaluation")
    grid = load_evaluation_grid()
    load_em_evaluation_grid()
    _bump(counts, "pièces demandées par type de site", link_demo_pieces())
    cdm = (
        Site.objects.filter(kind__code=CDM_KIND_CODE)
        .exclude(label_status=LabelStatus.WITHDRAWN)
        .order_by("pk")
        .first()
    )
    if cdm is not None:
        _load_assessment(cdm, grid, today.year - 1, 1, AssessmentStatus.SUBMITTED, counts)
        _load_assessment(cdm, grid, today.year, 0, AssessmentStatus.DRAFT, counts)
        _load_visits(cdm, today, counts)
    renewal_site = _load_renewal_in_instruction(today, counts)
    _load_granted_history(renewal_site, counts)
    return counts
