"""Demo statistics: the reference lists of the visitor statistics, and years of anonymous visits.

`load_stats_demo()` is what `manage.py seed_demo` calls, after the sites exist. It loads:

- the reference lists (contact kinds, sexes, age bands, situations, education levels, channels,
  referral targets, satisfaction questions, and the themes and service levels the sites seed shares);
- three years of visits for the demo sites, with the seasons of a resource centre (quiet in July,
  August and late December, busy in September-October and March), bigger and smaller sites, two
  sites that enter monthly totals instead of single visits, and the periods handed in, validated
  and locked as a network really does it (one site late);
- a few anonymous satisfaction questionnaires a month per site.

Generation uses a seeded random.Random per site, so the same day gives the same data. Visits are
written with bulk_create and the roll-ups rebuilt once in SQL at the end: the services would
count each visit one by one, which is right for a desk and far too slow for three years.

Idempotent: a site that already has statistics periods (or satisfaction responses) is left alone,
so running the seed twice changes nothing.
"""

import bisect
import datetime
import random
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from sites.demo import SERVICE_LEVELS, THEMES
from sites.models import LabelStatusChange, ServiceLevel, Site, Theme

from . import rollups
from .enums import Dimension, HalfDay, PeriodMode, PeriodStatus
from .models import (
    AgeBand,
    AggregateCount,
    Channel,
    ContactKind,
    EducationLevel,
    MonthlyCount,
    Period,
    ReferralTarget,
    SatisfactionAnswer,
    SatisfactionQuestion,
    SatisfactionResponse,
    Sex,
    Situation,
    Visit,
    next_month,
)
from .selectors import labelled_months, months_between

# ---------------------------------------------------------------------------------------------
# Reference lists: (code, label), in display order.
# ---------------------------------------------------------------------------------------------

CONTACT_KINDS = [
    ("visite", "Visite sur place"),
    ("telephone", "Téléphone"),
    ("courriel", "Courriel"),
    ("rendez-vous", "Rendez-vous"),
]
SEXES = [("femme", "Femme"), ("homme", "Homme"), ("non-precise", "Non précisé")]
AGE_BANDS = [
    ("moins-16", "Moins de 16 ans"),
    ("16-25", "16-25 ans"),
    ("26-44", "26-44 ans"),
    ("45-54", "45-54 ans"),
    ("55-plus", "55 ans et plus"),
]
SITUATIONS = [
    ("demandeur-emploi", "Demandeur d'emploi"),
    ("salarie", "Salarié·e"),
    ("scolaire-etudiant", "Scolaire / étudiant·e"),
    ("jeune-sans-emploi", "Jeune sans emploi"),
    ("retraite", "Retraité·e"),
    ("autre", "Autre situation"),
]
EDUCATION_LEVELS = [
    ("sans-diplome", "Sans diplôme"),
    ("cap-bep", "CAP-BEP"),
    ("bac", "Bac"),
    ("bac-2", "Bac+2"),
    ("bac-3-plus", "Bac+3 et plus"),
]
CHANNELS = [
    ("bouche-a-oreille", "Bouche à oreille"),
    ("prescripteur", "Prescripteur (France Travail, Mission locale…)"),
    ("presse", "Presse"),
    ("internet", "Internet / réseaux sociaux"),
    ("partenaire", "Partenaire"),
    ("evenement", "Événement (forum, salon…)"),
    ("passage", "Passage devant le site"),
]
REFERRAL_TARGETS = [
    ("france-travail", "France Travail (ex-Pôle emploi)"),
    ("mission-locale", "Mission locale"),
    ("cio", "CIO"),
    ("cap-emploi", "Cap emploi"),
    ("apec", "APEC"),
    ("transitions-pro", "Transitions Pro (ex-Fongecif)"),
    ("organisme-formation", "Organisme de formation"),
    ("cci-cma", "Chambre consulaire (CCI, CMA)"),
    ("autre", "Autre structure"),
]
SATISFACTION_QUESTIONS = [
    ("accueil", "L'accueil qui vous a été réservé"),
    ("reponse", "La réponse apportée à votre demande"),
    ("documentation", "La documentation et les outils en libre accès"),
    ("attente", "Le temps d'attente"),
    # Every question is answered on the satisfaction scale (« Pas du tout satisfait·e » … « Tout à fait
    # satisfait·e »): each is worded as what one is satisfied with, never as a yes-or-no question.
    ("recommandation", "Votre visite dans son ensemble"),
]

