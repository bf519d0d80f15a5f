"""The data dictionary of the structures and services files, in French: field, type, meaning.

Types and the list of fields come from the schema's models; the meanings say what the platform puts
there (datainclusion.py). A field of the schema missing here is still listed, with the schema's own
description.
"""

from dataclasses import dataclass

from data_inclusion.schema.v1 import Service, Structure

from .files import LIST_SEPARATOR


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str


_LIST = f"liste (CSV : valeurs séparées par « {LIST_SEPARATOR} »)"

TYPES = {
    "date_maj": "date (AAAA-MM-JJ)",
    "longitude": "nombre décimal (WGS 84)",
    "latitude": "nombre décimal (WGS 84)",
    "volume_horaire_hebdomadaire": "nombre décimal",
    "nombre_semaines": "entier",
    "reseaux_porteurs": _LIST,
    "thematiques": _LIST,
    "publics": _LIST,
    "modes_accueil": _LIST,
    "modes_mobilisation": _LIST,
    "mobilisable_par": _LIST,
    "zone_eligibilite": _LIST,
    "lien_source": "URL",
    "site_web": "URL",
    "accessibilite_lieu": "URL",
    "lien_mobilisation": "URL",
    "courriel": "courriel",
}

COMMON = {
    "source": "Producteur de la donnée : la plateforme de coordination du réseau (« spro-hub »).",
    "nom": "Nom du site (structure) ou du service.",
    "date_maj": "Date de la dernière modification de la fiche du site (son historique).",
    "lien_source": "Adresse de la fiche publique du site sur la plateforme.",
    "commune": "Commune du site.",
    "code_postal": "Code postal du site (5 chiffres), vide s'il n'est pas au bon format.",
    "code_insee": "Code officiel géographique de la commune, vide s'il n'est pas connu.",
    "adresse": "Adresse du site.",
    "complement_adresse": "Toujours vide.",
    "longitude": "Longitude du site.",
    "latitude": "Latitude du site.",
    "telephone": "Téléphone du site, au format international (+33…) pour un numéro français.",
    "courriel": "Courriel de contact du site.",
    "horaires_accueil": (
        "Horaires d'ouverture au format OpenStreetMap, quand ceux saisis par le site se lisent "
        "entièrement ainsi ; vide sinon (les horaires en clair sont sur la fiche du site)."
    ),
}

STRUCTURE_MEANINGS = {
    **COMMON,
    "id": "Identifiant du site sur la plateforme (celui de l'adresse de sa fiche).",
    "description": "Présentation du site.",
    "siret": "Toujours vide (non connu de la plateforme).",
    "site_web": "Site web du site.",
    "accessibilite_lieu": "Lien vers la fiche Accès libre du lieu, quand le site en a donné un.",
    "reseaux_porteurs": (
        "Réseau de la structure porteuse (Maisons de l'emploi, Missions locales…), quand le schéma en "
        "a un pour son type."
    ),
}

SERVICE_MEANINGS = {
    **COMMON,
    "structure_id": "Identifiant du site qui rend le service (champ id des structures).",
    "id": "Identifiant du service : identifiant du site, « -- », puis le code du service.",
    "description": "Description du service.",
    "type": "Type de service : « information » pour l'accueil, « accompagnement » pour le conseil.",
    "thematiques": "Thématiques du service, selon les thèmes proposés par le site.",
    "frais": "Toujours « gratuit ».",
    "frais_precisions": "Toujours vide.",
    "publics": "Toujours « tous-publics ».",
    "publics_precisions": "Toujours vide.",
    "conditions_acces": "Conditions d'accès : aucune.",
    "modes_accueil": "En présentiel, et à distance quand le site a un téléphone ou un courriel.",
    "zone_eligibilite": "Code du département du site.",
    "contact_nom_prenom": "Toujours vide : aucune donnée personnelle n'est publiée.",
    "lien_mobilisation": "Toujours vide.",
    "modes_mobilisation": "Se présenter, téléphoner ou envoyer un courriel, selon les contacts du site.",
    "mobilisable_par": "Usagers et professionnels.",
    "mobilisation_precisions": "Précisions sur la façon de venir (sans rendez-vous pour l'accueil).",
    "volume_horaire_hebdomadaire": "Toujours vide.",
    "nombre_semaines": "Toujours vide.",
}


def _columns(model, meanings: dict) -> list[Column]:
    columns = []
    for name, field in model.model_fields.items():
        kind = TYPES.get(name, "texte")
        required = " (obligatoire)" if field.is_required() else ""
        meaning = meanings.get(name) or " ".join((field.description or "").split())
        columns.append(Column(name, kind + required, meaning))
    return columns


def structure_columns() -> list[Column]:
    return _columns(Structure, STRUCTURE_MEANINGS)


def service_columns() -> list[Column]:
    return _columns(Service, SERVICE_MEANINGS)
