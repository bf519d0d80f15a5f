"""Views of the statistics app, one module per area; each module exposes its `urlpatterns`."""