# Themes and service levels belong to the sites app; the sites seed (sites.demo) defines them,
# and both loaders write the same codes and labels so that neither undoes the other.
REFERENCE_LISTS = {
    "contact_kind": (ContactKind, CONTACT_KINDS),
    "sex": (Sex, SEXES),
    "age_band": (AgeBand, AGE_BANDS),
    "situation": (Situation, SITUATIONS),
    "education_level": (EducationLevel, EDUCATION_LEVELS),
    "channel": (Channel, CHANNELS),
    "referral": (ReferralTarget, REFERRAL_TARGETS),
    "satisfaction_question": (SatisfactionQuestion, SATISFACTION_QUESTIONS),
    "theme": (Theme, THEMES),
    "service_level": (ServiceLevel, SERVICE_LEVELS),
}


def load_reference_lists() -> dict[str, dict[str, object]]:
    """Create or update every reference list by code; returns {list name: {code: item}}."""
    loaded = {}
    for name, (model, items) in REFERENCE_LISTS.items():
        existing = model.objects.in_bulk([code for code, _label in items], field_name="code")
        by_code = {}
        for order, (code, label) in enumerate(items, start=1):
            item = existing.get(code)
            if item is None:
                item = model.objects.create(code=code, label=label, order=order)
            elif (item.label, item.order) != (label, order):
                # Labels and order come back to the demo values; validity dates stay as edited.
                item.label, item.order = label, order
                item.save(update_fields=["label", "order"])
            by_code[code] = item
        loaded[name] = by_code
    return loaded


# ---------------------------------------------------------------------------------------------
# How the public comes: per site size and habits, per month, per situation.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteProfile:
    yearly_visits: int
    aggregate: bool = False  # keeps its own tool and enters monthly totals
    late: bool = False  # hands its months in late: the last two are still open
    diligent: bool = False  # hands last month in within days
    youth: float = 1.0  # pupils and young people, relative to the network
    growth: float = 0.03  # yearly change in attendance


SITE_PROFILES = {
    "reims": SiteProfile(4000, youth=1.4, growth=0.05),
    "troyes": SiteProfile(3600, diligent=True, growth=0.04),
    "charleville-mezieres": SiteProfile(2600),
    "saint-dizier": SiteProfile(2100, growth=-0.02),
    "epernay": SiteProfile(1900, diligent=True),
    "chaumont": SiteProfile(1700),
    "sedan": SiteProfile(1500, late=True, growth=-0.03),
    "romilly-sur-seine": SiteProfile(1300, growth=-0.06),
    "bar-sur-aube": SiteProfile(1100, aggregate=True),
    "nogent": SiteProfile(1000),
    "vireux-molhain": SiteProfile(850, youth=0.7, growth=-0.02),
    "cite-des-metiers-nord-franche-comte": SiteProfile(3800, diligent=True, youth=1.2),
    "cite-des-metiers-montbeliard": SiteProfile(1000, aggregate=True),
}
DEFAULT_PROFILE = SiteProfile(1500)

# Attendance by calendar month, relative to an average month.
SEASON = {
    1: 1.0,
    2: 1.05,
    3: 1.3,
    4: 1.0,
    5: 0.95,
    6: 0.9,
    7: 0.55,
    8: 0.35,
    9: 1.35,
    10: 1.3,
    11: 1.1,
    12: 0.8,
}
_SEASON_MEAN = sum(SEASON.values()) / 12
# Fixed public holidays (month, day): the sites are closed.
HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}

