import datetime
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from spro.models import DatedQuerySet, ReferenceItem, TimeStampedModel, validate_date_range

from ..enums import Role


class TerritoryKind(ReferenceItem):
    """Région, département, bassin d'emploi, agence territoriale…: a list, not hard-coded."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("type de territoire")
        verbose_name_plural = _("types de territoire")


class TerritoryQuerySet(models.QuerySet):
    def of_kind(self, code: str):
        """Territories whose kind has the given code (e.g. "departement")."""
        return self.filter(kind__code=code)


class Territory(models.Model):
    kind = models.ForeignKey(TerritoryKind, on_delete=models.PROTECT, verbose_name=_("type"))
    code = models.CharField(_("code"), max_length=20, help_text=_("Code officiel (INSEE…) ou interne."))
    name = models.CharField(_("nom"), max_length=150)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["kind__order", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="territory_unique_code_per_kind")
        ]

    def __str__(self):
        return f"{self.name} ({self.code})" if self.code else self.name


class OrganisationKind(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("type d'organisation")
        verbose_name_plural = _("types d'organisation")


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The directory of organisations is open to every signed-in person; nothing otherwise."""
        return self if getattr(user, "is_authenticated", False) else self.none()

    def editable_by(self, user):
        """Everything for the regional coordination; nothing otherwise."""
        return self if user.roles.is_regional_coordinator else self.none()

    def spro_members(self, day: datetime.date | None = None):
        """Organisations recognised as SPRO members on the given day (today by default)."""
        day = day or timezone.localdate()
        return self.filter(is_spro_member=True).filter(
            Q(spro_recognised_on__isnull=True) | Q(spro_recognised_on__lte=day),
            Q(spro_recognition_ends_on__isnull=True) | Q(spro_recognition_ends_on__gte=day),
        )

    def search(self, text: str):
        """Organisations whose name, acronym or commune contains the text."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(acronym__icontains=text) | Q(commune__icontains=text))


class Organisation(TimeStampedModel):
    name = models.CharField(_("nom"), max_length=200)
    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    kind = models.ForeignKey(OrganisationKind, on_delete=models.PROTECT, verbose_name=_("type"))
    is_spro_member = models.BooleanField(_("membre du SPRO"), default=False)
    spro_recognised_on = models.DateField(_("reconnu membre du SPRO le"), null=True, blank=True)
    spro_recognition_ends_on = models.DateField(_("fin de la reconnaissance SPRO"), null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    departement = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        limit_choices_to={"kind__code": "departement"},
        verbose_name=_("département"),
    )
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    contact_name = models.CharField(_("personne à contacter"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spro_recognition_ends_on__isnull=True)
                | Q(spro_recognised_on__isnull=True)
                | Q(spro_recognition_ends_on__gte=models.F("spro_recognised_on")),
                name="organisation_spro_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self):
        super().clean()
        validate_date_range(
            self.spro_recognised_on, self.spro_recognition_ends_on, "spro_recognition_ends_on"
        )


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The people and their roles are read by the regional coordination only; nothing otherwise."""
        return self if user.roles.is_regional_coordinator else self.none()

    def editable_by(self, user):
        """Everything for the regional coordination; nothing otherwise."""
        return self if user.roles.is_regional_coordinator else self.none()


class PersonManager(UserManager.from_queryset(PersonQuerySet)):
    """Django's user manager (create_user…) with the scoped querysets of the people."""


