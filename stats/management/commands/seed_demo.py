"""Load the demo data (reference lists, Grand Est territories, organisations, sites, statistics)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from network import demo
from sites.demo import load_demo

from .runplatform import demo_platform_url

# This command orchestrates every app's demo data: it lives in the top layer (stats).

# Demo data of the other apps, loaded after the network and the sites, in the same
# transaction: (what, dotted path of a function without arguments returning {kind: rows created}).
# Each loader must be idempotent, like sites.demo.load_demo.
EXTRA_LOADERS = [
    ("statistiques", "stats.demo.load_stats_demo"),
    # Before the plans: site actions are linked to the strategy's challenges.
    ("stratégie", "network.strategy.demo.load_strategy_demo"),
    ("visites sur site", "sites.labels.demo_visits.load_visits_demo"),
    ("labels", "sites.labels.demo.load_labels_demo"),
    ("plans d'actions", "sites.plans.demo.load_plans_demo"),
    # Last: the bodies and their cycle of meetings; then the June commission gives its avis on a label
    # application, and the steering committees arbitrate the plans.
    ("instances", "network.governance.demo.load_governance_demo"),
    ("avis de la commission", "sites.labels.demo_governance.load_commission_avis_demo"),
    ("arbitrage des plans", "sites.plans.demo.load_plan_arbitrations_demo"),
    # After the sites, the bodies and the plans: events carry out plan actions, programmes come
    # from the concertation meetings.
    ("événements", "events.demo.load_events_demo"),
]


def load_extras() -> dict[str, dict[str, int]]:
    """Run the other apps' demo loaders; returns {what: {kind: rows created}}."""
    return {what: import_string(path)() for what, path in EXTRA_LOADERS}


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (listes de référence, territoires du Grand Est, "
        "organisations, Espaces métiers de Champagne-Ardenne, statistiques) et, avec DEBUG=1, les "
        "comptes de démonstration. Relancer la commande ne crée aucun doublon."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="Ne charger que les données, sans les comptes de démonstration (utilisable en production).",
        )
        parser.add_argument(
            "--network-only",
            action="store_true",
            help="Ne charger que le réseau et les sites, sans les statistiques de démonstration.",
        )

    def handle(self, *args, no_accounts=False, network_only=False, **options):
        started = time.monotonic()
        try:
            # One transaction for everything: an interrupted load leaves nothing half done.
            with transaction.atomic():
                report = load_demo(with_accounts=not no_accounts)
                extras = {} if network_only else load_extras()
        except demo.DemoAccountsRefused as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started

        created = [f"{count} {what}" for what, count in sorted(report.created.items())]
        updated = [f"{count} {what} mis à jour" for what, count in sorted(report.updated.items())]
        if created or updated:
            self.stdout.write(self.style.SUCCESS(f"Données de démonstration chargées ({elapsed:.1f} s) :"))
            self.stdout.write("  Réseau et sites : " + ", ".join(created + updated) + ".")
        else:
            self.stdout.write(self.style.SUCCESS(f"Données de démonstration à jour ({elapsed:.1f} s) :"))
            self.stdout.write("  Réseau et sites : rien à changer.")
        for what, counts in extras.items():
            rows = [f"{count} {kind}" for kind, count in counts.items() if count]
            self.stdout.write(
                f"  {what.capitalize()} : " + (", ".join(rows) + "." if rows else "rien à changer.")
            )

        # The address `make run` will listen on (its RUN_ARGS), not a fixed one.
        self.stdout.write(f"\nPlateforme : {demo_platform_url()}")
        if no_accounts:
            self.stdout.write("Aucun compte de démonstration créé (--no-accounts).")
            return
        self.stdout.write(f"Comptes de démonstration (mot de passe « {demo.DEMO_PASSWORD} ») :")
        for line in demo.account_lines():
            self.stdout.write(line)
