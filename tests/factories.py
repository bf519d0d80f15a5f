"""factory_boy factories. Reference rows are looked up by code, so tests and seeds share them."""

import datetime

import factory
from django.utils import timezone

from network.enums import Role
from network.models import Organisation, OrganisationKind, RoleAssignment, Territory, TerritoryKind, User
from sites.enums import LabelStatus
from sites.models import CoordinatorAssignment, ServiceLevel, Site, SiteKind, Theme


class TerritoryKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryKind
        django_get_or_create = ("code",)

    code = "departement"
    label = "Département"
    order = 2


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("kind", "code")

    kind = factory.SubFactory(TerritoryKindFactory)
    code = factory.Sequence(lambda n: f"{n + 10:02d}")
    name = factory.Sequence(lambda n: f"Département {n}")


class OrganisationKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationKind
        django_get_or_create = ("code",)

    code = "maison-emploi"
    label = "Maison de l'emploi"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Maison de l'emploi n° {n}")
    kind = factory.SubFactory(OrganisationKindFactory)
    commune = "Reims"
    departement = factory.SubFactory(TerritoryFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"personne{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@exemple.fr")
    password = factory.django.Password("mot-de-passe-de-test")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.REGIONAL_COORDINATOR
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class SiteKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteKind
        django_get_or_create = ("code",)

    code = "espace-metiers"
    label = "Espace métiers"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"theme-{n}")
    label = factory.Sequence(lambda n: f"Thème {n}")


class ServiceLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLevel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"niveau-{n}")
    label = factory.Sequence(lambda n: f"Niveau {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Espace métiers n° {n}")
    slug = factory.Sequence(lambda n: f"espace-metiers-{n}")
    kind = factory.SubFactory(SiteKindFactory)
    host = factory.SubFactory(OrganisationFactory)
    commune = "Reims"
    postcode = "51100"
    departement = factory.SubFactory(TerritoryFactory)
    label_status = LabelStatus.LABELLED
    labelled_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400))
    label_renewal_due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=700))
    opening_hours = "Lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h"


class CoordinatorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoordinatorAssignment

    site = factory.SubFactory(SiteFactory)
    user = factory.SubFactory(UserFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
