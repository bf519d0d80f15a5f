"""`manage.py bench_stats`: build a region's worth of visits and time the statistics pages on it.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/spro_bench manage.py bench_stats \\
        [--sites 50] [--visits 5000000] [--years 10] [--runs 20] [--keep] [--reuse]

Steps: create the database if it doesn't exist and migrate it; generate the sites, periods, visits
(server-side, INSERT … SELECT with random()), their themes and referrals, the monthly totals of two
aggregate sites and some satisfaction questionnaires; VACUUM ANALYZE; time the full roll-up
rebuild; then time, over --runs runs, the regional dashboard for last year and over the ten years,
an average site's dashboard and one visit entry (the service alone, then the desk), through the
views (django.test.Client, logged in as a regional or site coordinator), or through the selectors
they call when a view does not exist. At the end the database is dropped, unless --keep.
How to read the figures, and those measured: bench/README.md.

Safety: it refuses SQLite (a benchmark there measures nothing useful) unless --allow-sqlite, and a
database holding sites other than its own unless --force; with --force it never drops the database
nor its indexes, it deletes its own rows instead.
"""

import datetime
import math
import os
import random
import statistics
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from network.enums import Role
from network.models import Organisation, OrganisationKind, RoleAssignment, Territory, TerritoryKind, User
from sites.enums import LabelStatus
from sites.models import CoordinatorAssignment, LabelStatusChange, ServiceLevel, Site, SiteKind, Theme
from stats import demo, rollups, selectors, services
from stats.enums import Dimension, PeriodMode, PeriodStatus
from stats.models import (
    AggregateCount,
    MonthlyCount,
    MonthlyCrossCount,
    Period,
    PeriodEvent,
    SatisfactionAnswer,
    SatisfactionQuestion,
    SatisfactionResponse,
    Visit,
    YearlyCount,
    YearlyCrossCount,
    first_of_month,
    next_month,
)

