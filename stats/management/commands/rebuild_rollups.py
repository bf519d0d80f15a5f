"""`manage.py rebuild_rollups [--site SLUG ...] [--check]`: recompute the statistics roll-up tables.

The dashboards read roll-up tables kept current at write time: monthly and yearly counts (per site,
and per year for the whole network), their cross-tabulations, and the satisfaction questionnaires.
This command recomputes them all from the raw visits, aggregate counts and questionnaires; with
--check it first keeps the incremental tables, then reports every cell the rebuild changed, in any
of them, and exits with code 1 if any did (the tables are repaired either way).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sites.models import Site
from stats import rollups

# Differences printed in full; the count is always given.
MAX_SHOWN = 50


class Command(BaseCommand):
    help = "Recalcule les tables de synthèse des statistiques à partir des passages et des totaux saisis."

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            action="append",
            dest="sites",
            metavar="SLUG",
            help="Limiter au site donné par son identifiant (option répétable).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=(
                "Comparer d'abord avec les tables tenues à jour au fil des saisies ; "
                "code de sortie 1 si elles différaient."
            ),
        )

    def handle(self, *args, sites=None, check=False, **options):
        site_ids = None
        slugs = {}
        if sites:
            slugs = dict(Site.objects.filter(slug__in=sites).values_list("pk", "slug"))
            missing = sorted(set(sites) - set(slugs.values()))
            if missing:
                raise CommandError(f"Site inconnu : {', '.join(missing)}.")
            site_ids = sorted(slugs)
        # One transaction: the comparison sees the tables the rebuild replaces, with no write between.
        with transaction.atomic():
            before = rollups.snapshot(site_ids) if check else None
            written = rollups.rebuild(site_ids)
            after = rollups.snapshot(site_ids) if check else None
        scope = f"{len(site_ids)} site(s)" if site_ids is not None else "tous les sites"
        self.stdout.write(
            f"Tables recalculées ({scope}) : {written['monthly']} cellules mensuelles, "
            f"{written['cross']} cellules croisées, {written['yearly']} cellules annuelles, "
            f"{written['yearly_cross']} cellules annuelles croisées, "
            f"{written['region_yearly']} cellules annuelles régionales, "
            f"{written['satisfaction']} + {written['satisfaction_yearly']} cellules de satisfaction au total."
        )
        if not check:
            return
        if not slugs:
            slugs = dict(Site.objects.values_list("pk", "slug"))
        differences = [
            line
            for (name, _model, key, _values), old, new in zip(
                rollups.SNAPSHOT_TABLES, before, after, strict=True
            )
            for line in self._differences(name, old, new, slugs if "site_id" in key else None)
        ]
        if not differences:
            self.stdout.write(
                self.style.SUCCESS("Aucune différence : les tables incrémentales étaient exactes.")
            )
            return
        for line in differences[:MAX_SHOWN]:
            self.stderr.write(line)
        if len(differences) > MAX_SHOWN:
            self.stderr.write(f"… et {len(differences) - MAX_SHOWN} autre(s).")
        raise CommandError(
            f"{len(differences)} cellule(s) différaient des tables incrémentales ; "
            "elles sont maintenant corrigées.",
            returncode=1,
        )

    @staticmethod
    def _differences(table: str, incremental: dict, rebuilt: dict, slugs: dict) -> list[str]:
        lines = []
        for key in sorted(incremental.keys() | rebuilt.keys(), key=str):
            old, new = incremental.get(key, 0), rebuilt.get(key, 0)
            if old != new:
                if slugs is None:  # a table over every site: no site in its key
                    where = " ".join(str(c) for c in key)
                else:
                    site_id, when, *cell = key  # a month, or a year in the yearly tables
                    when = f"{when:%Y-%m}" if hasattr(when, "strftime") else str(when)
                    where = f"{slugs.get(site_id, site_id)} {when} {' '.join(str(c) for c in cell)}"
                lines.append(f"[{table}] {where} : incrémental {old}, recalculé {new}")
        return lines
