"""Stub: filled by the periods area."""

urlpatterns: list = []