PREFIX = "bench-"
COORDINATOR = "bench-coordination"
SITE_COORDINATOR = "bench-ctem"
AGGREGATE_SITES = 2
# Targets on the reference machine (2 cores), in milliseconds.
TARGETS = {
    "region_year": 150,
    "region_range": 150,
    "site_dashboard": None,
    "visit_service": None,
    "visit_desk": 50,
    "visit_desk_big": None,
}
LABELS = {
    "region_year": "Tableau de bord régional, année précédente (avec la tendance sur 10 ans)",
    "region_range": "Tableau de bord régional, période de 10 ans (toutes les ventilations)",
    "site_dashboard": "Tableau de bord d'un site moyen, année précédente",
    "visit_service": "Saisie d'un passage, service seul (site moyen)",
    "visit_desk": "Saisie d'un passage à l'accueil (site moyen)",
    "visit_desk_big": "Saisie d'un passage à l'accueil (plus gros site)",
}
REBUILD_TARGET_S = 300


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Dialect:
    """The few SQL pieces PostgreSQL and SQLite write differently."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    @property
    def rand(self) -> str:
        # SQLite's random() is a signed 64-bit integer.
        return "random()" if self.pg else "(random() / 18446744073709551616.0 + 0.5)"

    def to_int(self, expression: str) -> str:
        return f"floor({expression})::int" if self.pg else f"CAST({expression} AS INTEGER)"

    def add_days(self, day: str, days: str) -> str:
        return f"({day} + {days})" if self.pg else f"date({day}, '+' || ({days}) || ' days')"

    def at_ten(self, day: str) -> str:
        return f"({day} + time '10:00')" if self.pg else f"datetime({day}, '+10 hours')"

    def series(self, alias: str, count: str) -> str:
        if self.pg:
            return f"CROSS JOIN LATERAL generate_series(1, {count}) AS {alias}(i)"
        return f"JOIN bench_seq {alias} ON {alias}.i <= {count}"


def _pick(weights: dict, ids: dict, r: str) -> str:
    """A weighted draw as SQL: CASE on one uniform random column; None stands for 'not given'."""
    pairs = [
        (ids[code] if code is not None else None, w)
        for code, w in weights.items()
        if code is None or code in ids
    ]
    total = sum(w for _i, w in pairs)
    branches, cumulated = [], 0.0
    for item, weight in pairs[:-1]:
        cumulated += weight / total
        branches.append(f"WHEN {r} < {cumulated:.6f} THEN {'NULL' if item is None else item}")
    last = pairs[-1][0]
    return f"CASE {' '.join(branches)} ELSE {'NULL' if last is None else last} END"


def _marginal(conditional: dict, situation_weights: dict, default: dict | None = None) -> dict:
    """P(value) = Σ P(value | situation) P(situation), from the demo's conditional tables."""
    result = {}
    total_situations = sum(situation_weights.values())
    for situation, weight in situation_weights.items():
        table = conditional.get(situation, default if default is not None else conditional[None])
        table_total = sum(table.values())
        for value, w in table.items():
            result[value] = result.get(value, 0) + w / table_total * weight / total_situations
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = (
        "Banc d'essai des statistiques : génère une région (50 sites, 5 millions de passages sur 10 ans "
        "par défaut) dans une base PostgreSQL dédiée, chronomètre la reconstruction des tables de "
        "synthèse et les tableaux de bord, puis supprime la base (sauf --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=50, help="Nombre de sites (défaut : 50).")
        parser.add_argument("--visits", type=int, default=5_000_000, help="Passages détaillés à générer.")
        parser.add_argument("--years", type=int, default=10, help="Années d'historique (défaut : 10).")
        parser.add_argument("--runs", type=int, default=20, help="Mesures par page (médiane et p95).")
        parser.add_argument(
            "--seed",
            type=int,
            default=2009,
            help="Graine du générateur (données identiques d'un lancement à l'autre sur PostgreSQL).",
        )
        parser.add_argument("--keep", action="store_true", help="Garder la base à la fin.")
        parser.add_argument(
            "--reuse", action="store_true", help="Réutiliser les données d'un lancement précédent (--keep)."
        )
        parser.add_argument(
            "--skip-rebuild",
            action="store_true",
            help="Avec --reuse : garder les tables de synthèse telles quelles (mesures seules).",
        )
        parser.add_argument("--allow-sqlite", action="store_true", help="Accepter SQLite (essai rapide).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Accepter une base contenant d'autres sites (jamais supprimée).",
        )

    # --- orchestration -------------------------------------------------------------------------

    def handle(self, *args, **options):
        vendor = connection.vendor
        if vendor == "sqlite" and not options["allow_sqlite"]:
            raise CommandError(
                "Le banc d'essai se lance sur PostgreSQL (DATABASE_URL) ; --allow-sqlite pour un essai local."
            )
        if vendor not in ("postgresql", "sqlite"):
            raise CommandError(f"Base non prise en charge : {vendor}.")
        if options["sites"] < AGGREGATE_SITES + 4 or options["years"] < 2 or options["visits"] < 1:
            raise CommandError(f"Il faut au moins {AGGREGATE_SITES + 4} sites, 2 ans et 1 passage.")
        self.sql = Dialect(vendor)
        self.options = options
        self.today = timezone.localdate()
        self._ensure_database()
        call_command("migrate", verbosity=0, interactive=False)
        foreign = Site.objects.exclude(slug__startswith=PREFIX).count()
        if foreign and not options["force"]:
            raise CommandError(
                f"La base contient {foreign} site(s) hors banc d'essai : utilisez une base dédiée "
                "(DATABASE_URL) ou --force."
            )
        self.dedicated = not foreign
        self._line(
            f"Base {connection.settings_dict['NAME']} ({vendor}), "
            f"{options['sites']} sites, {options['visits']:,} passages, {options['years']} ans "
            f"(charge de la machine : {os.getloadavg()[0]:.1f}, {os.cpu_count()} cœurs)."
        )
        # Queries are not logged (DEBUG would keep every one of them in memory).
        # The test client's host is allowed for the measurements.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            if options["reuse"] and Visit.objects.filter(site__slug__startswith=PREFIX).exists():
                self._line("Données existantes réutilisées.")
            else:
                with self._stage("Génération des données"):
                    self._clear()
                    self._build()
            with self._stage("VACUUM ANALYZE" if self.sql.pg else "ANALYZE"):
                self._analyze()
            rebuild_s = None
            if not (options["reuse"] and options["skip_rebuild"]):
                with self._stage("Reconstruction complète des tables de synthèse") as stage:
                    written = rollups.rebuild()
                rebuild_s = stage["seconds"]
                self._line(
                    f"  {written['monthly']:,} cellules mensuelles, {written['cross']:,} cellules croisées, "
                    f"{written['yearly']:,} annuelles, {written['yearly_cross']:,} croisées annuelles, "
                    f"{written['region_yearly']:,} annuelles régionales, "
                    f"{written['satisfaction']:,} + {written['satisfaction_yearly']:,} de satisfaction."
                )
                with self._stage("VACUUM ANALYZE après reconstruction" if self.sql.pg else "ANALYZE"):
                    self._analyze()
            with self._stage("Mesures"):
                results = self._measure()
        self._report(results, rebuild_s)
        if not options["keep"]:
            self._cleanup()

    def _line(self, text: str = "") -> None:
        self.stdout.write(text)
        self.stdout.flush()

    @contextmanager
    def _stage(self, label: str):
        self._line(f"{label}…")
        stage = {}
        started = time.perf_counter()
        yield stage
        stage["seconds"] = time.perf_counter() - started
        self._line(f"  {label} : {stage['seconds']:.1f} s")

    # --- database life cycle -------------------------------------------------------------------

    def _ensure_database(self) -> None:
        if not self.sql.pg:
            return
        try:
            connection.ensure_connection()
        except OperationalError:
            name = connection.settings_dict["NAME"]
            self._line(f"Création de la base {name}.")
            # The maintenance connection Django itself uses to create test databases.
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            connection.close()

    def _cleanup(self) -> None:
        name = connection.settings_dict["NAME"]
        if self.sql.pg and self.dedicated:
            connection.close()
            for alias in connections:
                connections[alias].close()
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {connection.ops.quote_name(name)}")
            self._line(f"Base {name} supprimée (--keep pour la garder).")
        else:
            self._clear()
            reason = "la base contient d'autres données" if not self.dedicated else "base SQLite conservée"
            self._line(f"Données du banc d'essai supprimées ({reason}).")

    def _clear(self) -> None:
        """Remove the rows of a previous run: its sites, their statistics, its accounts."""
        site_ids = list(Site.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
        with transaction.atomic(), connection.cursor() as cursor:
            if site_ids:
                ids = ", ".join(str(i) for i in site_ids)
                visits = f"SELECT id FROM {_table(Visit)} WHERE site_id IN ({ids})"
                periods = f"SELECT id FROM {_table(Period)} WHERE site_id IN ({ids})"
                responses = f"SELECT id FROM {_table(SatisfactionResponse)} WHERE site_id IN ({ids})"
                statements = [
                    f"DELETE FROM {_table(Visit.themes.through)} WHERE visit_id IN ({visits})",
                    f"DELETE FROM {_table(Visit.referrals.through)} WHERE visit_id IN ({visits})",
                    f"DELETE FROM {_table(Visit)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(AggregateCount)} WHERE period_id IN ({periods})",
                    f"DELETE FROM {_table(PeriodEvent)} WHERE period_id IN ({periods})",
                    f"DELETE FROM {_table(Period)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(MonthlyCount)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(MonthlyCrossCount)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(YearlyCount)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(YearlyCrossCount)} WHERE site_id IN ({ids})",
                    f"DELETE FROM {_table(SatisfactionAnswer)} WHERE response_id IN ({responses})",
                    f"DELETE FROM {_table(SatisfactionResponse)} WHERE site_id IN ({ids})",
                ]
                if self.dedicated and self.sql.pg:
                    # Nothing else lives here: emptying the big tables is much faster than deleting.
                    big = [
                        Visit.themes.through,
                        Visit.referrals.through,
                        Visit,
                        MonthlyCount,
                        MonthlyCrossCount,
                        YearlyCount,
                        YearlyCrossCount,
                    ]
                    statements = [f"TRUNCATE {', '.join(_table(m) for m in big)}", *statements[3:]]
                for statement in statements:
                    cursor.execute(statement)
            CoordinatorAssignment.objects.filter(site_id__in=site_ids).delete()
            LabelStatusChange.objects.filter(site_id__in=site_ids).delete()
            Site.history.filter(slug__startswith=PREFIX).delete()
            Site.objects.filter(pk__in=site_ids).delete()
            users = User.objects.filter(username__startswith=PREFIX)
            RoleAssignment.objects.filter(user__in=users).delete()
            users.delete()
            Organisation.objects.filter(name__startswith="Banc d'essai").delete()

    def _analyze(self) -> None:
        """Statistics for the planner; on PostgreSQL also the vacuum autovacuum would soon run.

        A rebuild deletes and rewrites every roll-up row: until a vacuum, the indexes still point
        to the dead rows and each dashboard query visits them too (measured: +50 % SQL time).
        """
        # VACUUM can't run inside a transaction (as under the test suite): ANALYZE alone then.
        vacuum = self.sql.pg and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

    # --- generation ----------------------------------------------------------------------------

    def _build(self) -> None:
        options = self.options
        rng = random.Random(options["seed"])
        refs = demo.load_reference_lists()
        ids = {name: {code: item.pk for code, item in items.items()} for name, items in refs.items()}
        current = first_of_month(self.today)
        first = datetime.date(current.year - options["years"] + 1, 1, 1)
        months = selectors.months_between(first, current)
        sites = self._create_sites(options["sites"], first)
        aggregate_ids = {site.pk for site in sites[-AGGREGATE_SITES:]}
        self._line(
            f"  {len(sites)} sites, {len(months)} mois, dont {AGGREGATE_SITES} sites en totaux mensuels."
        )

        # Periods, with the statuses a working network has (seeding: set directly, no workflow).
        now = timezone.now()
        periods = []
        for site in sites:
            for month in months:
                age = (current.year - month.year) * 12 + current.month - month.month
                status = (
                    PeriodStatus.OPEN
                    if age == 0
                    else PeriodStatus.SUBMITTED
                    if age == 1
                    else PeriodStatus.VALIDATED
                    if age <= 12
                    else PeriodStatus.LOCKED
                )
                handed = timezone.make_aware(datetime.datetime.combine(next_month(month), datetime.time(10)))
                periods.append(
                    Period(
                        site=site,
                        month=month,
                        mode=PeriodMode.AGGREGATE if site.pk in aggregate_ids else PeriodMode.DETAILED,
                        status=status,
                        submitted_at=None if age == 0 else min(handed + datetime.timedelta(days=5), now),
                        validated_at=None if age <= 1 else handed + datetime.timedelta(days=15),
                        locked_at=None if age <= 12 else handed + datetime.timedelta(days=120),
                    )
                )
        Period.objects.bulk_create(periods, batch_size=2000)

        # How many visits each period gets: site size (the biggest four times the smallest), season,
        # a slow growth, noise; scaled so that the detailed sites total --visits.
        site_weight = {site.pk: 1.6 - 1.2 * rank / (len(sites) - 1) for rank, site in enumerate(sites)}
        raw = {}
        for period in periods:
            age = (current.year - period.month.year) * 12 + current.month - period.month.month
            days = (next_month(period.month) - period.month).days
            open_days = min(days, (self.today - period.month).days + 1)
            raw[period.pk] = (
                site_weight[period.site_id]
                * demo.SEASON[period.month.month]
                * 1.02 ** (-age / 12)
                * rng.uniform(0.9, 1.1)
                * open_days
                / days,
                open_days,
            )
        detailed_total = sum(raw[p.pk][0] for p in periods if p.site_id not in aggregate_ids)
        scale = options["visits"] / detailed_total
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_plan")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_plan (period_id bigint PRIMARY KEY, site_id bigint, "
                "month date, n integer, ndays integer, is_aggregate integer)"
            )
            cursor.executemany(
                "INSERT INTO bench_plan VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (
                        p.pk,
                        p.site_id,
                        p.month,
                        round(raw[p.pk][0] * scale),
                        raw[p.pk][1],
                        int(p.site_id in aggregate_ids),
                    )
                    for p in periods
                ],
            )
            self._small_tables(cursor, ids)
            if self.sql.pg:
                # The same seed, the same region (SQLite's random() cannot be seeded).
                cursor.execute(f"SELECT setseed({(options['seed'] % 1000) / 1000})")
        with self._without_secondary_indexes([Visit, Visit.themes.through, Visit.referrals.through]):
            self._generate_visits(ids, months)
        self._generate_aggregates(ids)
        self._generate_satisfaction()

    def _create_sites(self, count: int, first: datetime.date) -> list[Site]:
        kind, _created = SiteKind.objects.get_or_create(
            code="espace-metiers", defaults={"label": "Espace métiers"}
        )
        territory_kind, _created = TerritoryKind.objects.get_or_create(
            code="departement", defaults={"label": "Département"}
        )
        departement, _created = Territory.objects.get_or_create(
            kind=territory_kind, code="51", defaults={"name": "Marne"}
        )
        organisation_kind, _created = OrganisationKind.objects.get_or_create(
            code="maison-emploi", defaults={"label": "Maison de l'emploi"}
        )
        host = Organisation.objects.create(name="Banc d'essai — structure porteuse", kind=organisation_kind)
        labelled_on = first - datetime.timedelta(days=400)
        sites = Site.objects.bulk_create(
            Site(
                name=f"Banc d'essai — site {n:03d}",
                slug=f"{PREFIX}{n:03d}",
                kind=kind,
                host=host,
                commune="Reims",
                departement=departement,
                label_status=LabelStatus.LABELLED,
                label_status_since=labelled_on,
                labelled_on=labelled_on,
                label_renewal_due_on=self.today + datetime.timedelta(days=365),
            )
            for n in range(1, count + 1)
        )
        themes, levels = list(Theme.objects.all()), list(ServiceLevel.objects.all())
        for site in sites:
            site.themes.set(themes)
            site.service_levels.set(levels)
        start = first - datetime.timedelta(days=30)
        coordinator = User.objects.create_user(COORDINATOR, password=None)
        RoleAssignment.objects.create(user=coordinator, role=Role.REGIONAL_COORDINATOR, start_date=start)
        ctem = User.objects.create_user(SITE_COORDINATOR, password=None)
        median = self._median_rank(count)
        for site in (sites[0], sites[median - 1], sites[median]):
            CoordinatorAssignment.objects.create(site=site, user=ctem, start_date=start)
        return sites

    @staticmethod
    def _median_rank(count: int) -> int:
        """The rank of the median-sized site (sites get smaller with their rank)."""
        return count // 2

    def _small_tables(self, cursor, ids: dict) -> None:
        """Lookup tables the generation joins: theme and referral ids by index, small series."""
        for name, items in (("bench_themes", ids["theme"]), ("bench_referrals", ids["referral"])):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} (idx integer PRIMARY KEY, item_id bigint)")
            cursor.executemany(f"INSERT INTO {name} VALUES (%s, %s)", list(enumerate(items.values())))
        cursor.execute("DROP TABLE IF EXISTS bench_seq")
        cursor.execute("CREATE TEMPORARY TABLE bench_seq (i integer PRIMARY KEY)")
        if not self.sql.pg:
            cursor.execute("SELECT MAX(n) FROM bench_plan")
            top = max(cursor.fetchone()[0] or 0, 10)
            cursor.executemany("INSERT INTO bench_seq VALUES (%s)", [(i,) for i in range(1, top + 1)])
        else:
            cursor.execute("INSERT INTO bench_seq SELECT generate_series(1, 10)")
        self.theme_count, self.referral_count = len(ids["theme"]), len(ids["referral"])

    @contextmanager
    def _without_secondary_indexes(self, models):
        """Drop the plain indexes of the bulk-loaded tables, and build them again once loaded.

        Maintaining eleven indexes row by row makes the load about twenty times slower than
        building them once at the end. Only in a database that holds nothing but the benchmark:
        primary keys and unique constraints stay.
        """
        if not (self.sql.pg and self.dedicated):
            yield
            return
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        try:
            yield
        finally:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for _name, definition in indexes:
                    cursor.execute(definition)
                cursor.execute("RESET maintenance_work_mem")
            self._line(f"  {len(indexes)} index reconstruits ({time.perf_counter() - started:.1f} s)")

    def _skip_foreign_key_checks(self, cursor) -> None:
        """For the transaction: no foreign-key trigger per generated row (PostgreSQL superuser only).

        Every id the generation writes comes from the rows it just created, so the checks would
        find nothing; they are one trigger call per row and per key (11 on a visit), and cost more
        than the inserts themselves. This is what pg_restore --disable-triggers does.
        """
        if not self.sql.pg:
            return
        if not hasattr(self, "superuser"):
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.superuser = cursor.fetchone()[0]
            if not self.superuser:
                self._line("  (pas superutilisateur : les clés étrangères sont vérifiées ligne à ligne)")
        if self.superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")

    def _visit_columns(self, ids: dict) -> dict:
        """SQL expressions of a generated visit's columns, over random columns r0…r9 of `g`."""
        sql = self.sql
        age = _marginal(demo.AGE_BY_SITUATION, demo.SITUATION_WEIGHTS)
        education = _marginal(demo.EDUCATION_BY_SITUATION, demo.SITUATION_WEIGHTS, demo._ADULT_EDUCATION)
        return {
            "visited_on": sql.add_days("g.month", sql.to_int("g.r0 * g.ndays")),
            "half_day": "CASE WHEN g.r1 < 0.45 THEN 'matin' ELSE 'apres-midi' END",
            "contact_kind_id": _pick(demo.CONTACT_WEIGHTS, ids["contact_kind"], "g.r2"),
            "sex_id": _pick(demo.SEX_WEIGHTS, ids["sex"], "g.r3"),
            "age_band_id": _pick(age, ids["age_band"], "g.r4"),
            "situation_id": _pick(demo.SITUATION_WEIGHTS, ids["situation"], "g.r5"),
            "education_level_id": _pick(education, ids["education_level"], "g.r6"),
            "channel_id": _pick(demo.CHANNEL_WEIGHTS, ids["channel"], "g.r7"),
            "service_level_id": _pick(demo.SERVICE_LEVEL_WEIGHTS, ids["service_level"], "g.r8"),
        }

    def _random_rows(self, where: str, count: int = 10) -> str:
        """A materialised set of plan rows × their visits, with `count` uniform random columns.

        MATERIALIZED: each random column must be drawn once per row, not once per reference.
        """
        randoms = ", ".join(f"{self.sql.rand} AS r{k}" for k in range(count))
        return (
            f"WITH g AS MATERIALIZED (SELECT p.period_id, p.site_id, p.month, p.ndays, {randoms} "
            f"FROM bench_plan p {self.sql.series('s', 'p.n')} WHERE {where}) "
        )

    def _generate_visits(self, ids: dict, months: list) -> None:
        columns = self._visit_columns(ids)
        years = sorted({m.year for m in months})
        visit, themes, referrals = (
            _table(Visit),
            _table(Visit.themes.through),
            _table(Visit.referrals.through),
        )
        for year in years:
            started = time.perf_counter()
            where = f"p.is_aggregate = 0 AND p.month >= '{year}-01-01' AND p.month <= '{year}-12-01'"
            with transaction.atomic(), connection.cursor() as cursor:
                self._skip_foreign_key_checks(cursor)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {visit}")
                last_id = cursor.fetchone()[0]
                cursor.execute(
                    self._random_rows(where)
                    + f"INSERT INTO {visit} (site_id, period_id, {', '.join(columns)}, created_at) "
                    f"SELECT g.site_id, g.period_id, {', '.join(columns.values())}, "
                    f"{self.sql.at_ten(columns['visited_on'])} FROM g"
                )
                cursor.execute(f"SELECT COUNT(*) FROM {visit} WHERE id > {last_id}")
                inserted = cursor.fetchone()[0]
                # Themes: 0 to 3 distinct per visit (consecutive indexes from a random start);
                # referrals: none for most visits, one or two for the others.
                for table, column, lookup, size, shares in (
                    (themes, "theme_id", "bench_themes", self.theme_count, (0.02, 0.57, 0.90)),
                    (
                        referrals,
                        "referraltarget_id",
                        "bench_referrals",
                        self.referral_count,
                        (0.62, 0.95, 1.0),
                    ),
                ):
                    r = self.sql.rand
                    start = self.sql.to_int(f"{r} * {size}")
                    cursor.execute(
                        f"WITH x AS MATERIALIZED (SELECT id, {start} AS k, {r} AS r "
                        f"FROM {visit} WHERE id > {last_id}) "
                        f"INSERT INTO {table} (visit_id, {column}) "
                        f"SELECT x.id, t.item_id FROM x JOIN bench_seq s ON s.i <= "
                        f"(CASE WHEN x.r < {shares[0]} THEN 0 WHEN x.r < {shares[1]} THEN 1 "
                        f"WHEN x.r < {shares[2]} THEN 2 ELSE 3 END) "
                        f"JOIN {lookup} t ON t.idx = (x.k + s.i - 1) % {size}"
                    )
            self._line(f"  {year} : {inserted:,} passages ({time.perf_counter() - started:.1f} s)")

    def _generate_aggregates(self, ids: dict) -> None:
        """Monthly totals of the aggregate sites, drawn like visits and counted by breakdown and sex."""
        columns = self._visit_columns(ids)
        aggregate = _table(AggregateCount)
        rand = self.sql.rand
        with transaction.atomic(), connection.cursor() as cursor:
            self._skip_foreign_key_checks(cursor)
            cursor.execute("DROP TABLE IF EXISTS bench_agg")
            names = [name for name in columns if name not in ("visited_on", "half_day")]
            cursor.execute(
                f"CREATE TEMPORARY TABLE bench_agg AS {self._random_rows('p.is_aggregate = 1')}"
                f"SELECT g.period_id, {', '.join(f'{columns[n]} AS {n}' for n in names)}, "
                f"{self.sql.to_int(f'{rand} * {self.theme_count}')} AS theme_k, "
                f"{self.sql.to_int(f'{rand} * 3')} AS theme_n, "
                f"{self.sql.to_int(f'{rand} * {self.referral_count}')} AS referral_k, "
                f"CASE WHEN {rand} < 0.62 THEN 0 ELSE 1 END AS referral_n FROM g"
            )
            insert = f"INSERT INTO {aggregate} (period_id, dimension, item_id, sex_id, count) "
            cursor.execute(
                insert + f"SELECT period_id, '{Dimension.TOTAL.value}', 0, sex_id, COUNT(*) "
                "FROM bench_agg GROUP BY period_id, sex_id"
            )
            for dimension, column in rollups.SCALAR_FIELDS.items():
                cursor.execute(
                    insert
                    + f"SELECT period_id, '{dimension.value}', COALESCE({column}, 0), sex_id, COUNT(*) "
                    f"FROM bench_agg GROUP BY period_id, COALESCE({column}, 0), sex_id"
                )
            for dimension, lookup, k, n, size in (
                (Dimension.THEME, "bench_themes", "theme_k", "theme_n", self.theme_count),
                (Dimension.REFERRAL, "bench_referrals", "referral_k", "referral_n", self.referral_count),
            ):
                cursor.execute(
                    insert + f"SELECT a.period_id, '{dimension.value}', COALESCE(t.item_id, 0), a.sex_id, "
                    f"COUNT(*) FROM bench_agg a LEFT JOIN bench_seq s ON s.i <= a.{n} "
                    f"LEFT JOIN {lookup} t ON t.idx = (a.{k} + s.i - 1) % {size} "
                    "GROUP BY a.period_id, COALESCE(t.item_id, 0), a.sex_id"
                )
            cursor.execute("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM bench_plan WHERE is_aggregate = 1")
            periods, total = cursor.fetchone()
        self._line(f"  Totaux mensuels : {periods} périodes agrégées, {total:,} passages comptés.")

    def _generate_satisfaction(self) -> None:
        """About five questionnaires a month per site, each answering every question."""
        sql = self.sql
        questions = list(SatisfactionQuestion.objects.values_list("pk", flat=True))
        response, answer = _table(SatisfactionResponse), _table(SatisfactionAnswer)
        weights = {1: 2, 2: 6, 3: 32, 4: 60}
        value = _pick(weights, {v: v for v in weights}, "x.r")
        with transaction.atomic(), connection.cursor() as cursor:
            self._skip_foreign_key_checks(cursor)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {response}")
            last_id = cursor.fetchone()[0]
            cursor.execute(
                f"INSERT INTO {response} (site_id, answered_on, comment) "
                f"SELECT p.site_id, {sql.add_days('p.month', sql.to_int(f'{sql.rand} * p.ndays'))}, '' "
                "FROM bench_plan p JOIN bench_seq s ON s.i <= 5 WHERE p.n > 0"
            )
            cursor.execute(
                f"WITH x AS MATERIALIZED (SELECT r.id, q.id AS question_id, {sql.rand} AS r "
                f"FROM {response} r CROSS JOIN {_table(SatisfactionQuestion)} q "
                f"WHERE r.id > {last_id} AND q.id IN ({', '.join(str(q) for q in questions)})) "
                f"INSERT INTO {answer} (response_id, question_id, value) "
                f"SELECT x.id, x.question_id, {value} FROM x"
            )

    # --- measurements --------------------------------------------------------------------------

    def _measure(self) -> list[dict]:
        runs = self.options["runs"]
        sites = list(Site.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        site_ids = [site.pk for site in sites]
        biggest, median = sites[0], sites[self._median_rank(len(sites))]
        coordinator = User.objects.get(username=COORDINATOR)
        ctem = User.objects.get(username=SITE_COORDINATOR)
        year = self.today.year - 1
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        first_year = self.today.year - self.options["years"] + 1
        client = Client()
        client.force_login(coordinator)

        def page(name, url_name, query, fallback, kwargs=None):
            try:
                url = reverse(url_name, kwargs=kwargs) + query
            except NoReverseMatch:
                return self._time(name, "sélecteurs appelés par la vue (vue absente)", fallback, runs)
            response = client.get(url, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{url} : réponse {response.status_code}")
            return self._time(name, f"GET {url}", lambda: client.get(url, secure=True), runs)

        ten_years = (datetime.date(first_year, 1, 1), self.today)
        return [
            page(
                "region_year",
                "stats:region_dashboard",
                "?period=annee-precedente",
                lambda: self._dashboard(site_ids, start, end),
            ),
            page(
                "region_range",
                "stats:region_dashboard",
                f"?period=dates&start={ten_years[0].isoformat()}&end={ten_years[1].isoformat()}",
                lambda: self._dashboard(site_ids, *ten_years),
            ),
            page(
                "site_dashboard",
                "stats:site_dashboard",
                "?period=annee-precedente",
                lambda: self._dashboard([median.pk], start, end),
                {"slug": median.slug},
            ),
            *self._visit_entry(median, biggest, ctem, runs),
        ]

    def _time(self, name: str, how: str, call, runs: int) -> dict:
        for _warmup in range(2):
            call()
        with CaptureQueriesContext(connection) as captured:
            call()
        # Counted now: the next request clears the connection's query log.
        queries = len(captured)
        durations = []
        for _run in range(runs):
            started = time.perf_counter()
            call()
            durations.append((time.perf_counter() - started) * 1000)
        return {
            "name": name,
            "how": how,
            "median": statistics.median(durations),
            "p95": _percentile(durations, 0.95),
            "queries": queries,
        }

    @staticmethod
    def _dashboard(site_ids, start, end) -> None:
        """What a dashboard reads: totals, months compared, 10-year trend, breakdowns, cross-tabs."""
        selectors.total_visits(site_ids, start, end)
        selectors.year_on_year(site_ids, start, end)
        selectors.yearly_trend(site_ids, end.year - 9, end.year)
        for dimension in Dimension:
            if dimension != Dimension.TOTAL:
                selectors.breakdown(site_ids, start, end, dimension)
        for row, col in rollups.CROSS_PAIRS:
            selectors.cross_tab(site_ids, start, end, row, col)
        selectors.completeness(Site.objects.filter(pk__in=site_ids), start, end)

    def _visit_entry(self, median: Site, biggest: Site, author, runs: int) -> list[dict]:
        """One visit recorded: by the service alone, then at the desk of a median and of the biggest site.

        The service records on another average site, so that the desk's list of the day (which
        the desk redraws after each entry) holds only that site's own visits.
        """
        sites = Site.objects.filter(slug__startswith=PREFIX).order_by("slug")
        other = sites[self._median_rank(self.options["sites"]) - 1]
        refs = demo.load_reference_lists()
        values = {
            "contact_kind": refs["contact_kind"]["visite"],
            "sex": refs["sex"]["femme"],
            "age_band": refs["age_band"]["16-25"],
            "situation": refs["situation"]["scolaire-etudiant"],
            "education_level": refs["education_level"]["bac"],
            "channel": refs["channel"]["evenement"],
            "service_level": refs["service_level"]["conseil-personnalise"],
        }
        themes = [refs["theme"]["orientation"], refs["theme"]["alternance"]]
        referrals = [refs["referral"]["cio"]]

        def record():
            services.visit_record(
                site=other,
                author=author,
                visited_on=self.today,
                themes=themes,
                referrals=referrals,
                **values,
            )

        results = [self._time("visit_service", "services.visit_record", record, runs)]
        try:
            reverse("stats:visit_desk", kwargs={"slug": median.slug})
        except NoReverseMatch:
            self._line("  Pas de vue de saisie (stats:visit_desk) : seul le service est mesuré.")
            results.append({**results[0], "name": "visit_desk", "how": "services.visit_record (vue absente)"})
            return results
        client = Client()
        client.force_login(author)
        data = {name: item.pk for name, item in values.items()}
        data.update(visited_on=self.today.isoformat(), half_day="matin")
        data["themes"] = [t.pk for t in themes]
        data["referrals"] = [r.pk for r in referrals]
        # As the desk posts it: with htmx, the answer is the blank form again and the day's list.
        htmx = {"HX-Request": "true"}
        for name, site in (("visit_desk", median), ("visit_desk_big", biggest)):
            url = reverse("stats:visit_desk", kwargs={"slug": site.slug})
            before = Visit.objects.filter(site=site).count()
            response = client.post(url, data, secure=True, headers=htmx)
            if response.status_code != 200 or Visit.objects.filter(site=site).count() != before + 1:
                raise CommandError(
                    f"POST {url} n'a pas enregistré de passage (réponse {response.status_code})."
                )
            today = Visit.objects.filter(site=site, visited_on=self.today).count()
            results.append(
                self._time(
                    name,
                    f"POST {url} (htmx ; {today} passages déjà saisis ce jour)",
                    lambda url=url: client.post(url, data, secure=True, headers=htmx),
                    runs,
                )
            )
        return results

    def _report(self, results: list[dict], rebuild_s: float | None) -> None:
        self._line()
        self._line(
            f"Résultats ({self.options['runs']} mesures, {connection.vendor}, "
            f"{timezone.localtime():%d/%m/%Y %H:%M}, charge {os.getloadavg()[0]:.1f}) :"
        )
        if rebuild_s is None:
            self._line("  Reconstruction complète : non mesurée (--skip-rebuild)")
        else:
            status = "OK" if rebuild_s <= REBUILD_TARGET_S else "MANQUÉ"
            self._line(
                f"  Reconstruction complète : {rebuild_s:.1f} s (cible < {REBUILD_TARGET_S} s) {status}"
            )
        for result in results:
            target = TARGETS[result["name"]]
            verdict = "" if target is None else (" OK" if result["median"] <= target else " MANQUÉ")
            target_text = f"cible < {target} ms" if target else "sans cible"
            self._line(
                f"  {LABELS[result['name']]} : médiane {result['median']:.1f} ms, "
                f"p95 {result['p95']:.1f} ms, {result['queries']} requêtes ({target_text}){verdict}"
            )
            self._line(f"      mesuré par : {result['how']}")