class User(AbstractUser):
    """A person with a login. Rights come from dated role and site assignments, never from flags."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("fonction"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    objects = PersonManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def roles(self):
        """The roles in force today, computed once per request (the user object lives that long)."""
        from ..roles import compute_roles

        return compute_roles(self)


class RoleAssignmentQuerySet(DatedQuerySet):
    def editable_by(self, user):
        """Everything for the regional coordination; nothing otherwise."""
        return self if user.roles.is_regional_coordinator else self.none()


class RoleAssignment(TimeStampedModel):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("personne")
    )
    role = models.CharField(_("rôle"), max_length=40, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("au titre de l'organisation"),
    )
    start_date = models.DateField(_("début"), default=timezone.localdate)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créé par")
    )

    objects = RoleAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attribution de rôle")
        verbose_name_plural = _("attributions de rôle")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="role_assignment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.PARTNER_MEMBER) | Q(organisation__isnull=False),
                name="partner_role_needs_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# How long a token found by its key is kept in the cache (its revocation forgets it at once).
TOKEN_CACHE_SECONDS = 300


class ApiTokenQuerySet(models.QuerySet):
    def active(self, day: datetime.date | None = None):
        """Tokens neither revoked nor expired: only those authenticate."""
        day = day or timezone.localdate()
        not_expired = Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        return self.filter(revoked_at__isnull=True).filter(not_expired)

    def editable_by(self, user):
        """Tokens are created, listed and revoked by the regional coordination only."""
        return self if user.roles.is_regional_coordinator else self.none()


class ApiToken(models.Model):
    """A partner organisation's key to the REST API. Only a hash of the key is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("organisation")
    )
    name = models.CharField(
        _("nom"), max_length=100, help_text=_("À quoi sert ce jeton (ex. : entrepôt de données).")
    )
    prefix = models.CharField(_("préfixe"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("portées"), default=list)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    expires_on = models.DateField(
        _("expire le"), null=True, blank=True, help_text=_("Dernier jour de validité ; vide : sans limite.")
    )
    # Binding: when set, everything the token reads or writes is restricted to these territories'
    # sites (the binding to sites themselves is declared by the sites app: Site.api_tokens).
    territories = models.ManyToManyField(
        "Territory", blank=True, related_name="api_tokens", verbose_name=_("territoires autorisés")
    )
    created_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("créé par")
    )
    # Set at creation when the token has sites or territories: unbound tokens skip those reads.
    is_bound = models.BooleanField(_("limité à des sites ou territoires"), default=False, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.organisation} — {self.name} ({self.prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    def set_key(self, key: str) -> None:
        self.prefix = key[:8]
        self.key_hash = _hash_key(key)

    @classmethod
    def find(cls, key: str):
        """The active token of this key, or None. Kept TOKEN_CACHE_SECONDS in the cache (Redis in
        production): a call costs no query; revoking or changing a token forgets it at once."""
        digest = _hash_key(key)
        token = cache.get(cls.cache_key(digest))
        if token is None:
            token = cls.objects.active().select_related("organisation").filter(key_hash=digest).first()
            if token is None:
                return None
            cache.set(cls.cache_key(digest), token, TOKEN_CACHE_SECONDS)
        if token.is_revoked or token.is_expired:
            return None
        return token

    @staticmethod
    def cache_key(key_hash: str) -> str:
        return f"api-token:{key_hash}"

    def forget(self) -> None:
        """Drop the cached copy (after a revocation or a change)."""
        cache.delete(self.cache_key(self.key_hash))

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class ApiCallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The log of API calls is read by the regional coordination only."""
        return self if user.roles.is_regional_coordinator else self.none()


class ApiCall(models.Model):
    """One call to the API with a token: who, what, the answer's status and time. Never a body."""

    token = models.ForeignKey(
        ApiToken, on_delete=models.CASCADE, related_name="calls", verbose_name=_("jeton")
    )
    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    method = models.CharField(_("méthode"), max_length=8)
    path = models.CharField(_("adresse"), max_length=300)
    status = models.PositiveSmallIntegerField(_("statut"))
    duration_ms = models.PositiveIntegerField(_("durée (ms)"))

    objects = ApiCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel à l'API")
        verbose_name_plural = _("appels à l'API")
        ordering = ["-at"]
        indexes = [models.Index(fields=["token", "-at"])]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` sent with a write to the API, and the answer it got (IETF draft).

    A replay of a completed request returns the stored answer; the same key with another body is
    refused (422); a retry while the first is still running is refused (409). Keys live
    IDEMPOTENCY_LIFETIME, then are purged."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # Null while the first request is being processed.
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_unique_per_token")
        ]

    def __str__(self):
        return self.key
