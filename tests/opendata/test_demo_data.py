"""The open data of the demo network (real names, three years of statistics): every record valid,
every published month protected."""

import csv
import io
import time

import pytest
from data_inclusion.schema.v1 import Service, Structure
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sites import demo as sites_demo
from spro.disclosure import determined_cells
from stats import demo, opendata

STRICT = {"ignore_warnings": False}


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """Loaded once for the module, in an outer transaction rolled back at the end (as tests/stats)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            sites_demo.load_demo(with_accounts=False)
            demo.load_stats_demo(today=timezone.localdate())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_directory_is_valid_data_inclusion(client, demo_data):
    structures = client.get(reverse("opendata_sites:structures_json")).json()
    services = client.get(reverse("opendata_sites:services_json")).json()
    assert len(structures) >= 10
    for record in structures:
        Structure.model_validate(record, context=STRICT)
    for record in services:
        Service.model_validate(record, context=STRICT)
    # Most demo hours read as OpenStreetMap's; those with a free sentence are left out.
    assert sum(1 for s in structures if s["horaires_accueil"]) >= len(structures) // 2


@pytest.mark.django_db
def test_the_demo_statistics_are_published_protected(client, demo_data):
    year = timezone.localdate().year - 1
    started = time.perf_counter()
    response = client.get(reverse("opendata:visits_csv"), {"annee": year})
    elapsed = time.perf_counter() - started
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    # Again: the protected tables come from the cache (stats.opendata.protected).
    started = time.perf_counter()
    again = client.get(reverse("opendata:visits_csv"), {"annee": year})
    cached = time.perf_counter() - started
    assert again.content == response.content
    print(
        f"\n{year}: {len(rows)} rows, {len(response.content) // 1024} KiB",
        f"in {elapsed:.2f} s, {cached:.2f} s cached",
    )
    assert response.status_code == 200
    assert len(rows) > 100
    assert any(row["secret_statistique"] == "true" for row in rows)
    for month in opendata.published_months(year):
        for site_id, table in month.sites:
            assert determined_cells(table.table, table.hidden) == set(), (month.month, site_id)