CONTACT_WEIGHTS = {"visite": 68, "telephone": 16, "courriel": 6, "rendez-vous": 10}
SEX_WEIGHTS = {"femme": 54, "homme": 44, "non-precise": 2}
SITUATION_WEIGHTS = {
    "demandeur-emploi": 36,
    "salarie": 22,
    "scolaire-etudiant": 18,
    "jeune-sans-emploi": 12,
    "retraite": 3,
    "autre": 6,
    None: 3,
}
YOUNG = ("scolaire-etudiant", "jeune-sans-emploi")
AGE_BY_SITUATION = {
    "demandeur-emploi": {"16-25": 14, "26-44": 46, "45-54": 25, "55-plus": 13, None: 2},
    "salarie": {"16-25": 9, "26-44": 52, "45-54": 27, "55-plus": 10, None: 2},
    "scolaire-etudiant": {"moins-16": 42, "16-25": 57, None: 1},
    "jeune-sans-emploi": {"16-25": 97, None: 3},
    "retraite": {"55-plus": 95, None: 5},
    "autre": {"16-25": 15, "26-44": 35, "45-54": 20, "55-plus": 15, None: 15},
    None: {"16-25": 20, "26-44": 25, "45-54": 10, "55-plus": 5, None: 40},
}
_ADULT_EDUCATION = {"sans-diplome": 14, "cap-bep": 28, "bac": 26, "bac-2": 15, "bac-3-plus": 13, None: 4}
EDUCATION_BY_SITUATION = {
    "scolaire-etudiant": {"sans-diplome": 70, "cap-bep": 5, "bac": 19, "bac-2": 5, None: 1},
    "jeune-sans-emploi": {"sans-diplome": 40, "cap-bep": 30, "bac": 22, "bac-2": 4, None: 4},
    None: {**_ADULT_EDUCATION, None: 50},
}
CHANNEL_WEIGHTS = {
    "bouche-a-oreille": 30,
    "prescripteur": 22,
    "internet": 18,
    "partenaire": 8,
    "presse": 4,
    "evenement": 6,
    "passage": 8,
    None: 4,
}
# Multipliers of the channel weights: job seekers are sent by their adviser, pupils come from forums.
CHANNEL_BIAS = {
    "demandeur-emploi": {"prescripteur": 1.8},
    "jeune-sans-emploi": {"prescripteur": 2.0},
    "scolaire-etudiant": {"evenement": 2.5, "internet": 1.3, "prescripteur": 0.3},
}
SERVICE_LEVEL_WEIGHTS = {"accueil-information": 58, "conseil-personnalise": 31, "accompagnement": 9, None: 2}
THEMES_BY_SITUATION = {
    "scolaire-etudiant": {"orientation": 40, "metiers": 35, "formation": 20, "alternance": 25, "mobilite": 4},
    "jeune-sans-emploi": {"emploi": 30, "alternance": 25, "formation": 25, "metiers": 20, "orientation": 15},
    "demandeur-emploi": {
        "emploi": 40,
        "formation": 30,
        "metiers": 20,
        "orientation": 10,
        "creation-activite": 8,
        "vae": 6,
        "mobilite": 5,
        "alternance": 5,
    },
    "salarie": {
        "formation": 30,
        "orientation": 25,
        "vae": 20,
        "metiers": 15,
        "creation-activite": 10,
        "emploi": 10,
        "mobilite": 4,
    },
    "retraite": {"formation": 25, "creation-activite": 20, "metiers": 20, "emploi": 15, "orientation": 10},
    None: {"metiers": 20, "emploi": 20, "formation": 20, "orientation": 20, "creation-activite": 5, "vae": 5},
}
THEME_COUNT_WEIGHTS = {0: 2, 1: 55, 2: 33, 3: 10}
REFERRED_SHARE = 0.38
REFERRALS_BY_SITUATION = {
    "demandeur-emploi": {
        "france-travail": 45,
        "organisme-formation": 20,
        "cap-emploi": 5,
        "apec": 5,
        "cci-cma": 5,
        "transitions-pro": 3,
        "autre": 8,
    },
    "jeune-sans-emploi": {"mission-locale": 65, "france-travail": 10, "organisme-formation": 15, "cio": 5},
    "scolaire-etudiant": {"cio": 60, "mission-locale": 10, "organisme-formation": 15, "cci-cma": 10},
    "salarie": {"transitions-pro": 40, "organisme-formation": 25, "apec": 15, "cci-cma": 8, "autre": 8},
    "retraite": {"cci-cma": 30, "organisme-formation": 30, "autre": 40},
    None: {"france-travail": 20, "mission-locale": 10, "cio": 10, "organisme-formation": 20, "autre": 20},
}
SATISFACTION_VALUE_WEIGHTS = {1: 2, 2: 6, 3: 32, 4: 60}
SATISFACTION_COMMENTS = [
    "Très bon accueil, merci pour les conseils.",
    "J'ai trouvé les fiches métiers dont j'avais besoin.",
    "Conseillère à l'écoute, je reviendrai pour la suite de mon projet.",
    "Un peu d'attente mais des réponses claires.",
    "Merci pour l'aide sur mon CV et la lettre de motivation.",
    "Il manque des horaires le samedi.",
    "Les ordinateurs en libre accès sont très utiles.",
    "Bonne information sur l'apprentissage, mon fils a trouvé une piste.",
    "J'aurais aimé plus de documentation sur la VAE.",
    "Lieu agréable et calme.",
    "L'atelier sur la reconversion m'a beaucoup aidée.",
    "Difficile de se garer à proximité.",
]


