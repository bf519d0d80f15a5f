"""Demo data of the network core (territories, organisations, people and their roles), and the
function that loads it.

The data are plain Python structures so that later features add their own lists next to these.
Names of places, networks and institutions are real (the eleven Espaces métiers of
Champagne-Ardenne at the end of 2009, the GIP Arifor coordination, the SPRO Grand Est members);
street addresses, opening hours, people and dates are illustrative. Nothing here is personal data:
the demo people are invented.

The sites are in sites/demo.py (`load_demo` loads both), the other apps' demo data in their own
`demo` module; `manage.py seed_demo` (stats/management/commands) runs them all.

Loading is idempotent: every row is found by its natural key (code, slug, name, username) and
saved only when a value differs, so a second run changes nothing, not even the history tables.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

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
        "since": datetime.date(2019, 9, 2),
        "description": "Coordination de site : Espace métiers de Reims",
    },
    {
        "username": "ctem-troyes",
        "first_name": "Sophie",
        "last_name": "Garnier",
        "position": "Coordinatrice territoriale Espace métiers",
        "organisation": "Maison de l'emploi et de la formation du Pays de Troyes",
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
def load_network_demo(report: LoadReport, *, with_accounts: bool) -> dict:
    """Load (or bring back) the network's demo data; the accounts only when DEBUG is on.

    Returns {"territories": {(kind code, code): Territory}, "organisations": {name: Organisation}}
    for the apps above, which load their demo data on top.
    """
    if with_accounts and not settings.DEBUG:
        raise DemoAccountsRefused(demo_accounts_refusal_message())
    kinds = {
        "territory_kind": load_reference(TerritoryKind, TERRITORY_KINDS, report),
        "organisation_kind": load_reference(OrganisationKind, ORGANISATION_KINDS, report),
    }
    territories = _load_territories(kinds["territory_kind"], report)
    organisations = _load_organisations(kinds["organisation_kind"], territories, report)
    if with_accounts:
        _load_accounts(organisations, report)
    return {"territories": territories, "organisations": organisations}


def load_reference(model, items, report: LoadReport) -> dict:
    by_code = {}
    for order, (code, label) in enumerate(items, start=1):
        obj, created = model.objects.get_or_create(code=code, defaults={"label": label, "order": order})
        if not created and assign(obj, {"label": label, "order": order}):
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
        elif assign(obj, values):
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
            assign(organisation, values)
            report.count(report.created, "organisations")
        elif assign(organisation, values):
            report.count(report.updated, "organisations")
        else:
            by_name[spec["name"]] = organisation
            continue
        by_name[spec["name"]] = network_services.organisation_save(organisation=organisation)
    return by_name


def _load_accounts(organisations: dict, report: LoadReport) -> None:
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
        elif assign(user, values):
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


def assign(obj, values: dict) -> bool:
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
