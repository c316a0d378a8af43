"""Mounted on the platform URLconf (saas/urls_public.py) under /pay/webhooks/."""

from django.urls import path

from billing.payments import webhooks

app_name = "payment_webhooks"

urlpatterns = [
    path("<slug:provider>/", webhooks.receive, name="receive"),
    path("<slug:provider>/<slug:schema>/", webhooks.receive, name="receive_for_school"),
]
