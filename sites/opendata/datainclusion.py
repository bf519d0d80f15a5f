"""The public directory in the data·inclusion schema v1: one structure per public site, and its services.

Records are dictionaries shaped by the schema's own models (package `data-inclusion-schema`,
`data_inclusion.schema.v1.Structure` and `Service`) and validated by them, warnings included, before
they are published: a field the model refuses is left empty (null) rather than published wrong, and
the refusal is logged. Where each field comes from:

Structure
- `id`: the site's slug (stable, already public in the site's address); `source`: the platform
  (`slugify(SPRO_PLATFORM_NAME)`, "spro-hub");
- `nom`, `description`, `adresse`, `code_postal`, `commune`, `telephone` (E.164 for a French number),
  `courriel`, `site_web`, `latitude`, `longitude`: the site's public information, as its sheet shows it;
- `code_insee`: the site's territory of kind "commune" when it has exactly one, else null;
- `horaires_accueil`: the site's opening hours converted to the OpenStreetMap syntax when every line
  reads as days and hours (hours.py), else null;
- `accessibilite_lieu`: the site's accessibility field when it is an Accès libre link, else null
  (free text has no place there);
- `reseaux_porteurs`: the network of the host structure (Maison de l'emploi, Mission locale…) when
  the schema has one for its kind, else null;
- `date_maj`: the day of the site's latest history record (fallback: its last update);
- `lien_source`: the site's public sheet on the platform.

Services: every public site offers reception and information (the first level of the Conseil en
évolution professionnelle, which the SPRO label requires); the personalised advice and the
accompaniment levels are added when the site offers them (its service levels, by code). Each is
free (`gratuit`), for everyone (`tous-publics`), in person (plus remote when the site has a phone or
an e-mail address), mobilised by people and professionals alike; its `thematiques` join the level's
own to those of the site's themes (THEME_THEMATIQUES); `zone_eligibilite` is the site's département.
"""

import datetime
import logging
import re
from dataclasses import dataclass

import pydantic
from data_inclusion.schema.v1 import (
    Frais,
    ModeAccueil,
    ModeMobilisation,
    PersonneMobilisatrice,
    Public,
    ReseauPorteur,
    Service,
    Structure,
    Thematique,
    TypeService,
)
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from ..models import Site
from .hours import osm_opening_hours

logger = logging.getLogger(__name__)

# The host structure's kind (network reference list, by code) -> the schema's network.
HOST_NETWORKS = {
    "maison-emploi": ReseauPorteur.MAISONS_DE_L_EMPLOI,
    "mission-locale": ReseauPorteur.MISSION_LOCALE,
    "france-travail": ReseauPorteur.FRANCE_TRAVAIL,
    "cap-emploi": ReseauPorteur.CAP_EMPLOI_RESEAU_CHEOPS,
    "cci": ReseauPorteur.CHAMBRES_CONSULAIRES,
    "cma": ReseauPorteur.CHAMBRES_CONSULAIRES,
    "chambre-agriculture": ReseauPorteur.CHAMBRES_CONSULAIRES,
    "information-jeunesse": ReseauPorteur.RESEAU_INFORMATION_JEUNESSE,
    "agefiph": ReseauPorteur.AGEFIPH,
    "region": ReseauPorteur.REGIONS,
}

