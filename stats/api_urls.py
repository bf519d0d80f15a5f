"""Statistics endpoints, mounted under /api/v1/ by spro/urls.py (see network/api_urls.py for the naming)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import MonthlyStatsViewSet, TotalsView
from .api_visits import VisitIngestView
from .reports.api import ReportFileViewSet, ReportPdfViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("stats/monthly", MonthlyStatsViewSet, basename="api-stats-monthly")
router.register("reports", ReportFileViewSet, basename="api-report")
router.register("reports/pdf", ReportPdfViewSet, basename="api-report-pdf")

urlpatterns = [
    path("stats/totals/", TotalsView.as_view(), name="api-stats-totals"),
    *router.urls,
    path("visits/", VisitIngestView.as_view(), name="api-visits"),
]
