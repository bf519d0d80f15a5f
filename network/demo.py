"""Demo data of the SPRO hub, and the function that loads it (`manage.py seed_demo`).

The data are plain Python structures so that later features add their own lists next to these.
Names of places, networks and institutions are real (the eleven Espaces métiers of
Champagne-Ardenne at the end of 2009, the GIP Arifor coordination, the SPRO Grand Est members);
street addresses, opening hours, people and dates are illustrative. Nothing here is personal data:
the demo people are invented.

Loading is idempotent: every row is found by its natural key (code, slug, name, username) and
saved only when a value differs, so a second run changes nothing, not even the history tables.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from sites import services as site_services
from sites.enums import CoordinatorPosition, LabelStatus
from sites.models import CoordinatorAssignment, ServiceLevel, Site, SiteKind, Theme

from . import services as network_services
from .enums import Role
from .models import Organisation, OrganisationKind, RoleAssignment, Territory, TerritoryKind, User

# ---------------------------------------------------------------------------------------------
# Reference lists: (code, label). The order of the list is the display order.
# ---------------------------------------------------------------------------------------------

TERRITORY_KINDS = [
    ("region", "Région"),
    ("departement", "Département"),
    ("bassin-emploi", "Bassin d'emploi"),
    ("agence-territoriale", "Agence territoriale"),
    ("commune", "Commune"),
]

ORGANISATION_KINDS = [
    ("carif-oref", "Carif-Oref / GIP"),
    ("region", "Région"),
    ("maison-emploi", "Maison de l'emploi"),
    ("mission-locale", "Mission locale"),
    ("france-travail", "France Travail (ex-Pôle emploi)"),
    ("cio", "Centre d'information et d'orientation (CIO)"),
    ("education-nationale", "Éducation nationale"),
    ("cap-emploi", "Cap emploi"),
    ("apec", "APEC"),
    ("transitions-pro", "Transitions Pro (ex-Fongecif / OPACIF)"),
    ("cci", "Chambre de commerce et d'industrie (CCI)"),
    ("cma", "Chambre de métiers et de l'artisanat (CMA)"),
    ("chambre-agriculture", "Chambre d'agriculture"),
    ("information-jeunesse", "Information jeunesse (CRIJ, PIJ)"),
    ("agefiph", "AGEFIPH"),
    ("branche-professionnelle", "Branche professionnelle"),
    ("organisme-formation", "Organisme de formation"),
    ("association", "Association"),
    ("entreprise", "Entreprise"),
]

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
# Territories: (kind code, code, name, parent as (kind code, code) or None).
# Régions and départements carry their INSEE codes; bassins d'emploi and agences territoriales
# carry internal codes.
# ---------------------------------------------------------------------------------------------

GRAND_EST = ("region", "44")

TERRITORIES = [
    ("region", "44", "Grand Est", None),
    ("departement", "08", "Ardennes", GRAND_EST),
    ("departement", "10", "Aube", GRAND_EST),
    ("departement", "51", "Marne", GRAND_EST),
    ("departement", "52", "Haute-Marne", GRAND_EST),
    ("departement", "54", "Meurthe-et-Moselle", GRAND_EST),
    ("departement", "55", "Meuse", GRAND_EST),
    ("departement", "57", "Moselle", GRAND_EST),
    ("departement", "67", "Bas-Rhin", GRAND_EST),
    ("departement", "68", "Haut-Rhin", GRAND_EST),
    ("departement", "88", "Vosges", GRAND_EST),
    # Bassins d'emploi of Champagne-Ardenne (the Région counts 43 in Grand Est).
    (
        "bassin-emploi",
        "charleville-mezieres",
        "Bassin d'emploi de Charleville-Mézières",
        ("departement", "08"),
    ),
    ("bassin-emploi", "sedan", "Bassin d'emploi de Sedan", ("departement", "08")),
    ("bassin-emploi", "troyes", "Bassin d'emploi de Troyes", ("departement", "10")),
    ("bassin-emploi", "romilly-sur-seine", "Bassin d'emploi de Romilly-sur-Seine", ("departement", "10")),
    ("bassin-emploi", "reims", "Bassin d'emploi de Reims", ("departement", "51")),
    ("bassin-emploi", "epernay", "Bassin d'emploi d'Épernay", ("departement", "51")),
    ("bassin-emploi", "chalons", "Bassin d'emploi de Châlons-en-Champagne", ("departement", "51")),
    ("bassin-emploi", "chaumont", "Bassin d'emploi de Chaumont", ("departement", "52")),
    ("bassin-emploi", "saint-dizier", "Bassin d'emploi de Saint-Dizier", ("departement", "52")),
    # Agences territoriales of the Région in Champagne-Ardenne (12 in Grand Est).
    ("agence-territoriale", "charleville", "Agence territoriale de Charleville-Mézières", GRAND_EST),
    ("agence-territoriale", "reims", "Agence territoriale de Reims", GRAND_EST),
    ("agence-territoriale", "chalons", "Agence territoriale de Châlons-en-Champagne", GRAND_EST),
    ("agence-territoriale", "troyes", "Agence territoriale de Troyes", GRAND_EST),
    ("agence-territoriale", "chaumont", "Agence territoriale de Chaumont", GRAND_EST),
    # The neighbouring region of the Cité des métiers du Nord Franche-Comté.
    ("region", "27", "Bourgogne-Franche-Comté", None),
    ("departement", "25", "Doubs", ("region", "27")),
    ("departement", "90", "Territoire de Belfort", ("region", "27")),
]

# ---------------------------------------------------------------------------------------------
# Organisations, found by name. "spro" is (recognised on, recognition ends on) for SPRO members.
# ---------------------------------------------------------------------------------------------

# The SPRO Grand Est members signed the regional charter of the 2018–2022 CPRDFOP.
SPRO_CHARTER = datetime.date(2018, 6, 29)

ORGANISATIONS = [
    # The regional coordination.
    {
        "name": "GIP Arifor",
        "acronym": "Arifor",
        "kind": "carif-oref",
        "address": "79, avenue de Sainte-Ménehould",
        "postcode": "51037",
        "commune": "Châlons-en-Champagne",
        "departement": "51",
        "phone": "03 26 21 73 36",
        "notes": "Coordination régionale du réseau des Espaces métiers de Champagne-Ardenne.",
    },
    {
        "name": "Région Grand Est",
        "kind": "region",
        "spro": (datetime.date(2016, 3, 1), None),
        "address": "1, place Adrien Zeller",
        "postcode": "67000",
        "commune": "Strasbourg",
        "departement": "67",
        "website": "https://www.grandest.fr",
        "notes": "Organise le Service public régional de l'orientation et finance le réseau.",
    },
    # SPRO members (CPRDFOP Grand Est 2018–2022, « Les membres du SPRO »).
    {
        "name": "France Travail Grand Est",
        "acronym": "FT",
        "kind": "france-travail",
        "spro": (SPRO_CHARTER, None),
        "website": "https://www.francetravail.fr",
        "notes": "Direction régionale (Pôle emploi jusqu'en 2023).",
    },
    {
        "name": "Association régionale des Missions locales du Grand Est",
        "acronym": "ARML Grand Est",
        "kind": "mission-locale",
        "spro": (SPRO_CHARTER, None),
    },
    {
        "name": "Mission locale de Reims",
        "kind": "mission-locale",
        "spro": (SPRO_CHARTER, None),
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
    },
    {
        "name": "Mission locale des Pays d'Épernay, Brie et Champagne",
        "kind": "mission-locale",
        "spro": (SPRO_CHARTER, None),
        "postcode": "51200",
        "commune": "Épernay",
        "departement": "51",
    },
    {
        "name": "Académie de Reims",
        "kind": "education-nationale",
        "spro": (SPRO_CHARTER, None),
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
    },
    {
        "name": "CIO de Reims",
        "kind": "cio",
        "spro": (SPRO_CHARTER, None),
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
    },
    {
        "name": "CIO de Troyes",
        "kind": "cio",
        "spro": (SPRO_CHARTER, None),
        "postcode": "10000",
        "commune": "Troyes",
        "departement": "10",
    },
    {
        "name": "CHEOPS Grand Est",
        "kind": "cap-emploi",
        "spro": (SPRO_CHARTER, None),
        "notes": "Réseau régional des Cap emploi.",
    },
    {
        "name": "APEC Grand Est",
        "acronym": "APEC",
        "kind": "apec",
        "spro": (SPRO_CHARTER, None),
        "website": "https://www.apec.fr",
    },
    {
        "name": "Fongecif Champagne-Ardenne",
        "kind": "transitions-pro",
        "spro": (datetime.date(2015, 1, 1), datetime.date(2019, 12, 31)),
        "commune": "Reims",
        "departement": "51",
        "notes": "Remplacé par Transitions Pro Grand Est au 1er janvier 2020.",
    },
    {
        "name": "Transitions Pro Grand Est",
        "kind": "transitions-pro",
        "spro": (datetime.date(2020, 1, 1), None),
    },
    {
        "name": "CCI Grand Est",
        "kind": "cci",
        "spro": (SPRO_CHARTER, None),
    },
    {
        "name": "Chambre de métiers et de l'artisanat Grand Est",
        "acronym": "CMA Grand Est",
        "kind": "cma",
        "spro": (SPRO_CHARTER, None),
    },
    {
        "name": "Chambre régionale d'agriculture Grand Est",
        "kind": "chambre-agriculture",
        "spro": (SPRO_CHARTER, None),
    },
    {
        "name": "CRIJ Grand Est",
        "kind": "information-jeunesse",
        "spro": (SPRO_CHARTER, None),
        "notes": "Centre régional d'information jeunesse.",
    },
    {
        "name": "AGEFIPH Grand Est",
        "acronym": "AGEFIPH",
        "kind": "agefiph",
        "spro": (datetime.date(2019, 1, 15), None),
        "website": "https://www.agefiph.fr",
    },
    # Partners that are not SPRO members.
    {
        "name": "UIMM Champagne-Ardenne",
        "kind": "branche-professionnelle",
        "commune": "Reims",
        "departement": "51",
    },
    # Host structures (structures porteuses) of the Espaces métiers.
    {
        "name": "Maison de l'emploi et de la formation de Charleville-Mézières",
        "kind": "maison-emploi",
        "postcode": "08000",
        "commune": "Charleville-Mézières",
        "departement": "08",
    },
    {
        "name": "Association du Pays de la Pointe des Ardennes",
        "kind": "association",
        "postcode": "08320",
        "commune": "Vireux-Molhain",
        "departement": "08",
    },
    {
        "name": "Maison de l'emploi du Pays sedanais",
        "kind": "maison-emploi",
        "postcode": "08200",
        "commune": "Sedan",
        "departement": "08",
    },
    {
        "name": "Association du Pays de Bar-sur-Aube",
        "kind": "association",
        "postcode": "10200",
        "commune": "Bar-sur-Aube",
        "departement": "10",
    },
    {
        "name": "Maison de l'emploi du Nogentais et du Romillon",
        "kind": "maison-emploi",
        "postcode": "10100",
        "commune": "Romilly-sur-Seine",
        "departement": "10",
    },
    {
        "name": "Maison de l'emploi et de la formation du Pays de Troyes",
        "kind": "maison-emploi",
        "postcode": "10000",
        "commune": "Troyes",
        "departement": "10",
    },
    {
        # One host, two sites: Chaumont and Nogent.
        "name": "Maison de l'emploi et de la formation du Pays de Chaumont",
        "kind": "maison-emploi",
        "postcode": "52000",
        "commune": "Chaumont",
        "departement": "52",
    },
    {
        "name": "Maison de l'emploi et de la formation de Saint-Dizier",
        "kind": "maison-emploi",
        "postcode": "52100",
        "commune": "Saint-Dizier",
        "departement": "52",
    },
    {
        "name": "Maison de l'emploi et des métiers de Reims",
        "kind": "maison-emploi",
        "postcode": "51100",
        "commune": "Reims",
        "departement": "51",
    },
    {
        "name": "Maison de l'emploi du Territoire de Belfort",
        "kind": "maison-emploi",
        "postcode": "90000",
        "commune": "Belfort",
        "departement": "90",
        "notes": "Structure porteuse de la Cité des métiers du Nord Franche-Comté.",
    },
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

# ---------------------------------------------------------------------------------------------
# Demo accounts, one per role. All share the password below and exist only with DEBUG on.
# ---------------------------------------------------------------------------------------------

DEMO_PASSWORD = "demo"

DEMO_ACCOUNTS = [
    {
        "username": "coordination",
        "first_name": "Claire",
        "last_name": "Lemoine",
        "position": "Coordinatrice régionale des Espaces métiers",
        "organisation": "GIP Arifor",
        "role": Role.REGIONAL_COORDINATOR,
        "since": datetime.date(2016, 1, 4),
        "description": "Coordination régionale (GIP Arifor) : tout le réseau",
    },
    {
        "username": "ctem-reims",
        "first_name": "Julien",
        "last_name": "Marchal",
        "position": "Coordinateur territorial Espace métiers",
        "organisation": "Maison de l'emploi et des métiers de Reims",
        "site": "reims",
        "since": datetime.date(2019, 9, 2),
        "description": "Coordination de site : Espace métiers de Reims",
    },
    {
        "username": "ctem-troyes",
        "first_name": "Sophie",
        "last_name": "Garnier",
        "position": "Coordinatrice territoriale Espace métiers",
        "organisation": "Maison de l'emploi et de la formation du Pays de Troyes",
        "site": "troyes",
        "since": datetime.date(2021, 3, 15),
        "description": "Coordination de site : Espace métiers de Troyes",
    },
    {
        "username": "partenaire",
        "first_name": "Karim",
        "last_name": "Benali",
        "position": "Chargé de relations partenariales",
        "organisation": "France Travail Grand Est",
        "role": Role.PARTNER_MEMBER,
        "since": datetime.date(2022, 1, 3),
        "description": "Membre partenaire : France Travail Grand Est",
    },
    {
        "username": "region",
        "first_name": "Hélène",
        "last_name": "Rousseau",
        "position": "Chargée de mission orientation",
        "organisation": "Région Grand Est",
        "role": Role.OBSERVER,
        "since": datetime.date(2018, 9, 3),
        "description": "Observatrice, lecture seule : Région Grand Est",
    },
]

PLATFORM_URL = "http://127.0.0.1:8000/"

# Demo data of the other apps, loaded by `seed_demo` after the network and the sites, in the same
# transaction: (what, dotted path of a function without arguments returning {kind: rows created}).
# Each loader must be idempotent, like load_demo.
EXTRA_LOADERS = [
    ("statistiques", "stats.demo.load_stats_demo"),
    # Before the plans: site actions are linked to the strategy's challenges.
    ("stratégie", "network.strategy.demo.load_strategy_demo"),
    ("labels", "sites.labels.demo.load_labels_demo"),
    ("plans d'actions", "sites.plans.demo.load_plans_demo"),
    # Last: the June commission gives its avis on a label application, and the steering committees
    # arbitrate the plans.
    ("instances", "network.governance.demo.load_governance_demo"),
]


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


class DemoAccountsRefused(Exception):
    """Demo accounts have a public password: they never reach an instance running with DEBUG off."""


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, bucket: dict, what: str) -> None:
        bucket[what] = bucket.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def demo_accounts_refusal_message() -> str:
    return (
        "Les comptes de démonstration (mot de passe « demo ») ne sont créés qu'en développement, "
        "avec DEBUG=1. Relancez avec --no-accounts pour ne charger que les données."
    )


@transaction.atomic
def load_demo(*, with_accounts: bool) -> LoadReport:
    """Load (or bring back) the demo data in one transaction; the accounts only when DEBUG is on."""
    if with_accounts and not settings.DEBUG:
        raise DemoAccountsRefused(demo_accounts_refusal_message())
    today = timezone.localdate()
    report = LoadReport()
    refs = {
        "territory_kind": _load_reference(TerritoryKind, TERRITORY_KINDS, report),
        "organisation_kind": _load_reference(OrganisationKind, ORGANISATION_KINDS, report),
        "site_kind": _load_reference(SiteKind, SITE_KINDS, report),
        "theme": _load_reference(Theme, THEMES, report),
        "service_level": _load_reference(ServiceLevel, SERVICE_LEVELS, report),
    }
    territories = _load_territories(refs["territory_kind"], report)
    organisations = _load_organisations(refs["organisation_kind"], territories, report)
    sites = _load_sites(refs, territories, organisations, today, report)
    if with_accounts:
        _load_accounts(organisations, sites, report)
    return report


def load_extras() -> dict[str, dict[str, int]]:
    """Run the other apps' demo loaders; returns {what: {kind: rows created}}."""
    return {what: import_string(path)() for what, path in EXTRA_LOADERS}


