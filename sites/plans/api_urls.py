"""Action plan endpoints, mounted under /api/v1/ by spro/urls.py (see network/api_urls.py for the naming)."""

from rest_framework.routers import DefaultRouter

from .api import ActionPlanViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("governance/action-plans", ActionPlanViewSet, basename="api-action-plan")

urlpatterns = router.urls
