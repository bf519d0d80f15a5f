"""Writes of the network app. Views, serializers and commands call these; they don't save models."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import ApiScope, Role
from .models import ApiToken, Organisation, RoleAssignment, User


@transaction.atomic
def organisation_save(*, organisation: Organisation, author: User | None = None) -> Organisation:
    """Create or update an organisation after full validation; the history keeps the author."""
    organisation._history_user = author
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    organisation: Organisation | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    author: User | None = None,
) -> RoleAssignment:
    """Give a person a role from a date; a partner member always acts for an organisation."""
    if role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    if role == Role.PARTNER_MEMBER and organisation is None:
        raise ValidationError({"organisation": _("Un membre partenaire représente une organisation.")})
    start_date = start_date or timezone.localdate()
    overlapping = RoleAssignment.objects.filter(user=user, role=role).current(start_date)
    if role != Role.PARTNER_MEMBER and overlapping.exists():
        raise ValidationError({"role": _("Cette personne a déjà ce rôle à cette date.")})
    assignment = RoleAssignment(
        user=user,
        role=role,
        organisation=organisation,
        start_date=start_date,
        end_date=end_date,
        created_by=author,
    )
    assignment._history_user = author
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def role_end(
    *, assignment: RoleAssignment, end_date: datetime.date | None = None, author: User | None = None
):
    """End a role assignment at a date (today by default); the row stays for history."""
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": _("La date de fin ne peut pas précéder la date de début.")})
    assignment.end_date = end_date
    assignment._history_user = author
    assignment.save(update_fields=["end_date", "updated_at"])
    return assignment


@transaction.atomic
def api_token_create(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    territories=(),
    sites=(),
    expires_on=None,
    author=None,
) -> tuple[ApiToken, str]:
    """Create a token for a partner organisation. Returns the token and the clear key, shown once.

    `territories` and `sites` bind the token: when either is given, everything it reads or writes
    is restricted to those sites and the sites of those territories."""
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise ValidationError(
            {"scopes": _("Portées inconnues : %(scopes)s") % {"scopes": ", ".join(sorted(unknown))}}
        )
    if not scopes:
        raise ValidationError({"scopes": _("Choisissez au moins une portée.")})
    if expires_on is not None and expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": _("La date d'expiration doit être postérieure à aujourd'hui.")})
    key = ApiToken.generate_key()
    token = ApiToken(
        organisation=organisation,
        name=name,
        scopes=sorted(set(scopes)),
        expires_on=expires_on,
        created_by=author,
        is_bound=bool(territories or sites),
    )
    token.set_key(key)
    token.full_clean(exclude=["key_hash", "prefix", "created_by"])
    token.save()
    token.territories.set(territories)
    if sites:
        # The binding to sites is declared by the sites app (Site.api_tokens): reached in reverse.
        token.sites.set(sites)
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    token.forget()
    return token
