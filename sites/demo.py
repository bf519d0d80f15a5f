"""Demo data of the sites (reference lists, the Espaces métiers of Champagne-Ardenne and their label
history, the coordinators' assignments), and `load_demo`, which loads the network then the sites.

Street addresses, opening hours and dates are illustrative (see network/demo.py). Loading is
idempotent, like the network's.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from network.demo import DEMO_ACCOUNTS, LoadReport, assign, load_network_demo, load_reference
from network.models import User

from . import services as site_services
from .enums import CoordinatorPosition, LabelStatus
from .models import CoordinatorAssignment, ServiceLevel, Site, SiteKind, Theme

# ---------------------------------------------------------------------------------------------
# Reference lists: (code, label). The order of the list is the display order.
# ---------------------------------------------------------------------------------------------

SITE_KINDS = [
    ("espace-metiers", "Espace métiers"),
    ("cite-des-metiers", "Cité des métiers"),
    ("centre-associe", "Centre associé"),
    ("point-relais", "Point relais"),
]

THEMES = [
    ("metiers", "Métiers"),
    ("emploi", "Emploi"),
    ("formation", "Formation"),
    ("orientation", "Orientation"),
    ("alternance", "Alternance et apprentissage"),
    ("creation-activite", "Création d'activité"),
    ("vae", "Validation des acquis de l'expérience (VAE)"),
    ("mobilite", "Mobilité (en France et à l'international)"),
]

# The three levels of the Conseil en évolution professionnelle.
SERVICE_LEVELS = [
    ("accueil-information", "Accueil et information"),
    ("conseil-personnalise", "Conseil personnalisé"),
    ("accompagnement", "Accompagnement"),
]

# ---------------------------------------------------------------------------------------------
# Sites, found by slug. "label" describes the label history:
#   first_labelled_on: the first label decision;
#   renewal_in_days: the current renewal date, counted from the day the demo is loaded (so that a
#     few sites always show a renewal due within the warning window);
#   then: later steps as (status, days from today, comment);
#   steps: an explicit history instead, as (status, date or days from today, renewal, comment).
# ---------------------------------------------------------------------------------------------

ALL_LEVELS = ["accueil-information", "conseil-personnalise", "accompagnement"]
EM_THEMES = ["metiers", "emploi", "formation", "orientation"]
HOURS_WEEK = "Du lundi au vendredi : 9 h – 12 h et 13 h 30 – 17 h."

SITES = [
    # Ardennes
    {
        "slug": "charleville-mezieres",
        "name": "Espace métiers de Charleville-Mézières",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et de la formation de Charleville-Mézières",
        "address": "18, avenue Jean Jaurès",
        "postcode": "08000",
        "commune": "Charleville-Mézières",
        "departement": "08",
        "territories": [("bassin-emploi", "charleville-mezieres"), ("agence-territoriale", "charleville")],
        "coordinates": ("49.762085", "4.726096"),
        "opening_hours": HOURS_WEEK + "\nLe jeudi jusqu'à 19 h.",
        "themes": [*EM_THEMES, "alternance", "vae"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2008, 3, 14), "renewal_in_days": 60},
    },
    {
        "slug": "vireux-molhain",
        "name": "Espace métiers de la Pointe des Ardennes",
        "kind": "espace-metiers",
        "host": "Association du Pays de la Pointe des Ardennes",
        "address": "2, rue Jean Jaurès",
        "postcode": "08320",
        "commune": "Vireux-Molhain",
        "departement": "08",
        "territories": [("bassin-emploi", "charleville-mezieres"), ("agence-territoriale", "charleville")],
        "coordinates": ("50.078421", "4.724830"),
        "opening_hours": "Lundi, mardi et jeudi : 9 h – 12 h et 14 h – 17 h.\nMercredi : 9 h – 12 h.",
        "themes": [*EM_THEMES, "mobilite"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2009, 1, 20), "renewal_in_days": 540},
    },
    {
        "slug": "sedan",
        "name": "Espace métiers de Sedan",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi du Pays sedanais",
        "address": "5, avenue Philippoteaux",
        "postcode": "08200",
        "commune": "Sedan",
        "departement": "08",
        "territories": [("bassin-emploi", "sedan"), ("agence-territoriale", "charleville")],
        "coordinates": ("49.701900", "4.940300"),
        "opening_hours": HOURS_WEEK,
        "themes": [*EM_THEMES, "creation-activite"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2008, 6, 9), "renewal_in_days": 720},
    },
    # Aube
    {
        "slug": "bar-sur-aube",
        "name": "Espace métiers de Bar-sur-Aube",
        "kind": "espace-metiers",
        "host": "Association du Pays de Bar-sur-Aube",
        "address": "12, rue Nationale",
        "postcode": "10200",
        "commune": "Bar-sur-Aube",
        "departement": "10",
        "territories": [("bassin-emploi", "troyes"), ("agence-territoriale", "troyes")],
        "coordinates": ("48.233100", "4.706400"),
        "opening_hours": "Du lundi au jeudi : 9 h – 12 h et 14 h – 17 h 30.\nVendredi : 9 h – 12 h.",
        "themes": [*EM_THEMES, "vae"],
        "service_levels": ["accueil-information", "conseil-personnalise"],
        "label": {"first_labelled_on": datetime.date(2009, 5, 12), "renewal_in_days": 400},
    },
    {
        "slug": "romilly-sur-seine",
        "name": "Espace métiers de Romilly-sur-Seine",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi du Nogentais et du Romillon",
        "address": "20, rue de la Boule d'Or",
        "postcode": "10100",
        "commune": "Romilly-sur-Seine",
        "departement": "10",
        "territories": [("bassin-emploi", "romilly-sur-seine"), ("agence-territoriale", "troyes")],
        "coordinates": ("48.515600", "3.726400"),
        "opening_hours": HOURS_WEEK,
        "themes": [*EM_THEMES, "alternance"],
        "service_levels": ALL_LEVELS,
        "label": {
            "first_labelled_on": datetime.date(2009, 2, 3),
            "renewal_in_days": 420,
            "then": [
                (
                    LabelStatus.SUSPENDED,
                    -75,
                    "Label suspendu par la Région dans l'attente du recrutement d'un nouveau CTEM.",
                )
            ],
        },
    },
    {
        "slug": "troyes",
        "name": "Espace métiers de Troyes",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et de la formation du Pays de Troyes",
        "address": "3, boulevard Gambetta",
        "postcode": "10000",
        "commune": "Troyes",
        "departement": "10",
        "territories": [("bassin-emploi", "troyes"), ("agence-territoriale", "troyes")],
        "coordinates": ("48.297300", "4.074400"),
        "opening_hours": HOURS_WEEK + "\nSamedi matin sur rendez-vous.",
        "themes": [*EM_THEMES, "alternance", "creation-activite", "mobilite"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2007, 11, 26), "renewal_in_days": 610},
    },
    # Haute-Marne
    {
        "slug": "chaumont",
        "name": "Espace métiers de Chaumont",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et de la formation du Pays de Chaumont",
        "address": "7, rue Victoire de la Marne",
        "postcode": "52000",
        "commune": "Chaumont",
        "departement": "52",
        "territories": [("bassin-emploi", "chaumont"), ("agence-territoriale", "chaumont")],
        "coordinates": ("48.111300", "5.139200"),
        "opening_hours": HOURS_WEEK,
        "themes": [*EM_THEMES, "vae"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2008, 10, 2), "renewal_in_days": 300},
    },
    {
        "slug": "nogent",
        "name": "Espace métiers de Nogent",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et de la formation du Pays de Chaumont",
        "address": "1, place Charles de Gaulle",
        "postcode": "52800",
        "commune": "Nogent",
        "departement": "52",
        "territories": [("bassin-emploi", "chaumont"), ("agence-territoriale", "chaumont")],
        "coordinates": ("48.030600", "5.347000"),
        "opening_hours": "Mardi et jeudi : 9 h – 12 h et 13 h 30 – 17 h.",
        "themes": EM_THEMES,
        "service_levels": ["accueil-information", "conseil-personnalise"],
        # Labelled in 2009, withdrawn when the host reorganised, now applying again.
        "label": {
            "steps": [
                (LabelStatus.PROJECT, datetime.date(2008, 9, 1), None, "Création du site."),
                (LabelStatus.APPLICATION, datetime.date(2008, 12, 4), None, "Dossier de candidature déposé."),
                (
                    LabelStatus.LABELLED,
                    datetime.date(2009, 4, 7),
                    datetime.date(2012, 4, 7),
                    "Label accordé après avis favorable de la commission régionale.",
                ),
                (
                    LabelStatus.LABELLED,
                    datetime.date(2012, 4, 7),
                    datetime.date(2015, 4, 7),
                    "Label renouvelé.",
                ),
                (
                    LabelStatus.WITHDRAWN,
                    datetime.date(2014, 12, 31),
                    None,
                    "Label retiré à la réorganisation de la structure porteuse.",
                ),
                (
                    LabelStatus.PROJECT,
                    -240,
                    None,
                    "Nouveau projet porté par la Maison de l'emploi du Pays de Chaumont.",
                ),
                (LabelStatus.APPLICATION, -45, None, "Nouvelle candidature en cours d'instruction."),
            ]
        },
    },
    {
        "slug": "saint-dizier",
        "name": "Espace métiers de Saint-Dizier",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et de la formation de Saint-Dizier",
        "address": "4, avenue de la République",
        "postcode": "52100",
        "commune": "Saint-Dizier",
        "departement": "52",
        "territories": [("bassin-emploi", "saint-dizier"), ("agence-territoriale", "chaumont")],
        "coordinates": ("48.638300", "4.949700"),
        "opening_hours": HOURS_WEEK,
        "themes": [*EM_THEMES, "alternance", "mobilite"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2008, 1, 28), "renewal_in_days": 130},
    },
    # Marne
    {
        "slug": "epernay",
        "name": "Espace métiers d'Épernay",
        "kind": "espace-metiers",
        "host": "Mission locale des Pays d'Épernay, Brie et Champagne",
        "address": "9, rue Jean Moulin",
        "postcode": "51200",
        "commune": "Épernay",
        "departement": "51",
        "territories": [("bassin-emploi", "epernay"), ("agence-territoriale", "chalons")],
        "coordinates": ("49.040300", "3.959700"),
        "opening_hours": HOURS_WEEK,
        "themes": [*EM_THEMES, "alternance"],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2009, 6, 22), "renewal_in_days": 170},
    },
    {
        "slug": "reims",
        "name": "Espace métiers de Reims",
        "kind": "espace-metiers",
        "host": "Maison de l'emploi et des métiers de Reims",
        "address": "25, rue de Vesle",
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
        "territories": [("bassin-emploi", "reims"), ("agence-territoriale", "reims")],
        "coordinates": ("49.254100", "4.028700"),
        "opening_hours": HOURS_WEEK + "\nLe mercredi en continu de 9 h à 17 h.",
        "themes": [code for code, _ in THEMES],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(2007, 10, 15), "renewal_in_days": 820},
    },
    # A Cité des métiers and one of its centres associés (from the list of French CDM).
    {
        "slug": "cite-des-metiers-nord-franche-comte",
        "name": "Cité des métiers du Nord Franche-Comté",
        "kind": "cite-des-metiers",
        "host": "Maison de l'emploi du Territoire de Belfort",
        "address": "4, rue de l'As de Carreau",
        "postcode": "90000",
        "commune": "Belfort",
        "departement": "90",
        "territories": [],
        "coordinates": ("47.638000", "6.862800"),
        "opening_hours": "Du lundi au vendredi : 9 h – 17 h, sans rendez-vous.",
        "themes": [code for code, _ in THEMES],
        "service_levels": ALL_LEVELS,
        "label": {"first_labelled_on": datetime.date(1999, 9, 15), "renewal_in_days": 250},
    },
    {
        "slug": "cite-des-metiers-montbeliard",
        "name": "Cité des métiers du Nord Franche-Comté – centre associé de Montbéliard",
        "kind": "centre-associe",
        "parent": "cite-des-metiers-nord-franche-comte",
        "host": "Maison de l'emploi du Territoire de Belfort",
        "address": "10, rue Georges Clemenceau",
        "postcode": "25200",
        "commune": "Montbéliard",
        "departement": "25",
        "territories": [],
        "coordinates": ("47.509900", "6.798300"),
        "opening_hours": "Mardi et jeudi : 9 h – 12 h et 14 h – 17 h.",
        "themes": ["metiers", "emploi", "formation", "orientation"],
        "service_levels": ["accueil-information", "conseil-personnalise"],
        "label": {"first_labelled_on": datetime.date(2012, 3, 1), "renewal_in_days": 250},
    },
]

# How long a label lasts before it must be renewed, in years.
LABEL_PERIOD_YEARS = 3

# The demo accounts (network/demo.py) that coordinate a site: username -> site slug.
COORDINATED_SITES = {
    "ctem-reims": "reims",
    "ctem-troyes": "troyes",
}

# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def load_demo(*, with_accounts: bool) -> LoadReport:
    """Load (or bring back) the network's and the sites' demo data in one transaction; the accounts
    (and their site assignments) only when DEBUG is on."""
    report = LoadReport()
    network = load_network_demo(report, with_accounts=with_accounts)
    load_sites_demo(network, report, with_accounts=with_accounts)
    return report


def load_sites_demo(network: dict, report: LoadReport, *, with_accounts: bool) -> dict:
    """The sites on top of the network's demo data (as returned by load_network_demo)."""
    today = timezone.localdate()
    refs = {
        "site_kind": load_reference(SiteKind, SITE_KINDS, report),
        "theme": load_reference(Theme, THEMES, report),
        "service_level": load_reference(ServiceLevel, SERVICE_LEVELS, report),
    }
    sites = _load_sites(refs, network["territories"], network["organisations"], today, report)
    if with_accounts:
        _load_assignments(sites, report)
    return sites


