"""`manage.py bench_agenda`: two years of events, then the public agenda's list and full iCalendar
feed timed on them.

    DEBUG=1 .venv/bin/python manage.py bench_agenda [--events 2000] [--sites 20] [--runs 20]

Everything happens in a throwaway database (Django's test database of the configured one: in
memory for SQLite, `test_<name>` for PostgreSQL), created, migrated and destroyed by the command:
the real data is never touched. Events: one year back and one year ahead, a tenth of them on two
days, 90 % published, some cancelled or postponed, one or two organising sites each, themes, publics
and partners. Each page is called twice to warm up, once to count its queries, then `--runs` times
(django.test.Client, anonymous: the whole Django stack, middleware and template included); the
figures are the median and the 95th percentile.
"""

import datetime
import random
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment
from django.urls import reverse
from django.utils import timezone

from events.enums import AttendanceMode, EventStatus, Registration
from events.models import Event, EventDate, EventKind
from network.models import Organisation, OrganisationKind, Territory, TerritoryKind
from sites.enums import LabelStatus
from sites.models import Site, SiteKind, Theme
from stats.models import Situation

KINDS = [
    "forum",
    "salon",
    "job-dating",
    "atelier",
    "information-collective",
    "visite-entreprise",
    "conference",
]
WORDS = ["métiers", "industrie", "santé", "numérique", "alternance", "bâtiment", "transport", "agriculture"]


