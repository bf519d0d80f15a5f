"""Stub: filled by the dashboards area."""

urlpatterns: list = []
