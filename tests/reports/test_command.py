"""manage.py build_reports: the same pipeline, synchronously, with a progress bar on stderr."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from stats.reports.models import ReportFile, ReportRun

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("build_reports", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_builds_the_year(site_a, site_b, fake_documents):
    out, err = run_command("--year", str(YEAR))

    assert "4/4 — 2/2 sites" in err and "0/4" in err
    assert "4 bilan(s) produit(s)" in out
    assert ReportFile.objects.filter(year=YEAR, is_current=True).count() == 4
    assert ReportRun.objects.get().requested_by is None


def test_one_site_one_kind_provisional(site_a, site_b, fake_documents):
    out, err = run_command("--year", str(YEAR), "--site", "troyes", "--kind", "site", "--provisional")

    (report_file,) = ReportFile.objects.all()
    assert report_file.site == site_b and report_file.provisional
    assert "1/1" in err


def test_a_failure_is_reported_and_the_region_still_built(site_a, site_b, fake_documents, no_retry_delay):
    fake_documents.fail["site:reims"] = 99
    with pytest.raises(CommandError, match="1 bilan"):
        run_command("--year", str(YEAR))
    assert ReportFile.objects.filter(kind="region").exists()


def test_bad_arguments(site_a, fake_documents):
    with pytest.raises(CommandError, match="Site inconnu"):
        run_command("--year", str(YEAR), "--site", "nulle-part")
    with pytest.raises(CommandError, match="inconnu"):
        run_command("--year", str(YEAR), "--kind", "autre")
