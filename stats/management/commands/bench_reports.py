"""`manage.py bench_reports`: time one site's yearly report on the region bench_stats builds.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/spro_bench manage.py bench_reports \\
        [--sites 50] [--visits 5000000] [--years 10] [--runs 5] [--keep] [--reuse --skip-rebuild]
        [--with-region] [--pdf /tmp/bilan.pdf]

The region comes from bench_stats (same options, same generator, same safety rules: a dedicated
database, dropped at the end unless --keep; `--reuse --skip-rebuild` after a `--keep` run measures
without generating anything). Then, for last year's report of the median-sized site, over --runs
runs after a warm-up:

- total: the document (figures through the selectors, charts, templates) and its PDF, as the
  pipeline's task builds them (stats.reports.documents.site_report then render_pdf);
- WeasyPrint alone: the layout and writing of the same HTML, timed on its own;
- outside WeasyPrint: the document alone (queries, charts, templates), with its query count.

Wall-clock medians, and the process's CPU time beside them (a loaded machine slows the wall clock,
not the CPU time). Targets (issue 12): under 3 s for one site, WeasyPrint ≥ 70 % of the total.
`--with-region` also times the regional report once (its PDF: the pipeline benchmarks the 50 + 1 on
workers).
"""

import os
import resource
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sites.models import Site
from stats.reports import documents

from .bench_stats import PREFIX
from .bench_stats import Command as BenchStatsCommand

SITE_TARGET_S = 3.0
WEASYPRINT_SHARE_TARGET = 0.70


def _timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


class Command(BenchStatsCommand):
    help = "Construit la région du banc d'essai (bench_stats) et mesure le bilan annuel d'un site."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(runs=5)
        parser.add_argument(
            "--with-region", action="store_true", help="Mesurer aussi le bilan régional (1 fois)."
        )
        parser.add_argument("--pdf", default="", help="Écrire le PDF du site mesuré dans ce fichier.")

    def _measure(self) -> dict:
        runs = self.options["runs"]
        sites = list(Site.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        site = sites[self._median_rank(len(sites))]
        year = self.today.year - 1

        def build():
            return documents.site_report(site, year, provisional=False)

        # Warm-up: imports, fonts, template loading, the database's caches.
        document = build()
        pdf, pages = documents.render_pdf(document)
        with CaptureQueriesContext(connection) as captured:
            build()
        queries = len(captured)
        totals, weasy, outside = [], [], []
        for _run in range(runs):
            # The document, then its PDF, one after the other as the pipeline's task runs them: the
            # total is their sum, each part timed on its own.
            document, outside_wall, outside_cpu = _timed(build)
            (pdf, pages), weasy_wall, weasy_cpu = _timed(lambda doc=document: documents.render_pdf(doc))
            totals.append((outside_wall + weasy_wall, outside_cpu + weasy_cpu))
            weasy.append((weasy_wall, weasy_cpu))
            outside.append((outside_wall, outside_cpu))
        if self.options["pdf"]:
            with open(self.options["pdf"], "wb") as output:
                output.write(pdf)
        result = {
            "site": site,
            "year": year,
            "pages": pages,
            "bytes": len(pdf),
            "queries": queries,
            "fingerprint": document.fingerprint,
            "visits": document.figures["visits"]["total"],
            "total": totals,
            "weasyprint": weasy,
            "outside": outside,
        }
        if self.options["with_region"]:
            region, region_wall, region_cpu = _timed(
                lambda: documents.region_report(year, provisional=False, missing_sites=[])
            )
            (_pdf, region_pages), region_pdf_wall, region_pdf_cpu = _timed(
                lambda: documents.render_pdf(region)
            )
            result["region"] = {
                "pages": region_pages,
                "document": (region_wall, region_cpu),
                "weasyprint": (region_pdf_wall, region_pdf_cpu),
            }
        return result

    def _report(self, results: dict, rebuild_s: float | None) -> None:
        def median(pairs, index):
            return statistics.median(pair[index] for pair in pairs)

        total, weasy, outside = (results[key] for key in ("total", "weasyprint", "outside"))
        total_wall, weasy_wall, outside_wall = median(total, 0), median(weasy, 0), median(outside, 0)
        total_cpu, weasy_cpu, outside_cpu = median(total, 1), median(weasy, 1), median(outside, 1)
        share_wall = weasy_wall / (weasy_wall + outside_wall)
        share_cpu = weasy_cpu / (weasy_cpu + outside_cpu)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self._line()
        self._line(
            f"Bilan {results['year']} de {results['site'].name} ({results['visits']:,} passages comptés), "
            f"{self.options['runs']} mesures, {connection.vendor}, {timezone.localtime():%d/%m/%Y %H:%M}, "
            f"charge {os.getloadavg()[0]:.1f} sur {os.cpu_count()} cœurs :"
        )
        self._line(
            f"  PDF : {results['pages']} pages, {results['bytes'] / 1024:.0f} Kio, "
            f"empreinte {results['fingerprint']}"
        )
        status = "OK" if total_wall <= SITE_TARGET_S else "MANQUÉ"
        self._line(
            f"  Total (document + PDF)      : {total_wall:6.2f} s (CPU {total_cpu:.2f} s)  "
            f"[cible < {SITE_TARGET_S:.0f} s : {status}]"
        )
        self._line(f"  WeasyPrint seul (même HTML) : {weasy_wall:6.2f} s (CPU {weasy_cpu:.2f} s)")
        self._line(
            f"  Hors WeasyPrint             : {outside_wall:6.2f} s (CPU {outside_cpu:.2f} s), "
            f"{results['queries']} requêtes (chiffres, graphiques, gabarits)"
        )
        status = "OK" if share_wall >= WEASYPRINT_SHARE_TARGET else "MANQUÉ"
        self._line(
            f"  Part de WeasyPrint          : {share_wall:.0%} (CPU {share_cpu:.0%})  "
            f"[cible ≥ {WEASYPRINT_SHARE_TARGET:.0%} : {status}]"
        )
        if "region" in results:
            region = results["region"]
            self._line(
                f"  Bilan régional (1 mesure)   : document {region['document'][0]:.2f} s, "
                f"PDF {region['weasyprint'][0]:.2f} s, {region['pages']} pages"
            )
        self._line(f"  Mémoire maximale du processus : {peak_mb:.0f} Mio")