def _load_reference(model, items, report: LoadReport) -> dict:
    by_code = {}
    for order, (code, label) in enumerate(items, start=1):
        obj, created = model.objects.get_or_create(code=code, defaults={"label": label, "order": order})
        if not created and _assign(obj, {"label": label, "order": order}):
            obj.full_clean()
            obj.save()
            report.count(report.updated, str(model._meta.verbose_name_plural))
        elif created:
            report.count(report.created, str(model._meta.verbose_name_plural))
        by_code[code] = obj
    return by_code


def _load_territories(kinds: dict, report: LoadReport) -> dict:
    by_key = {}
    for kind_code, code, name, parent_key in TERRITORIES:
        values = {"name": name, "parent": by_key[parent_key] if parent_key else None}
        obj, created = Territory.objects.get_or_create(kind=kinds[kind_code], code=code, defaults=values)
        if created:
            report.count(report.created, "territoires")
        elif _assign(obj, values):
            obj.save()
            report.count(report.updated, "territoires")
        by_key[(kind_code, code)] = obj
    return by_key


def _load_organisations(kinds: dict, territories: dict, report: LoadReport) -> dict:
    by_name = {}
    for spec in ORGANISATIONS:
        recognised_on, ends_on = spec.get("spro", (None, None))
        values = {
            "acronym": spec.get("acronym", ""),
            "kind": kinds[spec["kind"]],
            "is_spro_member": "spro" in spec,
            "spro_recognised_on": recognised_on,
            "spro_recognition_ends_on": ends_on,
            "address": spec.get("address", ""),
            "postcode": spec.get("postcode", ""),
            "commune": spec.get("commune", ""),
            "departement": territories[("departement", spec["departement"])]
            if "departement" in spec
            else None,
            "phone": spec.get("phone", ""),
            "website": spec.get("website", ""),
            "notes": spec.get("notes", ""),
        }
        # Organisation names carry no unique constraint: the oldest row of that name is the demo one.
        organisation = Organisation.objects.filter(name=spec["name"]).order_by("pk").first()
        if organisation is None:
            organisation = Organisation(name=spec["name"])
            _assign(organisation, values)
            report.count(report.created, "organisations")
        elif _assign(organisation, values):
            report.count(report.updated, "organisations")
        else:
            by_name[spec["name"]] = organisation
            continue
        by_name[spec["name"]] = network_services.organisation_save(organisation=organisation)
    return by_name


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
            changed = _assign(site, values)
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