class _Pick:
    """A weighted choice among codes, resolved to ids (None stays None: 'not given')."""

    def __init__(self, weights: dict, ids: dict, allowed: set | None = None):
        pairs = [
            (ids[code] if code is not None else None, weight)
            for code, weight in weights.items()
            if weight > 0 and (code is None or (code in ids and (allowed is None or ids[code] in allowed)))
        ]
        self.values = [value for value, _weight in pairs]
        self.cumulated = []
        total = 0
        for _value, weight in pairs:
            total += weight
            self.cumulated.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulated, rng.random() * self.total)]

    def several(self, rng: random.Random, count: int) -> list:
        chosen = []
        for _attempt in range(count * 4):
            if len(chosen) >= min(count, len(self.values)):
                break
            value = self(rng)
            if value is not None and value not in chosen:
                chosen.append(value)
        return chosen


# What _VisitGenerator.visit returns, in order, before the theme and referral ids.
VISIT_COLUMNS = (
    "visited_on",
    "half_day",
    "contact_kind_id",
    "sex_id",
    "age_band_id",
    "situation_id",
    "education_level_id",
    "channel_id",
    "service_level_id",
)


class _VisitGenerator:
    """Draws anonymous visits for one site, with consistent profiles (a pupil is under 26…)."""

    def __init__(self, refs: dict, profile: SiteProfile, theme_ids: set, level_ids: set):
        ids = {name: {code: item.pk for code, item in items.items()} for name, items in refs.items()}
        situation_weights = {
            code: weight * (profile.youth if code in YOUNG else 1.0)
            for code, weight in SITUATION_WEIGHTS.items()
        }
        self.contact = _Pick(CONTACT_WEIGHTS, ids["contact_kind"])
        self.sex = _Pick(SEX_WEIGHTS, ids["sex"])
        self.situation = _Pick(situation_weights, ids["situation"])
        self.theme_count = _Pick(THEME_COUNT_WEIGHTS, {n: n for n in THEME_COUNT_WEIGHTS})
        self.service_level = _Pick(SERVICE_LEVEL_WEIGHTS, ids["service_level"], level_ids or None)
        self.by_situation = {}
        for code in [*SITUATION_WEIGHTS]:
            situation_id = ids["situation"][code] if code else None
            channel_weights = {
                channel: weight * CHANNEL_BIAS.get(code, {}).get(channel, 1.0)
                for channel, weight in CHANNEL_WEIGHTS.items()
            }
            self.by_situation[situation_id] = (
                _Pick(AGE_BY_SITUATION[code], ids["age_band"]),
                _Pick(EDUCATION_BY_SITUATION.get(code, _ADULT_EDUCATION), ids["education_level"]),
                _Pick(channel_weights, ids["channel"]),
                _Pick(
                    THEMES_BY_SITUATION.get(code, THEMES_BY_SITUATION[None]), ids["theme"], theme_ids or None
                ),
                _Pick(REFERRALS_BY_SITUATION.get(code, REFERRALS_BY_SITUATION[None]), ids["referral"]),
            )

    def visit(self, rng: random.Random, day: datetime.date) -> tuple:
        """The VISIT_COLUMNS values of one visit, then its theme ids and its referral ids."""
        situation = self.situation(rng)
        age, education, channel, themes, referrals = self.by_situation[situation]
        referred = rng.random() < REFERRED_SHARE
        return (
            day,
            HalfDay.MORNING if rng.random() < 0.45 else HalfDay.AFTERNOON,
            self.contact(rng),
            self.sex(rng),
            age(rng),
            situation,
            education(rng),
            channel(rng),
            self.service_level(rng),
            themes.several(rng, self.theme_count(rng)),
            referrals.several(rng, (2 if rng.random() < 0.12 else 1) if referred else 0),
        )


