"""Shared fixtures of the reports' tests: a fake documents module (fast, and able to fail on demand),
a private media folder, a run built eagerly."""

import datetime
import hashlib
import json
import sys
import types
from dataclasses import dataclass

import pytest
from django.utils import timezone

YEAR = timezone.localdate().year - 1


@dataclass
class FakeDocument:
    title: str
    html: str
    figures: dict
    data_as_of: datetime.datetime
    fingerprint: str


class FakeDocuments:
    """Stands for stats/reports/documents.py: same functions, a one-page "PDF", and failures on demand.

    `fail[key]` = how many times the document of that key ("site:<slug>", "region", "governance")
    fails before succeeding (a large number: always)."""

    def __init__(self):
        self.fail: dict[str, int] = {}
        self.calls: list[tuple] = []
        self.KINDS = {
            "site": self.site_report,
            "region": self.region_report,
            "governance": self.governance_report,
        }

    def _maybe_fail(self, key):
        if self.fail.get(key, 0) > 0:
            self.fail[key] -= 1
            raise RuntimeError(f"panne simulée ({key})")

    def _document(self, title, figures, provisional):
        text = json.dumps(figures, sort_keys=True)
        return FakeDocument(
            title=title + (" (provisoire)" if provisional else ""),
            html=f"<html lang='fr'><body><h1>{title}</h1><p>{text}</p></body></html>",
            figures=figures,
            data_as_of=datetime.datetime(YEAR, 12, 31, 18, 0, tzinfo=datetime.UTC),
            fingerprint=hashlib.sha256(text.encode()).hexdigest()[:12],
        )

    def site_report(self, site, year, *, provisional):
        self.calls.append(("site", site.slug, year, provisional))
        self._maybe_fail(f"site:{site.slug}")
        return self._document(
            f"Bilan d'activité {year} — {site.name}", {"site": site.slug, "year": year}, provisional
        )

    def region_report(self, year, *, provisional, missing_sites):
        self.calls.append(("region", [site.slug for site in missing_sites], year, provisional))
        self._maybe_fail("region")
        return self._document(
            f"Bilan régional {year}",
            {"year": year, "missing": [site.name for site in missing_sites]},
            provisional,
        )

    def governance_report(self, year, *, provisional):
        self.calls.append(("governance", None, year, provisional))
        self._maybe_fail("governance")
        return self._document(f"Bilan de la gouvernance {year}", {"year": year}, provisional)

    def render_pdf(self, document):
        return b"%PDF-1.7\n% " + document.html.encode() + b"\n%%EOF\n", 1


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fake_documents(monkeypatch):
    """Replace stats.reports.documents by the fake for the test (the real one needs WeasyPrint)."""
    fake = FakeDocuments()
    module = types.ModuleType("stats.reports.documents")
    for name in ("site_report", "region_report", "governance_report", "render_pdf", "KINDS"):
        setattr(module, name, getattr(fake, name))
    monkeypatch.setitem(sys.modules, "stats.reports.documents", module)
    import stats.reports

    monkeypatch.setattr(stats.reports, "documents", module, raising=False)
    return fake


@pytest.fixture
def no_retry_delay(monkeypatch):
    from stats.reports import tasks

    monkeypatch.setattr(tasks, "RETRY_DELAY", 0)
