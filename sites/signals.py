"""The directory's cached API answers are forgotten whenever what they show changes."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from network.models import Organisation, Territory
from spro.api import bump_api_version

from .models import ServiceLevel, Site, SiteKind, Theme

DIRECTORY_MODELS = (Site, SiteKind, Theme, ServiceLevel, Organisation, Territory)


def _directory_changed(**kwargs):
    bump_api_version("sites", "sites-geojson")


def connect() -> None:
    for model in DIRECTORY_MODELS:
        post_save.connect(_directory_changed, sender=model, dispatch_uid=f"directory-{model.__name__}-save")
        post_delete.connect(
            _directory_changed, sender=model, dispatch_uid=f"directory-{model.__name__}-delete"
        )
    for through in (Site.themes.through, Site.service_levels.through):
        m2m_changed.connect(_directory_changed, sender=through, dispatch_uid=f"directory-{through.__name__}")
