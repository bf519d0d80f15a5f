"""`manage.py bench_api`: the partner API's throughput and latency, served by gunicorn.

Run it on the benchmark region of `bench_stats` (kept with --keep) or on the demo data:

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/spro_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python manage.py bench_api [--seconds 10] [--connections 8] [--workers 2]

Measured in the same run, against the same gunicorn (2 workers by default):
- a bare Django view answering a constant JSON document (bench/wsgi.py): the ceiling;
- GET /api/v1/sites/ with a partner token, and its share of the bare view's throughput;
- the statistics: GET /api/v1/stats/monthly/ for one site and GET /api/v1/stats/totals/ over the
  whole region and a year (latency p50/p95 on one connection, then throughput);
- POST /api/v1/visits/ with 1,000 visits per request (wall time per request).
Throughput is measured by `wrk` (Debian package) when it is installed, else by a Python client.
It creates two tokens and leaves the ingested visits in the database: use a throwaway database.
"""

import datetime
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from network.enums import ApiScope
from network.models import ApiToken, Organisation, OrganisationKind
from network.services import api_token_create
from sites.models import Site
from stats.enums import PeriodStatus
from stats.models import ContactKind, MonthlyCount, Period, Sex

BASE_DIR = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "Mesure le débit et la latence de l'API des partenaires servie par gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=10, help="Durée de chaque mesure de débit.")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--workers", type=int, default=2, help="Processus gunicorn.")
        parser.add_argument("--samples", type=int, default=200, help="Requêtes pour les latences.")
        parser.add_argument("--batches", type=int, default=5, help="Envois de 1 000 passages.")
        parser.add_argument("--allow-sqlite", action="store_true")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" and not options["allow_sqlite"]:
            raise CommandError(
                "Le banc d'essai se lance sur PostgreSQL (DATABASE_URL) ; --allow-sqlite sinon."
            )
        site = self._busiest_site()
        read_key, write_key = self._tokens(site)
        port = _free_port()
        server = self._start_gunicorn(port, options["workers"])
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(f"{base}/healthz")
            sites = MonthlyCount.objects.values("site").distinct().count()
            client = "wrk" if shutil.which("wrk") else "Python"
            load = os.getloadavg()[0]
            self._line(
                f"{sites} sites, gunicorn {options['workers']} processus, "
                f"{options['connections']} connexions, charge {load:.1f} ({os.cpu_count()} cœurs), "
                f"client {client}."
            )
            year = timezone.localdate().year - 1
            targets = {
                "vue nue (JSON constant)": ("/bench/bare/", None),
                "GET /api/v1/sites/": ("/api/v1/sites/", read_key),
                f"GET /api/v1/stats/monthly/?site={site.slug}": (
                    f"/api/v1/stats/monthly/?site={site.slug}&dimension=age_band&start={year}-01-01",
                    read_key,
                ),
                "GET /api/v1/stats/totals/ (région, un an)": (
                    f"/api/v1/stats/totals/?dimension=age_band&start={year}-01-01&end={year}-12-31",
                    read_key,
                ),
            }
            results = {}
            for label, (path, key) in targets.items():
                latencies = _latencies(base + path, key, options["samples"])
                rate = _throughput(base + path, key, options["seconds"], options["connections"])
                results[label] = (rate, latencies)
            self._report(results)
            self._ingestion(base, write_key, site, options["batches"])
        finally:
            server.terminate()
            server.wait(timeout=30)
            ApiToken.objects.filter(name="Banc d'essai de l'API").delete()

    # Setup

    def _busiest_site(self) -> Site:
        site = (
            Site.objects.labelled()
            .filter(periods__status__in=[PeriodStatus.VALIDATED, PeriodStatus.LOCKED])
            .order_by("slug")
            .first()
        )
        if site is None:
            raise CommandError(
                "Aucun site labellisé avec des mois validés : lancez bench_stats --keep ou seed_demo."
            )
        return site

    def _tokens(self, site: Site) -> tuple[str, str]:
        kind, _ = OrganisationKind.objects.get_or_create(
            code="banc-essai", defaults={"label": "Banc d'essai"}
        )
        partner, _ = Organisation.objects.get_or_create(
            name="Partenaire du banc d'essai", defaults={"kind": kind, "commune": "Reims"}
        )
        name = "Banc d'essai de l'API"
        _token, read_key = api_token_create(
            organisation=partner, name=name, scopes=[ApiScope.DIRECTORY_READ, ApiScope.STATS_READ]
        )
        _token, write_key = api_token_create(
            organisation=partner, name=name, scopes=[ApiScope.VISITS_WRITE], sites=[site]
        )
        return read_key, write_key

    def _start_gunicorn(self, port: int, workers: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "spro.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "banc-d-essai-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SPRO_API_RATE_LIMIT": str(10**9),
            # Plain HTTP on the loopback (production sits behind a TLS proxy).
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        }
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "bench.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(BASE_DIR),
            "--log-level",
            "warning",
        ]
        return subprocess.Popen(command, env=env)

    # Measurements

    def _report(self, results: dict) -> None:
        bare_rate = results["vue nue (JSON constant)"][0]
        self._line("")
        self._line(f"{'requête':<48} {'req/s':>9} {'% vue nue':>10} {'p50 (ms)':>9} {'p95 (ms)':>9}")
        for label, (rate, latencies) in results.items():
            share = 100 * rate / bare_rate if bare_rate else 0
            p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
            self._line(f"{label:<48} {rate:>9.0f} {share:>9.0f}% {p50:>9.1f} {p95:>9.1f}")

    def _ingestion(self, base: str, key: str, site: Site, batches: int) -> None:
        today = timezone.localdate()
        period = Period.objects.filter(site=site, month=today.replace(day=1)).first()
        if period is not None and period.status != PeriodStatus.OPEN:
            self._line(f"Envoi de passages : le mois en cours de {site} n'est pas ouvert, mesure sautée.")
            return
        sex = list(Sex.objects.values_list("code", flat=True)[:2])
        contact = ContactKind.objects.values_list("code", flat=True).first()
        days = [today - datetime.timedelta(days=n) for n in range(min(today.day, 5))]
        timings = []
        for batch in range(batches):
            visits = [
                {
                    "visited_on": days[n % len(days)].isoformat(),
                    "contact_kind": contact,
                    "sex": sex[n % len(sex)],
                }
                for n in range(1000)
            ]
            body = json.dumps({"site": site.slug, "visits": visits}).encode()
            started = time.perf_counter()
            status, _answer = _request(
                f"{base}/api/v1/visits/",
                key,
                body,
                headers={"Idempotency-Key": f"banc-{os.getpid()}-{batch}"},
            )
            timings.append(time.perf_counter() - started)
            if status != 201:
                self._line(f"Envoi de passages refusé ({status}) : {_answer[:300]}")
                return
        self._line("")
        self._line(
            f"POST /api/v1/visits/, 1 000 passages par requête, {batches} requêtes : "
            f"médiane {statistics.median(timings):.2f} s, maximum {max(timings):.2f} s."
        )

    def _line(self, text: str) -> None:
        self.stdout.write(text)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError("gunicorn ne répond pas.")


def _request(url: str, key: str | None, body: bytes | None = None, headers=None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if body:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _latencies(url: str, key: str | None, samples: int) -> list[float]:
    """Milliseconds per request, one at a time (after a warm-up)."""
    for _ in range(5):
        _request(url, key)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        status, body = _request(url, key)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise CommandError(f"{url} : {status} {body[:300]}")
    return timings


def _throughput(url: str, key: str | None, seconds: int, connections: int) -> float:
    if shutil.which("wrk"):
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
        if key:
            command[1:1] = ["-H", f"Authorization: Bearer {key}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        if re.search(r"Non-2xx or 3xx responses: (\d+)", output):
            raise CommandError(f"{url} : des réponses en erreur pendant la mesure.\n{output}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return _python_throughput(url, key, seconds, connections)


def _python_throughput(url: str, key: str | None, seconds: int, connections: int) -> float:
    counts = [0] * connections
    deadline = time.monotonic() + seconds

    def client(index: int):
        while time.monotonic() < deadline:
            _request(url, key)
            counts[index] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def _percentile(values: list[float], rank: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(rank / 100 * (len(ordered) - 1)))]
