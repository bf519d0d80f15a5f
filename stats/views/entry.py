"""Stub: filled by the entry area."""

urlpatterns: list = []
