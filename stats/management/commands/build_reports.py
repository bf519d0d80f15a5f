"""Build a year's reports from the command line: the same pipeline as the « Générer les bilans »
page (stats/reports/services.py and tasks.py), run here, synchronously, with a progress bar on stderr.

    manage.py build_reports --year 2025
    manage.py build_reports --year 2025 --site reims --site troyes --kind site --provisional
"""

import logging

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sites.models import Site
from stats.reports import services, tasks

BAR_WIDTH = 30
# Chatter that would break the progress bar: each task's "succeeded" line, WeasyPrint's layout steps.
QUIET_LOGGERS = ("celery.app.trace", "weasyprint.progress")


class Command(BaseCommand):
    help = (
        "Produit les bilans d'une année (sites, bilan régional, gouvernance) comme la page « Générer "
        "les bilans », ici et maintenant, avec une barre de progression."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Année des bilans.")
        parser.add_argument(
            "--site",
            action="append",
            dest="sites",
            metavar="SLUG",
            help="Un site (répétable) ; par défaut les sites labellisés.",
        )
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            metavar="KIND",
            help="site, region, governance (répétable) ; par défaut tous.",
        )
        parser.add_argument(
            "--provisional",
            action="store_true",
            help="Version provisoire : les mois non validés comptent aussi.",
        )

    def handle(self, *args, year, sites, kinds, provisional, **options):
        selected = None
        if sites:
            found = {site.slug: site for site in Site.objects.filter(slug__in=sites)}
            unknown = [slug for slug in sites if slug not in found]
            if unknown:
                raise CommandError(f"Site inconnu : {', '.join(unknown)}")
            selected = [found[slug] for slug in dict.fromkeys(sites)]
        try:
            run = services.report_run_start(year, kinds, provisional, None, sites=selected, enqueue=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self._progress(run)
        levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        try:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
            tasks.run_eagerly(run.pk, progress=self._progress)
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        run.refresh_from_db()
        self.stderr.write("")
        for error in run.errors.values():
            self.stderr.write(self.style.ERROR(f"{error['label']} : {error['message']}"))
        for report_file in run.files.select_related("site").order_by("kind", "site__name"):
            self.stdout.write(
                f"{report_file.title} — v{report_file.version}, {report_file.page_count} p., "
                f"empreinte {report_file.fingerprint} — {report_file.file.name}"
            )
        if run.failed:
            raise CommandError(f"{run.failed} bilan(s) en échec sur {run.total}.")
        self.stdout.write(self.style.SUCCESS(f"{run.done} bilan(s) produit(s) pour {year}."))

    def _progress(self, run) -> None:
        filled = BAR_WIDTH * run.processed // max(run.total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        sites = f" — {run.sites_processed}/{run.sites_total} sites" if run.sites_total else ""
        self.stderr.write(f"\r[{bar}] {run.processed}/{run.total}{sites}", ending="")
        self.stderr.flush()
