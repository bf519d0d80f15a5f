"""Reads of the sites core that span several models.

Part of the sites core layer (see [tool.importlinter] in pyproject.toml): no label, plan or stats.
"""

from collections.abc import Iterable

from django.db.models import ForeignKey, Model

from .models import Site


def history_related_objects(change_lists: Iterable) -> dict[ForeignKey, dict[int, Model]]:
    """The objects that the foreign keys of a site's history changes point to, one query per related model."""
    wanted: dict = {}
    for changes in change_lists:
        for change in changes:
            field = Site._meta.get_field(change.field)
            if isinstance(field, ForeignKey):
                wanted.setdefault(field, set()).update(v for v in (change.old, change.new) if v is not None)
    return {field: field.related_model._default_manager.in_bulk(ids) for field, ids in wanted.items()}
