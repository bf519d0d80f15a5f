"""`Idempotency-Key` for the API's writes, as the IETF draft (draft-ietf-httpapi-idempotency-key-header)
describes it: a client retries a POST safely by sending the same key.

- first request with a key: recorded as running (committed at once, so that a concurrent retry
  sees it), processed, then its answer (status and JSON body) stored;
- the same key and the same body, once completed: the stored answer again, nothing changes
  (`Idempotent-Replayed: true`);
- the same key with another body: 422;
- the same key while the first request still runs: 409;
- an answer that failed on the server (5xx) is not kept: the key can be retried.
Keys are kept IDEMPOTENCY_LIFETIME (24 hours) per token, then purged.
"""

import datetime
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, IdempotencyKey

IDEMPOTENCY_LIFETIME = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def run_once(
    *, token: ApiToken, key: str, body: bytes, handler: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run `handler` (returning (status, JSON body)) at most once per (token, key).

    Returns (status, body, replayed). Raises IdempotencyError for a bad key, a key reused with
    another body (422) or a request still running (409)."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyError(
            400,
            "invalid_idempotency_key",
            _("En-tête Idempotency-Key invalide (1 à 255 caractères imprimables)."),
        )
    print_ = fingerprint(body)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(token=token, key=key, fingerprint=print_)
    except IntegrityError:
        return _replay(token, key, print_)
    try:
        status, answer = handler()
    except BaseException:
        record.delete()
        raise
    if status >= 500:
        record.delete()
    else:
        IdempotencyKey.objects.filter(pk=record.pk).update(status_code=status, body=answer)
    return status, answer, False


def _replay(token: ApiToken, key: str, print_: str) -> tuple[int, dict, bool]:
    record = IdempotencyKey.objects.filter(token=token, key=key).first()
    if record is None:  # Purged or failed between the two queries: the client may retry.
        raise IdempotencyError(409, "idempotency_conflict", _("Requête en cours avec cette clé : réessayez."))
    if record.fingerprint != print_:
        raise IdempotencyError(
            422,
            "idempotency_key_reused",
            _("Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez-en une nouvelle."),
        )
    if record.status_code is None:
        raise IdempotencyError(
            409, "idempotency_conflict", _("Une requête avec cette clé Idempotency-Key est encore en cours.")
        )
    return record.status_code, record.body, True


def purge(now: datetime.datetime | None = None) -> int:
    """Delete the keys older than their lifetime; returns how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_LIFETIME
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
