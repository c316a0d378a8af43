"""Payments API routes under /api/v1/ (the mini-program pays through these)."""

from django.urls import path

from billing.payments.api import views

app_name = "payments_api"
urlpatterns = [
    path("payments/<slug:reference>/", views.PaymentDetailView.as_view(), name="payment"),
    path("payments/<slug:reference>/start/", views.PaymentStartView.as_view(), name="start"),
    path("payments/<slug:reference>/sync/", views.PaymentSyncView.as_view(), name="sync"),
]