def _site_values(
    spec: dict, refs: dict, territories: dict, organisations: dict, sites: dict
) -> tuple[dict, dict]:
    latitude, longitude = spec["coordinates"]
    values = {
        "name": spec["name"],
        "kind": refs["site_kind"][spec["kind"]],
        "host": organisations[spec["host"]],
        "parent": sites[spec["parent"]] if spec.get("parent") else None,
        "address": spec["address"],
        "postcode": spec["postcode"],
        "commune": spec["commune"],
        "opening_hours": spec["opening_hours"],
        "public_description": spec.get("public_description") or _default_description(spec),
        "accessibility": spec.get("accessibility", "Locaux accessibles aux personnes à mobilité réduite."),
        "departement": territories[("departement", spec["departement"])],
        "latitude": Decimal(latitude),
        "longitude": Decimal(longitude),
    }
    m2m = {
        "territories": [territories[key] for key in spec["territories"]],
        "themes": [refs["theme"][code] for code in spec["themes"]],
        "service_levels": [refs["service_level"][code] for code in spec["service_levels"]],
    }
    return values, m2m


def _default_description(spec: dict) -> str:
    if spec["kind"] == "espace-metiers":
        return (
            f"L'Espace métiers accueille à {spec['commune']}, librement, gratuitement et sans donner son "
            "nom, toute personne qui s'interroge sur les métiers, l'emploi, la formation ou l'orientation : "
            "centre de ressources en libre accès, permanences de conseil et animations avec les "
            "partenaires du territoire."
        )
    return (
        f"Lieu ouvert à tous, gratuit et anonyme, à {spec['commune']} : information et conseil sur les "
        "métiers, l'emploi, la formation et la création d'activité, avec les partenaires du réseau."
    )


