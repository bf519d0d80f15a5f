"""Governance endpoints, mounted under /api/v1/ by spro/urls.py (see network/api_urls.py for the naming)."""

from rest_framework.routers import DefaultRouter

from .api import BodyViewSet, DecisionViewSet, MeetingViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("governance/bodies", BodyViewSet, basename="api-body")
router.register("governance/meetings", MeetingViewSet, basename="api-meeting")
router.register("governance/decisions", DecisionViewSet, basename="api-decision")

urlpatterns = router.urls