T = Thematique
# The site's themes (sites reference list, by code) -> the schema's thematiques. "Mobilité" is
# geographic mobility, in France and abroad: the schema's "mobilite" is about transport, so only its
# international side has a match.
THEME_THEMATIQUES = {
    "metiers": [
        T.CHOISIR_UN_METIER__DECOUVRIR_UN_METIER_OU_UN_SECTEUR_DACTIVITE,
        T.CHOISIR_UN_METIER__CONNAITRE_LES_OPPORTUNITES_DEMPLOI,
    ],
    "emploi": [
        T.TROUVER_UN_EMPLOI__REPONDRE_A_DES_OFFRES_DEMPLOI,
        T.PREPARER_SA_CANDIDATURE__ORGANISER_SES_DEMARCHES_DE_RECHERCHE_DEMPLOI,
    ],
    "formation": [T.SE_FORMER__TROUVER_SA_FORMATION, T.SE_FORMER__MONTER_SON_DOSSIER_DE_FORMATION],
    "orientation": [
        T.CHOISIR_UN_METIER__IDENTIFIER_SES_POINTS_FORTS_ET_SES_COMPETENCES,
        T.CHOISIR_UN_METIER__CONFIRMER_SON_CHOIX_DE_METIER,
    ],
    "alternance": [T.SE_FORMER__TROUVER_SA_FORMATION],
    "creation-activite": [T.CREER_UNE_ENTREPRISE__DEFINIR_SON_PROJET_DE_CREATION_DENTREPRISE],
    "vae": [T.PREPARER_SA_CANDIDATURE__VALORISER_SES_COMPETENCES],
    "mobilite": [T.SOUVRIR_A_LINTERNATIONAL__CONNAITRE_LES_OPPORTUNITES_DEMPLOI_A_LETRANGER],
}


@dataclass(frozen=True)
class ServiceKind:
    key: str  # the end of the service's id, and the code of the site's service level it stands for
    nom: str
    type: TypeService
    description: str
    thematiques: tuple[Thematique, ...]
    always: bool = False
    mobilisation_precisions: str | None = None


SERVICE_KINDS = (
    ServiceKind(
        key="accueil-information",
        nom="Accueil et information sur les métiers, la formation et l'orientation",
        type=TypeService.INFORMATION,
        description=(
            "Accueil libre, gratuit et anonyme de toute personne qui s'interroge sur les métiers, "
            "l'emploi, la formation ou son orientation : centre de ressources en libre accès, premier "
            "niveau d'information par un conseiller et, si besoin, orientation vers le partenaire du "
            "service public régional de l'orientation le mieux placé pour répondre."
        ),
        thematiques=(
            T.CHOISIR_UN_METIER__DECOUVRIR_UN_METIER_OU_UN_SECTEUR_DACTIVITE,
            T.CHOISIR_UN_METIER__CONNAITRE_LES_OPPORTUNITES_DEMPLOI,
            T.SE_FORMER__TROUVER_SA_FORMATION,
        ),
        always=True,
        mobilisation_precisions="Sans rendez-vous ni inscription, aux heures d'ouverture.",
    ),
    ServiceKind(
        key="conseil-personnalise",
        nom="Conseil personnalisé en orientation et en évolution professionnelle",
        type=TypeService.ACCOMPAGNEMENT,
        description=(
            "Entretien avec un conseiller pour faire le point sur sa situation, explorer des métiers et "
            "des formations, et construire ou confirmer un projet professionnel. Gratuit et "
            "confidentiel, ce conseil correspond au deuxième niveau du conseil en évolution "
            "professionnelle."
        ),
        thematiques=(
            T.CHOISIR_UN_METIER__IDENTIFIER_SES_POINTS_FORTS_ET_SES_COMPETENCES,
            T.CHOISIR_UN_METIER__CONFIRMER_SON_CHOIX_DE_METIER,
            T.SE_FORMER__TROUVER_SA_FORMATION,
        ),
    ),
    ServiceKind(
        key="accompagnement",
        nom="Accompagnement du projet d'orientation et d'évolution professionnelle",
        type=TypeService.ACCOMPAGNEMENT,
        description=(
            "Accompagnement dans la durée pour mettre en œuvre un projet professionnel : recherche "
            "d'une formation et de son financement, validation des acquis de l'expérience, préparation "
            "des candidatures, en lien avec les partenaires du service public régional de "
            "l'orientation."
        ),
        thematiques=(
            T.SE_FORMER__MONTER_SON_DOSSIER_DE_FORMATION,
            T.PREPARER_SA_CANDIDATURE__VALORISER_SES_COMPETENCES,
            T.CHOISIR_UN_METIER__CONFIRMER_SON_CHOIX_DE_METIER,
        ),
    ),
)