def _open_days(month: datetime.date, today: datetime.date) -> tuple[list, list]:
    """Weekdays of the month the sites open, up to today, with their weights (late December is quiet)."""
    days, weights = [], []
    day = month
    while day.month == month.month and day <= today:
        if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
            days.append(day)
            weights.append(0.3 if day.month == 12 and day.day >= 20 else 1.0)
        day += datetime.timedelta(days=1)
    return days, weights


def _months_before(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _period_status(profile: SiteProfile, age: int, month: datetime.date, today: datetime.date) -> str:
    """Where a month stands, `age` months before the current one, in a network that works as usual."""
    if age == 0 or (profile.late and age <= 2):
        return PeriodStatus.OPEN
    if age == 1:
        # Before the deadline most sites are still counting; after it, all but the late one handed in.
        if today.day <= settings.SPRO_PERIOD_DEADLINE_DAYS:
            return PeriodStatus.SUBMITTED if profile.diligent and today.day > 5 else PeriodStatus.OPEN
        return PeriodStatus.SUBMITTED
    if age == 2:
        return PeriodStatus.VALIDATED if profile.diligent or today.day > 15 else PeriodStatus.SUBMITTED
    # A month is locked a year on, or once the previous year's activity report is done (April).
    if age > 12 or (month.year < today.year and today.month >= 4):
        return PeriodStatus.LOCKED
    return PeriodStatus.VALIDATED


def _stamp(day: datetime.date, rng: random.Random, now: datetime.datetime) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return min(timezone.make_aware(moment), now)


def _set_period_dates(period: Period, profile: SiteProfile, rng: random.Random, now) -> None:
    if period.status == PeriodStatus.OPEN:
        return
    month_end = next_month(period.month) - datetime.timedelta(days=1)
    delay = rng.randint(4, 25) if profile.late else rng.randint(1, 8)
    period.submitted_at = _stamp(month_end + datetime.timedelta(days=delay), rng, now)
    if period.status == PeriodStatus.SUBMITTED:
        return
    period.validated_at = _stamp(
        timezone.localdate(period.submitted_at) + datetime.timedelta(days=rng.randint(2, 12)), rng, now
    )
    if period.status == PeriodStatus.LOCKED:
        yearly_lock = datetime.date(period.month.year + 1, 4, 2)
        lock_day = max(yearly_lock, timezone.localdate(period.validated_at) + datetime.timedelta(days=1))
        period.locked_at = _stamp(lock_day, rng, now)


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=2000)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def load_demo_visits(*, years: int = 3, today: datetime.date | None = None, sites=None) -> dict[str, int]:
    """Generate `years` of statistics for the demo sites (or the given ones) that have none yet.

    Returns the number of rows created by kind. Sites that already have periods are skipped.
    """
    today = today or timezone.localdate()
    now = min(timezone.now(), timezone.make_aware(datetime.datetime.combine(today, datetime.time(18))))
    refs = load_reference_lists()
    if sites is None:
        sites = Site.objects.filter(slug__in=SITE_PROFILES)
    sites = list(
        Site.objects.filter(pk__in=[s.pk for s in sites])
        .exclude(pk__in=Period.objects.values("site_id"))
        .prefetch_related("themes", "service_levels")
        .order_by("slug")
    )
    created = Counter()
    current = today.replace(day=1)
    months = months_between(_months_before(current, years * 12 - 1), current)
    changes = {}
    for change in LabelStatusChange.objects.filter(site__in=sites):
        changes.setdefault(change.site_id, []).append(change)

    visits, theme_links, referral_links, aggregate_rows = [], [], [], []
    ThemeLink, ReferralLink = Visit.themes.through, Visit.referrals.through
    generated_site_ids = []
    for site in sites:
        profile = SITE_PROFILES.get(site.slug, DEFAULT_PROFILE)
        # A seed per site: the data of one site don't depend on which others are loaded.
        rng = random.Random(f"spro-demo-{site.slug}")
        generator = _VisitGenerator(
            refs,
            profile,
            theme_ids={t.pk for t in site.themes.all()},
            level_ids={level.pk for level in site.service_levels.all()},
        )
        # Only months at whose end the site held the label carry data (as the completeness rates expect).
        active = set(labelled_months(site, months, changes.get(site.pk, [])))
        site_visits = []
        for month in months:
            age = (current.year - month.year) * 12 + current.month - month.month
            if month not in active or (profile.aggregate and age == 0):
                continue
            days, day_weights = _open_days(month, today)
            if not days:
                continue
            expected = (
                profile.yearly_visits
                / 12
                * SEASON[month.month]
                / _SEASON_MEAN
                * (1 + profile.growth) ** (-age / 12)
                * len(days)
                / max(len(_open_days(month, next_month(month))[0]), 1)
            )
            count = max(0, round(expected * rng.uniform(0.9, 1.1)))
            # Seeding, not a user action: statuses and dates are set directly, without the workflow
            # services (which would refuse to submit a month for a site nobody coordinates).
            period = Period(
                site=site,
                month=month,
                mode=PeriodMode.AGGREGATE if profile.aggregate else PeriodMode.DETAILED,
                status=_period_status(profile, age, month, today),
            )
            _set_period_dates(period, profile, rng, now)
            drawn = [generator.visit(rng, day) for day in rng.choices(days, day_weights, k=count)]
            site_visits.append((period, drawn))
        if not site_visits:
            continue
        generated_site_ids.append(site.pk)
        periods = _bulk(Period, [period for period, _drawn in site_visits])
        created["périodes"] += len(periods)
        for period, drawn in site_visits:
            if profile.aggregate:
                aggregate_rows += _aggregate_rows(period, drawn)
                continue
            for *values, themes, referrals in drawn:
                visit = Visit(site=site, period=period, **dict(zip(VISIT_COLUMNS, values, strict=True)))
                visits.append((visit, themes, referrals))
    _bulk(Visit, [visit for visit, _themes, _referrals in visits])
    for visit, themes, referrals in visits:
        theme_links += [ThemeLink(visit_id=visit.pk, theme_id=theme) for theme in themes]
        referral_links += [ReferralLink(visit_id=visit.pk, referraltarget_id=target) for target in referrals]
    _bulk(ThemeLink, theme_links)
    _bulk(ReferralLink, referral_links)
    _bulk(AggregateCount, aggregate_rows)
    created["passages"] += len(visits)
    created["totaux mensuels"] += len(aggregate_rows)
    if generated_site_ids:
        rollups.rebuild(site_ids=generated_site_ids)
    created["réponses de satisfaction"] += _load_satisfaction(refs, sites, today)
    return dict(created)


