"""Events endpoints, mounted under /api/v1/ by spro/urls.py (see network/api_urls.py for the naming)."""

from rest_framework.routers import DefaultRouter

from .api import EventViewSet, ProgrammeViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# Before events/<id>/: "programmes" is not an event id.
router.register("events/programmes", ProgrammeViewSet, basename="api-programme")
router.register("events", EventViewSet, basename="api-event")

urlpatterns = router.urls
