import pytest

from sites.models import ServiceLevel, Theme
from stats.models import AgeBand, Channel, ContactKind, EducationLevel, ReferralTarget, Sex, Situation


def _items(model, *codes):
    return [
        model.objects.get_or_create(code=code, defaults={"label": code.title(), "order": n})[0]
        for n, code in enumerate(codes)
    ]


class Refs:
    """A small set of every reference list, by attribute."""

    def __init__(self):
        self.contact_kinds = _items(ContactKind, "visite", "telephone")
        self.sexes = _items(Sex, "femme", "homme")
        self.age_bands = _items(AgeBand, "moins-26", "26-44", "45-plus")
        self.situations = _items(Situation, "demandeur-emploi", "salarie", "scolaire")
        self.education_levels = _items(EducationLevel, "infra-bac", "bac", "bac-plus")
        self.channels = _items(Channel, "bouche-a-oreille", "prescripteur")
        self.themes = _items(Theme, "metiers", "emploi", "formation")
        self.service_levels = _items(ServiceLevel, "accueil", "conseil", "accompagnement")
        self.referrals = _items(ReferralTarget, "france-travail", "mission-locale", "cio")


@pytest.fixture
def refs(db):
    return Refs()
