"""Network endpoints, mounted under /api/v1/ by spro/urls.py.

No app_name: the namespace "network" belongs to the browser URLs; the basenames carry an
"api-" prefix instead. Both apps mount a router at the same prefix, so neither adds a root view
(the second would be shadowed): /api/v1/docs/ lists every endpoint.
"""

from rest_framework.routers import DefaultRouter

from .api import OrganisationViewSet, TerritoryViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("territories", TerritoryViewSet, basename="api-territory")
router.register("organisations", OrganisationViewSet, basename="api-organisation")

urlpatterns = router.urls
