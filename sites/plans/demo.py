"""Demo action plans: last year's plan closed by its bilan, this year's validated (one still proposed).

`load_plans_demo()` is meant for `manage.py seed_demo`, after the sites and accounts exist. For each
labelled demo site it writes realistic actions (forums des métiers, ateliers CV, job dating, cafés
pros, visites d'entreprises, zooms métiers) with budgets, indicators, targets and results, linked
to the regional challenges when the strategy has some, and the workflow steps logged as the
regional coordination (the "coordination" account, when it exists) and the site's coordinator.

Idempotent: a site that already has a plan for a year keeps it untouched.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from network.enums import BodyScope, DecisionKind
from network.governance.demo import arbitration_summary, steering_committee_date
from network.models import Organisation, User
from network.models.governance import Body, Decision
from network.models.strategy import Challenge

from ..demo import SITES
from ..enums import ActionStatus, Arbitration, PlanStatus, ProgressRule
from ..models import CoordinatorAssignment, Site
from ..models.plans import ActionIndicator, ActionPlan, PlanAction, PlanTransition

# The site whose plan for this year still waits for its steering committee.
STILL_PROPOSED_SLUG = "troyes"

PARTNER_KINDS = ["france-travail", "mission-locale", "cio"]

# (title, publics, description, budget requested, month, days, [(indicator, unit, target)])
ACTIONS = [
    (
        "Forum des métiers de l'industrie",
        "Collégiens, lycéens, demandeurs d'emploi",
        "Une journée de rencontres avec les entreprises industrielles du bassin d'emploi.",
        Decimal("4500"),
        3,
        1,
        [("Visiteurs", "personnes", 400), ("Entreprises présentes", "entreprises", 25)],
    ),
    (
        "Ateliers CV et lettre de motivation",
        "Demandeurs d'emploi, jeunes sans emploi",
        "Un atelier collectif par mois, en petit groupe, avec un conseiller.",
        Decimal("1200"),
        1,
        330,
        [("Ateliers tenus", "ateliers", 10), ("Participants", "personnes", 80)],
    ),
    (
        "Job dating des métiers du service à la personne",
        "Demandeurs d'emploi, personnes en reconversion",
        "Entretiens courts avec les employeurs qui recrutent, préparés avec France Travail.",
        Decimal("1800"),
        10,
        1,
        [("Candidats reçus", "personnes", 60), ("Recrutements", "personnes", 10)],
    ),
    (
        "Cafés pros du numérique",
        "Lycéens, étudiants, salariés",
        "Des professionnels racontent leur métier autour d'un café, un jeudi par trimestre.",
        Decimal("900"),
        2,
        270,
        [("Cafés organisés", "rencontres", 4), ("Participants", "personnes", 60)],
    ),
    (
        "Visites d'entreprises du BTP",
        "Collégiens, demandeurs d'emploi",
        "Des visites de chantiers et d'ateliers pour découvrir les métiers du bâtiment.",
        Decimal("1500"),
        5,
        45,
        [("Visites", "visites", 6), ("Participants", "personnes", 90)],
    ),
    (
        "Zooms métiers de la santé et du soin",
        "Tout public",
        "Conférences courtes sur les métiers en tension du sanitaire et du médico-social.",
        Decimal("700"),
        11,
        20,
        [("Zooms métiers", "conférences", 3), ("Participants", "personnes", 75)],
    ),
]

# Share of the target reached, cycled over the indicators: most met, some not.
RESULT_FACTORS = [
    Decimal("1.12"),
    Decimal("0.85"),
    Decimal("1.0"),
    Decimal("0.6"),
    Decimal("1.3"),
    Decimal("0.95"),
]


def _as_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _log(plan, steps, authors):
    """Record the steps (to_status, day, comment) with dates in the past, as if taken back then."""
    status = PlanStatus.DRAFT
    for to_status, day, comment in steps:
        author = (
            authors["site"]
            if to_status in (PlanStatus.PROPOSED, PlanStatus.REVIEWED)
            else authors["coordination"]
        )
        transition = PlanTransition.objects.create(
            plan=plan, from_status=status, to_status=to_status, author=author, comment=comment
        )
        # created_at is set on insert: backdate it so the history reads like the real year.
        PlanTransition.objects.filter(pk=transition.pk).update(created_at=_as_of(day))
        status = to_status
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])


def _build_plan(*, site, year, index, target_status, today, challenges, partners, authors) -> int:
    progress_rule = list(ProgressRule)[index % len(ProgressRule)]
    plan = ActionPlan.objects.create(
        site=site,
        year=year,
        progress_rule=progress_rule,
        summary="Priorité aux métiers qui recrutent sur le territoire et aux publics éloignés de l'emploi.",
    )
    arbitrated = target_status != PlanStatus.PROPOSED
    chosen = [ACTIONS[(index + k) % len(ACTIONS)] for k in range(4)]
    factor = 0
    for order, (title, publics, description, budget, month, days, indicators) in enumerate(chosen, start=1):
        start = datetime.date(year, month, 5)
        end = min(start + datetime.timedelta(days=days - 1), datetime.date(year, 12, 20))
        arbitration, comment, granted = "", "", None
        if arbitrated:
            arbitration, granted = Arbitration.KEPT, budget
            if order == 2:
                arbitration, granted = Arbitration.MODIFIED, (budget * Decimal("0.75")).quantize(Decimal("1"))
                comment = "Budget réduit : une session de moins que prévu."
            elif order == 4 and index % 2:
                arbitration, granted = Arbitration.REJECTED, Decimal(0)
                comment = "Hors des priorités de la feuille de route cette année."
        if target_status == PlanStatus.REVIEWED:
            status = ActionStatus.CANCELLED if order == 3 and index % 3 == 0 else ActionStatus.DONE
        elif target_status == PlanStatus.VALIDATED:
            status = (
                ActionStatus.DONE
                if end < today
                else ActionStatus.IN_PROGRESS
                if start <= today
                else ActionStatus.PLANNED
            )
        else:
            status = ActionStatus.PLANNED
        if arbitration == Arbitration.REJECTED:
            status = ActionStatus.PLANNED
        action = PlanAction.objects.create(
            plan=plan,
            order=order,
            title=title,
            regional_axis=challenges[(index + order) % len(challenges)] if challenges else None,
            description=description,
            target_publics=publics,
            start_date=start,
            end_date=end,
            budget_requested=budget,
            budget_granted=granted,
            status=status,
            arbitration=arbitration,
            arbitration_comment=comment,
        )
        if partners:
            action.partners.set([partners[(index + order) % len(partners)]])
        for label, unit, target in indicators:
            result = None
            if status == ActionStatus.DONE:
                result = (Decimal(target) * RESULT_FACTORS[factor % len(RESULT_FACTORS)]).quantize(
                    Decimal("1")
                )
                factor += 1
            ActionIndicator.objects.create(
                action=action, label=label, unit=unit, target=target, result=result
            )

    steps = [(PlanStatus.PROPOSED, datetime.date(year - 1, 10, 15), "Présenté au comité technique local.")]
    if arbitrated:
        steps += [
            (PlanStatus.ARBITRATED, datetime.date(year - 1, 12, 4), "Arbitrage du comité de pilotage."),
            (
                PlanStatus.SENT_TO_REGION,
                datetime.date(year - 1, 12, 11),
                "Transmis au service orientation de la Région.",
            ),
            (
                PlanStatus.VALIDATED,
                datetime.date(year, 1, 22),
                "Validé par la Région (commission permanente).",
            ),
        ]
    if target_status == PlanStatus.REVIEWED:
        steps.append(
            (PlanStatus.REVIEWED, datetime.date(year + 1, 1, 28), "Bilan présenté au comité de pilotage.")
        )
    # A plan proposed for this year was proposed this autumn, not last: keep its date in the past.
    if target_status == PlanStatus.PROPOSED:
        steps = [
            (
                PlanStatus.PROPOSED,
                min(today, datetime.date(year, 1, 10)),
                "Présenté au comité technique local.",
            )
        ]
    _log(plan, steps, authors)
    return 1


@transaction.atomic
def load_plans_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Last year's plan in bilan and this year's plan validated (one proposed) for each labelled demo site."""
    today = today or timezone.localdate()
    sites = list(Site.objects.labelled().filter(slug__in=[spec["slug"] for spec in SITES]).order_by("name"))
    challenges = list(Challenge.objects.all())
    partners = list(Organisation.objects.filter(kind__code__in=PARTNER_KINDS).order_by("name"))
    coordination = User.objects.filter(username="coordination").first()
    created = 0
    for index, site in enumerate(sites):
        assignment = (
            CoordinatorAssignment.objects.current(today).filter(site=site).select_related("user").first()
        )
        authors = {"coordination": coordination, "site": assignment.user if assignment else coordination}
        this_year_status = PlanStatus.PROPOSED if site.slug == STILL_PROPOSED_SLUG else PlanStatus.VALIDATED
        for year, status in ((today.year - 1, PlanStatus.REVIEWED), (today.year, this_year_status)):
            if ActionPlan.objects.filter(site=site, year=year).exists():
                continue
            created += _build_plan(
                site=site,
                year=year,
                index=index,
                target_status=status,
                today=today,
                challenges=challenges,
                partners=partners,
                authors=authors,
            )
    return {"plans d'actions": created}


@transaction.atomic
def load_plan_arbitrations_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """The December steering committees arbitrate the sites' plans: each held committee's decision is
    an avis about the site's plan of the next year (else of its own year).

    Run after network.governance.demo (the committees and their decisions) and load_plans_demo: the
    governance layer does not read the plans, which sit above it. Idempotent: a decision that already
    has its subject is left alone.
    """
    today = today or timezone.localdate()
    linked = 0
    committees = Body.objects.filter(scope=BodyScope.SITE, kind__code="comite-pilotage").select_related(
        "site"
    )
    for body in committees:
        for year in (today.year - 1, today.year):
            decision = Decision.objects.filter(
                meeting__body=body,
                meeting__starts_at=steering_committee_date(year),
                summary=arbitration_summary(year),
                subject_id__isnull=True,
            ).first()
            plan = (
                ActionPlan.objects.filter(site=body.site, year=year + 1).first()
                or ActionPlan.objects.filter(site=body.site, year=year).first()
            )
            if decision is None or plan is None:
                continue
            decision.subject = plan
            decision.kind = DecisionKind.FAVOURABLE
            decision.save(update_fields=["subject_type", "subject_id", "kind", "updated_at"])
            linked += 1
    return {"avis sur les plans": linked} if linked else {}
