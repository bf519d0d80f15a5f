"""The network app's models. Only the network core is exported here; governance and strategy
models are imported from their own modules (`network.models.governance`…), so that the import
contracts see who reads them. The import below registers them with Django, which loads
`network.models` only."""

from . import governance, strategy  # noqa: F401 - registers the models of the upper layers.
from .core import (
    ApiCall,
    ApiToken,
    ApiTokenQuerySet,
    IdempotencyKey,
    Organisation,
    OrganisationKind,
    OrganisationQuerySet,
    RoleAssignment,
    RoleAssignmentQuerySet,
    Territory,
    TerritoryKind,
    TerritoryQuerySet,
    User,
)

__all__ = [
    "ApiCall",
    "IdempotencyKey",
    "ApiToken",
    "ApiTokenQuerySet",
    "Organisation",
    "OrganisationKind",
    "OrganisationQuerySet",
    "RoleAssignment",
    "RoleAssignmentQuerySet",
    "Territory",
    "TerritoryKind",
    "TerritoryQuerySet",
    "User",
]
