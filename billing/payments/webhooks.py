"""Provider webhooks on the platform host, routed to the school they belong to.

Providers call one URL per provider (``/pay/webhooks/stripe/``); the school comes from the event
itself (Stripe metadata, WeChat Pay's ``attach``) or, for deliveries that carry no such field
(WeChat refund notifies), from the notify URL we gave the provider. That claim is untrusted until
the delivery verifies with *that school's* secret, inside that school's schema.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from billing.errors import ProviderUnavailable
from billing.payments.providers import provider_class
from billing.payments.providers.base import InvalidSignature
from billing.payments.selectors import provider_for
from billing.payments.services import webhook_process
from tenants.models import School

log = logging.getLogger(__name__)


def _reply(cls, *, ok: bool, message: str = "") -> HttpResponse:
    reply = cls.webhook_reply(ok=ok, message=message)
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


@csrf_exempt
@require_POST
def receive(request, provider: str, schema: str = ""):
    try:
        cls = provider_class(provider)
    except LookupError:
        return HttpResponse(status=404)
    body = request.body
    claimed = cls.route(body, request.headers)
    if schema and claimed and claimed != schema:
        log.warning("%s webhook for %s arrived on %s's URL", provider, claimed, schema)
        return _reply(cls, ok=False, message="school mismatch")
    schema = schema or claimed or ""
    school = School.objects.filter(schema_name=schema).only("schema_name").first() if schema else None
    if school is None:
        log.warning("%s webhook for unknown school %r", provider, schema)
        return _reply(cls, ok=False, message="unknown school")
    with schema_context(school.schema_name):
        try:
            notifications = provider_for(provider).parse_webhook(body, request.headers)
        except (InvalidSignature, ProviderUnavailable) as exc:
            log.warning("%s webhook for %s rejected: %s", provider, schema, exc)
            return _reply(cls, ok=False, message="signature")
        for notification in notifications:
            outcome = webhook_process(provider=provider, notification=notification)
            log.info("%s %s %s → %s", provider, notification.type, notification.event_id, outcome)
    return _reply(cls, ok=True)