def _load_sites(refs: dict, territories: dict, organisations: dict, today, report: LoadReport) -> dict:
    sites = {}
    for spec in SITES:
        values, m2m = _site_values(spec, refs, territories, organisations, sites)
        site = Site.objects.filter(slug=spec["slug"]).first()
        if site is None:
            steps = _label_steps(spec["label"], today)
            first_status, first_on, _renewal, _comment = steps[0]
            site = Site(slug=spec["slug"], label_status=first_status, label_status_since=first_on, **values)
            site = site_services.site_save(site=site, m2m=m2m)
            for status, effective_on, renewal_due_on, comment in steps[1:]:
                site = site_services.site_change_label_status(
                    site=site,
                    status=status,
                    effective_on=effective_on,
                    renewal_due_on=renewal_due_on,
                    comment=comment,
                )
            report.count(report.created, "sites")
        else:
            # Practical information comes back to the demo values; the label history is left as it is.
            changed = assign(site, values)
            m2m_changed = {
                name: objs
                for name, objs in m2m.items()
                if set(getattr(site, name).values_list("pk", flat=True)) != {o.pk for o in objs}
            }
            if changed or m2m_changed:
                site = site_services.site_save(site=site, m2m=m2m_changed)
                report.count(report.updated, "sites")
        sites[spec["slug"]] = site
    return sites


