"""Site endpoints, mounted under /api/v1/ by spro/urls.py (see network/api_urls.py for the naming)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import SiteGeoJsonView, SiteViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sites", SiteViewSet, basename="api-site")

urlpatterns = [path("sites.geojson", SiteGeoJsonView.as_view(), name="api-sites-geojson"), *router.urls]
