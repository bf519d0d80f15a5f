"""Factories of the events app (events with one date, kinds, programmes, monthly themes)."""

import datetime
import zoneinfo

import factory

from events.enums import EventStatus
from events.models import Event, EventDate, EventKind, MonthlyTheme, TerritorialProgramme
from tests.factories import SiteFactory, TerritoryFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class EventKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventKind
        django_get_or_create = ("code",)

    code = "forum"
    label = "Forum"


class EventFactory(factory.django.DjangoModelFactory):
    """An event of one site, published, with one date (10:00–12:00, Paris time) on `day`.

    EventFactory(day=datetime.date(2026, 6, 20), sites=[site]) ; `sites` defaults to a new site.
    """

    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Forum des métiers n° {n}")
    description = "Rencontrez des professionnels de l'industrie et de la santé."
    kind = factory.SubFactory(EventKindFactory)
    place_name = "Espace métiers"
    address = "2 rue de la Paix"
    postcode = "51100"
    commune = "Reims"
    capacity = 80
    status = EventStatus.CONFIRMED
    published = True

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(extracted if extracted is not None else [SiteFactory()])

    @factory.post_generation
    def dates(self, create, extracted, **kwargs):
        """dates=[(start, end), …] (aware datetimes); by default one date, see `day`."""
        if create and extracted:
            for start, end in extracted:
                EventDate.objects.create(event=self, start=start, end=end)

    @factory.post_generation
    def day(self, create, extracted, **kwargs):
        """day=datetime.date(…): the default single date, 10:00–12:00 Paris time (20 June 2026)."""
        if create and not self.dates.exists():
            day = extracted or datetime.date(2026, 6, 20)
            EventDate.objects.create(
                event=self,
                start=datetime.datetime.combine(day, datetime.time(10), tzinfo=PARIS),
                end=datetime.datetime.combine(day, datetime.time(12), tzinfo=PARIS),
            )


class TerritorialProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritorialProgramme

    territory = factory.SubFactory(TerritoryFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"Programme territorial n° {n}")


class MonthlyThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyTheme

    site = factory.SubFactory(SiteFactory)
    month = datetime.date(2026, 6, 1)
    title = "Le mois de l'industrie"
