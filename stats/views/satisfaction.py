"""Stub: filled by the satisfaction area."""

urlpatterns: list = []