def _aggregate_rows(period: Period, drawn: list) -> list[AggregateCount]:
    """A month's totals as a site with its own tool enters them: every breakdown, by sex."""
    cells = Counter()
    for *values, themes, referrals in drawn:
        visit = dict(zip(VISIT_COLUMNS, values, strict=True))
        sex = visit["sex_id"]
        cells[(Dimension.TOTAL, 0, sex)] += 1
        for dimension, column in rollups.SCALAR_FIELDS.items():
            cells[(dimension, visit[column] or 0, sex)] += 1
        for theme in themes or [0]:
            cells[(Dimension.THEME, theme, sex)] += 1
        for target in referrals or [0]:
            cells[(Dimension.REFERRAL, target, sex)] += 1
    return [
        AggregateCount(period=period, dimension=dimension, item_id=item, sex_id=sex, count=count)
        for (dimension, item, sex), count in sorted(cells.items())
    ]


def _load_satisfaction(refs: dict, sites: list, today: datetime.date) -> int:
    """A few anonymous questionnaires a month per site, on the months the site has data for."""
    questions = list(refs["satisfaction_question"].values())
    value_pick = _Pick(SATISFACTION_VALUE_WEIGHTS, {v: v for v in SATISFACTION_VALUE_WEIGHTS})
    answered = set(
        SatisfactionResponse.objects.filter(site__in=sites).values_list("site_id", flat=True).distinct()
    )
    # The volume of each month (detailed or aggregate) decides how many questionnaires it gets.
    monthly = {
        (site_id, month): volume
        for site_id, month, volume in MonthlyCount.objects.filter(site__in=sites, dimension=Dimension.TOTAL)
        .values("site_id", "month")
        .annotate(volume=Sum("count"))
        .values_list("site_id", "month", "volume")
    }
    responses, answers = [], []
    for site in sites:
        if site.pk in answered:
            continue
        rng = random.Random(f"spro-satisfaction-{site.slug}")
        for (site_id, month), volume in sorted(monthly.items()):
            if site_id != site.pk:
                continue
            days, _weights = _open_days(month, today)
            if not days:
                continue
            for _n in range(rng.randint(1, 3) + round(volume / 150)):
                response = SatisfactionResponse(
                    site=site,
                    answered_on=rng.choice(days),
                    comment=rng.choice(SATISFACTION_COMMENTS) if rng.random() < 0.2 else "",
                )
                responses.append(response)
                # An unanswered question stays unanswered: the questionnaire is optional line by line.
                answers.append(
                    [(question.pk, value_pick(rng)) for question in questions if rng.random() < 0.92]
                )
    _bulk(SatisfactionResponse, responses)
    _bulk(
        SatisfactionAnswer,
        [
            SatisfactionAnswer(response_id=response.pk, question_id=question, value=value)
            for response, pairs in zip(responses, answers, strict=True)
            for question, value in pairs
        ],
    )
    if responses:
        rollups.rebuild_satisfaction(site_ids={response.site_id for response in responses})
    return len(responses)


def load_stats_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """The statistics part of `seed_demo`: reference lists, then visits and satisfaction."""
    load_reference_lists()
    return load_demo_visits(today=today)
