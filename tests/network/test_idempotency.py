"""Idempotency-Key semantics (IETF draft), independent of the endpoint that uses them."""

import datetime

import pytest

from network.enums import ApiScope
from network.idempotency import IdempotencyError, purge, run_once
from network.models import IdempotencyKey
from network.services import api_token_create
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    token, _key = api_token_create(organisation=OrganisationFactory(), name="X", scopes=[ApiScope.STATS_READ])
    return token


def counting_handler(status=201):
    calls = []

    def handler():
        calls.append(1)
        return status, {"created": len(calls)}

    return handler, calls


def test_a_replay_returns_the_first_answer_and_runs_nothing(token):
    handler, calls = counting_handler()
    first = run_once(token=token, key="k-1", body=b'{"a": 1}', handler=handler)
    again = run_once(token=token, key="k-1", body=b'{"a": 1}', handler=handler)

    assert first == (201, {"created": 1}, False)
    assert again == (201, {"created": 1}, True)
    assert len(calls) == 1


def test_the_same_key_with_another_body_is_refused(token):
    handler, calls = counting_handler()
    run_once(token=token, key="k-1", body=b'{"a": 1}', handler=handler)
    with pytest.raises(IdempotencyError) as refused:
        run_once(token=token, key="k-1", body=b'{"a": 2}', handler=handler)
    assert refused.value.status == 422
    assert len(calls) == 1


def test_a_retry_while_the_first_still_runs_is_refused(token):
    def handler():
        # The first request is running: a retry arrives meanwhile.
        with pytest.raises(IdempotencyError) as conflict:
            run_once(token=token, key="k-1", body=b"{}", handler=lambda: (201, {}))
        assert conflict.value.status == 409
        return 201, {"ok": True}

    assert run_once(token=token, key="k-1", body=b"{}", handler=handler) == (201, {"ok": True}, False)


def test_keys_belong_to_their_token(token):
    other, _ = api_token_create(organisation=OrganisationFactory(), name="Y", scopes=[ApiScope.STATS_READ])
    handler, calls = counting_handler()
    run_once(token=token, key="k-1", body=b"{}", handler=handler)
    run_once(token=other, key="k-1", body=b"{}", handler=handler)
    assert len(calls) == 2


def test_a_failed_request_frees_its_key(token):
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_once(token=token, key="k-1", body=b"{}", handler=broken)
    handler, calls = counting_handler(status=500)
    run_once(token=token, key="k-1", body=b"{}", handler=handler)
    handler, calls = counting_handler()
    assert run_once(token=token, key="k-1", body=b"{}", handler=handler)[2] is False
    assert len(calls) == 1


def test_a_client_error_answer_is_kept_like_a_success(token):
    handler, calls = counting_handler(status=400)
    run_once(token=token, key="k-1", body=b"{}", handler=handler)
    assert run_once(token=token, key="k-1", body=b"{}", handler=handler) == (400, {"created": 1}, True)


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "a\nb"])
def test_a_malformed_key_is_refused(token, key):
    with pytest.raises(IdempotencyError) as refused:
        run_once(token=token, key=key, body=b"{}", handler=lambda: (201, {}))
    assert refused.value.status == 400


def test_keys_are_purged_after_their_lifetime(token):
    run_once(token=token, key="old", body=b"{}", handler=lambda: (201, {}))
    IdempotencyKey.objects.update(created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    run_once(token=token, key="new", body=b"{}", handler=lambda: (201, {}))
    assert purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