def _label_steps(label: dict, today: datetime.date) -> list[tuple]:
    """The label history of a site as (status, effective on, renewal due on, comment) steps."""

    def day(value):
        return today + datetime.timedelta(days=value) if isinstance(value, int) else value

    if "steps" in label:
        return [
            (status, day(when), day(renewal), comment) for status, when, renewal, comment in label["steps"]
        ]

    first = label["first_labelled_on"]
    due = today + datetime.timedelta(days=label["renewal_in_days"])
    # Renewals are counted back from the current renewal date, one label period at a time, so
    # that each renewal takes effect on the previous period's renewal date; the first period,
    # from the historical first label, absorbs the remainder (18 months at least).
    renewals = []
    start = _years_before(due, LABEL_PERIOD_YEARS)
    while start > first + datetime.timedelta(days=540):
        renewals.insert(0, start)
        start = _years_before(start, LABEL_PERIOD_YEARS)
    ends = [*renewals, due]
    steps = [
        (LabelStatus.PROJECT, first - datetime.timedelta(days=270), None, "Création du site."),
        (
            LabelStatus.APPLICATION,
            first - datetime.timedelta(days=120),
            None,
            "Dossier de candidature déposé.",
        ),
        (
            LabelStatus.LABELLED,
            first,
            ends[0],
            "Label accordé après avis favorable de la commission régionale.",
        ),
    ]
    steps += [
        (LabelStatus.LABELLED, start, end, "Label renouvelé.")
        for start, end in zip(renewals, ends[1:], strict=True)
    ]
    steps += [(status, day(when), None, comment) for status, when, comment in label.get("then", [])]
    return steps


def _years_before(value: datetime.date, years: int) -> datetime.date:
    try:
        return value.replace(year=value.year - years)
    except ValueError:  # 29 February
        return value.replace(year=value.year - years, day=28)


def _load_assignments(sites: dict, report: LoadReport) -> None:
    for spec in DEMO_ACCOUNTS:
        if spec["username"] not in COORDINATED_SITES:
            continue
        user = User.objects.get(username=spec["username"])
        site = sites[COORDINATED_SITES[spec["username"]]]
        if not CoordinatorAssignment.objects.current().filter(user=user, site=site).exists():
            site_services.coordinator_assign(
                site=site, user=user, position=CoordinatorPosition.CTEM, start_date=spec["since"]
            )
            report.count(report.created, "affectations")
