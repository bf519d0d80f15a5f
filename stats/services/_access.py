"""Who may enter a site's data, and the coordination-only check: shared by the service modules."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sites.models import Site


def _may_enter_data(user, site: Site) -> bool:
    roles = user.roles
    return roles.is_regional_coordinator or site.pk in roles.coordinated_site_ids


def _require_coordination(author) -> None:
    roles = author.roles
    if not roles.is_regional_coordinator:
        raise PermissionDenied(_("Seule la coordination régionale peut faire cette action."))
