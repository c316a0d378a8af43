"""Webhooks on the platform host: routed to the school they claim, trusted only if they verify there."""

from __future__ import annotations

import time

import pytest

from billing.payments.models import PaymentState, ProviderEvent
from tests.billing.payments.support import received, sandbox_payment, signed_delivery
from tests.conftest import inside

pytestmark = pytest.mark.django_db
URL = "/pay/webhooks/sandbox/"


def _post(client, body, headers, url=URL):
    return client.post(url, data=body, content_type="application/json", **headers)


def test_signed_event_credits_once_and_redelivery_is_acknowledged(school_a, platform_client):
    with inside(school_a):
        payment = sandbox_payment()
        body, headers = signed_delivery(payment)
    with received() as credited:
        assert _post(platform_client, body, headers).status_code == 200
        assert _post(platform_client, body, headers).status_code == 200  # provider retry: still 200
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.SUCCEEDED
        event = ProviderEvent.objects.get()
        assert event.outcome == "credited"
        assert event.payment_id == payment.pk


def test_bad_signature_stale_and_unknown_school_change_nothing(school_a, platform_client):
    with inside(school_a):
        payment = sandbox_payment()
        body, headers = signed_delivery(payment)
        _, stale = signed_delivery(payment, timestamp=int(time.time()) - 301)
    tampered = body.replace(b'"amount":10000', b'"amount":1')
    assert _post(platform_client, tampered, headers).status_code == 400
    assert _post(platform_client, body, {"HTTP_X_SANDBOX_SIGNATURE": "t=1,v1=00"}).status_code == 400
    assert _post(platform_client, body, {}).status_code == 400
    stale_body = body  # same body, signature made 301 s ago
    assert _post(
        platform_client, stale_body, {"HTTP_X_SANDBOX_SIGNATURE": stale["HTTP_X_SANDBOX_SIGNATURE"]}
    ).status_code in (400,)
    assert (
        _post(platform_client, body.replace(b'"school":"alpha"', b'"school":"nowhere"'), headers).status_code
        == 400
    )
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.PENDING
        assert not ProviderEvent.objects.exists()


def test_event_signed_with_another_schools_key_is_refused(school_a, school_b, platform_client):
    """Beta's credentials cannot move alpha's money: the claim 'alpha' verifies only with alpha's key."""
    with inside(school_a):
        payment = sandbox_payment()
        body, forged = signed_delivery(payment, schema="beta")
    assert _post(platform_client, body, forged).status_code == 400
    # The school in the URL must agree with the school the event names.
    with inside(school_a):
        _, headers = signed_delivery(payment)
    assert _post(platform_client, body, headers, url=f"{URL}beta/").status_code == 400
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.PENDING


def test_webhook_urls_exist_only_on_the_platform_host(school_a, client_a):
    with inside(school_a):
        payment = sandbox_payment()
        body, headers = signed_delivery(payment)
    assert _post(client_a, body, headers).status_code == 404
    assert client_a.get(URL).status_code in (404, 405)


def test_unknown_provider_is_404(platform_client):
    assert (
        platform_client.post("/pay/webhooks/paypal/", data=b"{}", content_type="application/json").status_code
        == 404
    )