# Validation context of the schema's models: warnings count as errors (data_inclusion.schema.validation).
STRICT = {"ignore_warnings": False}

_FRENCH_NUMBER = re.compile(r"0[1-9]\d{8}")
# Overseas numbers have their own country codes (+262, +590…): they stay in the national format.
_OVERSEAS = re.compile(r"0(?:26[239]|59[046]|639|69\d)")
_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")
_DEPARTEMENT = re.compile(r"\w{2,3}")


def source() -> str:
    """The producer's identifier in the schema's `source` field."""
    return slugify(settings.SPRO_PLATFORM_NAME) or "spro-hub"


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _name(site: Site) -> str:
    """3 to 150 characters, not ending with a full stop (a warning of the schema)."""
    name = _text(site.name)
    while name.endswith(".") and not name.endswith("etc."):
        name = name[:-1].rstrip()
    if len(name) < 3:
        name = f"{site.kind.label} {name}".strip()
    if len(name) > 150:
        name = name[:149].rstrip() + "…"
    return name


def _description(text: str) -> str | None:
    text = (text or "").strip()
    if len(text) < 5:
        return None
    return text[:10000]


def _phone(text: str) -> str | None:
    compact = re.sub(r"[\s.\-/()]", "", text or "")
    if _FRENCH_NUMBER.fullmatch(compact) and not _OVERSEAS.match(compact):
        return "+33" + compact[1:]
    # Text with too few digits to hold a phone number ("pas de téléphone") is no number.
    if len(re.sub(r"\D", "", compact)) < 8:
        return None
    return _text(text)


def _postcode(text: str) -> str | None:
    text = (text or "").strip()
    return text if _POSTCODE.fullmatch(text) else None


def _insee_code(site: Site) -> str | None:
    codes = {t.code for t in site.territories.all() if t.kind.code == "commune" and _INSEE.fullmatch(t.code)}
    return codes.pop() if len(codes) == 1 else None


def _accessibility(text: str) -> str | None:
    text = (text or "").strip()
    if re.fullmatch(r"https://(?:[\w-]+\.)*acceslibre\.(?:beta\.)?gouv\.fr/\S*", text):
        return text
    return None


def _coordinate(value) -> float | None:
    return None if value is None else float(value)


def update_date(site: Site) -> datetime.date:
    """The day of the site's latest history record (its last update without history), never a day
    after today (the schema refuses a date in the future, and checks it against the server's day)."""
    moment = getattr(site, "history_latest", None) or site.updated_at
    day = timezone.localdate(moment)
    return min(day, datetime.date.today())


def _validated(model, record: dict) -> dict | None:
    """The record as the schema's model reads it (warnings included), in its JSON form.

    An optional field the model refuses is left empty, and the refusal logged; a record whose
    required fields are refused is left out (it cannot happen with the values built here).
    """
    record = dict(record)
    while True:
        try:
            instance = model.model_validate(record, context=STRICT)
        except pydantic.ValidationError as error:
            fields = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
            required = {name for name in fields if model.model_fields[name].is_required()}
            logger.warning("Donnée ouverte %s %s : champs refusés %s", model.__name__, record["id"], fields)
            if required or not fields:
                return None
            record.update(dict.fromkeys(fields))
            continue
        data = instance.model_dump(mode="json")
        # Sets come out in no particular order: sorted, the files stay the same from one day to the next.
        for name, field in model.model_fields.items():
            if isinstance(data.get(name), list) and "set[" in str(field.annotation):
                data[name] = sorted(data[name])
        return data


