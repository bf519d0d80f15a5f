"""Stub: filled by the imports area."""

urlpatterns: list = []