def _load_accounts(organisations: dict, sites: dict, report: LoadReport) -> None:
    for spec in DEMO_ACCOUNTS:
        organisation = organisations[spec["organisation"]]
        values = {
            "first_name": spec["first_name"],
            "last_name": spec["last_name"],
            "email": f"{spec['username']}@demo.spro.invalid",
            "position": spec["position"],
            "organisation": organisation,
            "is_active": True,
        }
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            user = User(username=spec["username"], **values)
            # The password is set only at creation: a later run never undoes a change.
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            report.count(report.created, "comptes")
        elif _assign(user, values):
            user.full_clean()
            user.save()
            report.count(report.updated, "comptes")

        if "role" in spec:
            role_organisation = organisation if spec["role"] == Role.PARTNER_MEMBER else None
            held = RoleAssignment.objects.current().filter(
                user=user, role=spec["role"], organisation=role_organisation
            )
            if not held.exists():
                network_services.role_assign(
                    user=user, role=spec["role"], organisation=role_organisation, start_date=spec["since"]
                )
                report.count(report.created, "rôles")
        if "site" in spec:
            site = sites[spec["site"]]
            if not CoordinatorAssignment.objects.current().filter(user=user, site=site).exists():
                site_services.coordinator_assign(
                    site=site, user=user, position=CoordinatorPosition.CTEM, start_date=spec["since"]
                )
                report.count(report.created, "affectations")


def _assign(obj, values: dict) -> bool:
    """Set the values on the object; True when at least one differed."""
    changed = False
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if field.many_to_one:
            # Compare ids: reading the related object would cost one query per field.
            differs = getattr(obj, field.attname) != (value.pk if value is not None else None)
        else:
            differs = getattr(obj, name) != value
        if differs:
            setattr(obj, name, value)
            changed = True
    return changed


def account_lines() -> list[str]:
    """One line per demo login, for the messages of seed_demo and runplatform."""
    width = max(len(spec["username"]) for spec in DEMO_ACCOUNTS)
    return [f"  {spec['username']:<{width}}  {spec['description']}" for spec in DEMO_ACCOUNTS]


def demo_accounts_exist() -> bool:
    return User.objects.filter(username__in=[spec["username"] for spec in DEMO_ACCOUNTS]).exists()