def structure_record(site: Site, *, base_url: str) -> dict:
    """The site as a data·inclusion structure, before validation."""
    network = HOST_NETWORKS.get(site.host.kind.code)
    return {
        "source": source(),
        "id": site.slug,
        "nom": _name(site),
        "date_maj": update_date(site),
        "description": _description(site.public_description),
        "lien_source": base_url + site.get_absolute_url(),
        "siret": None,
        "commune": _text(site.commune) or None,
        "code_postal": _postcode(site.postcode),
        "code_insee": _insee_code(site),
        "adresse": _text(site.address) or None,
        "complement_adresse": None,
        "longitude": _coordinate(site.longitude),
        "latitude": _coordinate(site.latitude),
        "telephone": _phone(site.phone),
        "courriel": site.email or None,
        "site_web": site.website or None,
        "horaires_accueil": osm_opening_hours(site.opening_hours),
        "accessibilite_lieu": _accessibility(site.accessibility),
        "reseaux_porteurs": [network] if network else None,
    }


def _service_kinds(site: Site) -> list[ServiceKind]:
    offered = {level.code for level in site.service_levels.all()}
    return [kind for kind in SERVICE_KINDS if kind.always or kind.key in offered]


def service_records(site: Site, *, base_url: str) -> list[dict]:
    """The site's services in the data·inclusion schema, before validation."""
    phone, email = _phone(site.phone), site.email or None
    site_thematiques = {t for theme in site.themes.all() for t in THEME_THEMATIQUES.get(theme.code, [])}
    modes_accueil = [ModeAccueil.EN_PRESENTIEL] + ([ModeAccueil.A_DISTANCE] if phone or email else [])
    modes_mobilisation = [ModeMobilisation.SE_PRESENTER]
    if phone:
        modes_mobilisation.append(ModeMobilisation.TELEPHONER)
    if email:
        modes_mobilisation.append(ModeMobilisation.ENVOYER_UN_COURRIEL)
    departement = site.departement.code
    records = []
    for kind in _service_kinds(site):
        records.append(
            {
                "source": source(),
                "structure_id": site.slug,
                "id": f"{site.slug}--{kind.key}",
                "nom": kind.nom,
                "description": kind.description,
                "lien_source": base_url + site.get_absolute_url(),
                "date_maj": update_date(site),
                "type": kind.type,
                "thematiques": sorted(set(kind.thematiques) | site_thematiques),
                "frais": Frais.GRATUIT,
                "frais_precisions": None,
                "publics": [Public.TOUS_PUBLICS],
                "publics_precisions": None,
                "conditions_acces": "Aucune : accueil gratuit et anonyme, sans inscription.",
                "commune": _text(site.commune) or None,
                "code_postal": _postcode(site.postcode),
                "code_insee": _insee_code(site),
                "adresse": _text(site.address) or None,
                "complement_adresse": None,
                "longitude": _coordinate(site.longitude),
                "latitude": _coordinate(site.latitude),
                "telephone": phone,
                "courriel": email,
                "modes_accueil": modes_accueil,
                "zone_eligibilite": [departement] if _DEPARTEMENT.fullmatch(departement or "") else None,
                "contact_nom_prenom": None,
                "lien_mobilisation": None,
                "modes_mobilisation": modes_mobilisation,
                "mobilisable_par": [PersonneMobilisatrice.USAGERS, PersonneMobilisatrice.PROFESSIONNELS],
                "mobilisation_precisions": kind.mobilisation_precisions,
                "volume_horaire_hebdomadaire": None,
                "nombre_semaines": None,
                "horaires_accueil": None,
            }
        )
    return records


def structures(sites, *, base_url: str) -> list[dict]:
    """Validated structure records of the sites (published_sites())."""
    records = (_validated(Structure, structure_record(site, base_url=base_url)) for site in sites)
    return [record for record in records if record is not None]


def services(sites, *, base_url: str) -> list[dict]:
    """Validated service records of the sites (published_sites())."""
    records = (
        _validated(Service, record) for site in sites for record in service_records(site, base_url=base_url)
    )
    return [record for record in records if record is not None]


STRUCTURE_FIELDS = list(Structure.model_fields)
SERVICE_FIELDS = list(Service.model_fields)