class Command(BaseCommand):
    help = "Temps et requêtes de l'agenda public (liste, flux iCalendar) sur deux ans d'événements."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=2000)
        parser.add_argument("--sites", type=int, default=20)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, events, sites, runs, seed, **options):
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            started = time.perf_counter()
            self._generate(events=events, sites=sites, rng=random.Random(seed))
            published = Event.objects.published().count()
            self.stdout.write(
                f"Données : {Event.objects.count()} événements ({published} publiés), "
                f"{EventDate.objects.count()} dates, {Site.objects.count()} sites, "
                f"{time.perf_counter() - started:.1f} s ({connection.vendor})."
            )
            self._measure(runs)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()

    def _generate(self, *, events: int, sites: int, rng: random.Random) -> None:
        departement_kind, _ = TerritoryKind.objects.get_or_create(
            code="departement", defaults={"label": "Département"}
        )
        agency_kind, _ = TerritoryKind.objects.get_or_create(
            code="agence", defaults={"label": "Agence territoriale"}
        )
        departements = [
            Territory.objects.get_or_create(kind=departement_kind, code=code, defaults={"name": name})[0]
            for code, name in [("08", "Ardennes"), ("10", "Aube"), ("51", "Marne"), ("52", "Haute-Marne")]
        ]
        agencies = [
            Territory.objects.get_or_create(
                kind=agency_kind, code=f"AT{n}", defaults={"name": f"Agence {n}"}
            )[0]
            for n in range(1, 4)
        ]
        site_kind, _ = SiteKind.objects.get_or_create(
            code="espace-metiers", defaults={"label": "Espace métiers"}
        )
        organisation_kind, _ = OrganisationKind.objects.get_or_create(
            code="bench", defaults={"label": "Bench"}
        )
        hosts = Organisation.objects.bulk_create(
            Organisation(name=f"Structure {n}", kind=organisation_kind) for n in range(sites)
        )
        partners = Organisation.objects.bulk_create(
            Organisation(
                name=f"Partenaire {n}", kind=organisation_kind, website=f"https://partenaire{n}.example"
            )
            for n in range(10)
        )
        site_rows = Site.objects.bulk_create(
            Site(
                name=f"Espace métiers {n:02d}",
                slug=f"bench-{n:02d}",
                kind=site_kind,
                host=hosts[n],
                commune=f"Commune {n}",
                postcode=f"51{n:03d}",
                address=f"{n} rue de la Gare",
                departement=departements[n % len(departements)],
                label_status=LabelStatus.LABELLED,
            )
            for n in range(sites)
        )
        Site.territories.through.objects.bulk_create(
            Site.territories.through(site=site, territory=agencies[n % len(agencies)])
            for n, site in enumerate(site_rows)
        )
        kinds = [EventKind.objects.get_or_create(code=code, defaults={"label": code})[0] for code in KINDS]
        themes = [Theme.objects.get_or_create(code=f"bench-{w}", defaults={"label": w})[0] for w in WORDS]
        publics = [
            Situation.objects.get_or_create(code=f"bench-{n}", defaults={"label": f"Public {n}"})[0]
            for n in range(5)
        ]
        today = timezone.localdate()
        rows, days = [], []
        for n in range(events):
            day = today + datetime.timedelta(days=rng.randint(-365, 365))
            roll = rng.random()
            status = EventStatus.CONFIRMED
            if roll < 0.05:
                status = EventStatus.CANCELLED
            elif roll < 0.08:
                status = EventStatus.POSTPONED
            elif day < today:
                status = EventStatus.HELD
            mode = rng.choices(list(AttendanceMode), weights=[8, 1, 1])[0]
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(rng.choice([9, 10, 14])))
            )
            rows.append(
                Event(
                    title=f"{rng.choice(KINDS).capitalize()} {rng.choice(WORDS)} n° {n}",
                    description="Rencontres avec des professionnels, des formations et des employeurs. " * 3,
                    kind=rng.choice(kinds),
                    mode=mode,
                    place_name="Salle des fêtes",
                    address=f"{n % 90 + 1} place de la Mairie",
                    postcode="51100",
                    commune="Reims",
                    online_url="https://visio.example/salle" if mode != AttendanceMode.IN_PERSON else "",
                    capacity=rng.choice([None, 30, 80, 200]),
                    registration=rng.choice(list(Registration)),
                    status=status,
                    cancellation_reason="Intempéries" if status == EventStatus.CANCELLED else "",
                    previous_start=start - datetime.timedelta(days=14)
                    if status == EventStatus.POSTPONED
                    else None,
                    published=rng.random() < 0.9,
                    sequence=rng.randint(0, 3),
                )
            )
            days.append((start, 2 if rng.random() < 0.1 else 1))
        rows = Event.objects.bulk_create(rows)
        EventDate.objects.bulk_create(
            EventDate(
                event=event,
                start=start + datetime.timedelta(days=offset),
                end=start + datetime.timedelta(days=offset, hours=3),
            )
            for event, (start, count) in zip(rows, days, strict=True)
            for offset in range(count)
        )
        Event.sites.through.objects.bulk_create(
            Event.sites.through(event=event, site=site)
            for event in rows
            for site in rng.sample(site_rows, rng.choice([1, 1, 1, 2]))
        )
        Event.themes.through.objects.bulk_create(
            Event.themes.through(event=event, theme=theme)
            for event in rows
            for theme in rng.sample(themes, 2)
        )
        Event.publics.through.objects.bulk_create(
            Event.publics.through(event=event, situation=public)
            for event in rows
            for public in rng.sample(publics, 2)
        )
        Event.partners.through.objects.bulk_create(
            Event.partners.through(event=event, organisation=rng.choice(partners))
            for event in rows
            if rng.random() < 0.4
        )

    def _measure(self, runs: int) -> None:
        client = Client()
        site = Site.objects.order_by("slug").first()
        pages = [
            ("Liste, première page (à venir)", reverse("agenda:list")),
            ("Liste filtrée, page 2", reverse("agenda:list") + f"?site={site.slug}&format=sur-place&page=2"),
            ("Calendrier du mois", reverse("agenda:calendar")),
            ("Page d'un événement", Event.objects.published().order_by("pk").first().get_public_url()),
            ("Flux iCalendar complet", reverse("agenda:feed")),
            ("Flux iCalendar d'un site", reverse("agenda:site_feed", kwargs={"slug": site.slug})),
        ]
        self.stdout.write(f"{'page':<36} {'requêtes':>8} {'médiane':>9} {'p95':>9} {'taille':>9}")
        for label, url in pages:
            if url == reverse("agenda:feed"):
                cache.clear()
                started = time.perf_counter()
                client.get(url)
                self.stdout.write(
                    f"{'Flux complet, cache vide (1er appel)':<36} {'':>8} "
                    f"{(time.perf_counter() - started) * 1000:>7.1f}ms"
                )
            for _ in range(2):
                client.get(url)
            reset_queries()  # with DEBUG on, the log already holds the warm-up's queries
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            self.stdout.write(
                f"{label:<36} {len(queries):>8} {statistics.median(timings):>7.1f}ms {p95:>7.1f}ms "
                f"{len(response.content) / 1024:>7.0f}Ko"
            )
