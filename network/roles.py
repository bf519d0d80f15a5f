"""What a person may do, resolved once per request from their dated assignments."""

from dataclasses import dataclass

from django.utils import timezone

from .enums import Role


@dataclass(frozen=True)
class UserRoles:
    is_regional_coordinator: bool = False
    is_observer: bool = False
    partner_organisation_ids: frozenset = frozenset()
    coordinated_site_ids: frozenset = frozenset()
    # (slug, name) of the coordinated sites, for menus: fetched with the ids, no extra query.
    coordinated_sites: tuple = ()

    @property
    def is_site_coordinator(self) -> bool:
        return bool(self.coordinated_site_ids)

    @property
    def is_partner(self) -> bool:
        return bool(self.partner_organisation_ids)

    @property
    def reads_whole_network(self) -> bool:
        """Regional coordinators and observers (Région, funders) read every site's data."""
        return self.is_regional_coordinator or self.is_observer

    @property
    def labels(self) -> list[str]:
        from django.utils.translation import gettext as _

        labels = []
        if self.is_regional_coordinator:
            labels.append(str(Role.REGIONAL_COORDINATOR.label))
        if self.is_site_coordinator:
            labels.append(_("Coordination de site"))
        if self.is_partner:
            labels.append(str(Role.PARTNER_MEMBER.label))
        if self.is_observer:
            labels.append(str(Role.OBSERVER.label))
        return labels


NO_ROLES = UserRoles()


def compute_roles(user) -> UserRoles:
    if not user.is_authenticated or not user.is_active:
        return NO_ROLES
    today = timezone.localdate()
    role_rows = list(user.role_assignments.current(today).values_list("role", "organisation_id"))
    roles = {role for role, _ in role_rows}
    # The sites app sits above this one: its assignments are read through the reverse relation.
    site_rows = sorted(
        set(user.site_assignments.current(today).values_list("site_id", "site__slug", "site__name")),
        key=lambda row: row[2],
    )
    site_ids = frozenset(row[0] for row in site_rows)
    return UserRoles(
        # A superuser administers the platform: treat them as the regional coordination.
        is_regional_coordinator=user.is_superuser or Role.REGIONAL_COORDINATOR in roles,
        is_observer=Role.OBSERVER in roles,
        partner_organisation_ids=frozenset(o for r, o in role_rows if r == Role.PARTNER_MEMBER and o),
        coordinated_site_ids=site_ids,
        coordinated_sites=tuple((slug, name) for _id, slug, name in site_rows),
    )
