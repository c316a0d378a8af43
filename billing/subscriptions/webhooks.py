"""POST /billing/stripe/webhook/ on the platform domain: the platform's Stripe account's events.

Verified with STRIPE_PLATFORM_WEBHOOK_SECRET (300 s tolerance). A bad signature gets 400, so
Stripe shows the failure; a duplicate or an event for no known school gets 200, so Stripe stops
retrying something that can never succeed.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.subscriptions import stripe_api
from billing.subscriptions.errors import StripeNotConfigured, WebhookRejected
from billing.subscriptions.services import stripe_event_handle


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_api.event_verify(request.body, request.headers.get("Stripe-Signature", ""))
    except StripeNotConfigured as exc:
        return JsonResponse({"code": exc.code, "detail": exc.message}, status=503)
    except WebhookRejected as exc:
        return JsonResponse({"code": exc.code, "detail": exc.message}, status=400)
    outcome = stripe_event_handle(event=event)
    return HttpResponse(outcome, content_type="text/plain; charset=utf-8")
