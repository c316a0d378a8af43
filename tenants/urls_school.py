"""Platform URLs served on every school's host (included by saas/urls_tenant.py)."""

from django.urls import path

from tenants.handoff import handoff

urlpatterns = [
    path("<str:uidb64>/<str:token>/", handoff, name="school_handoff"),
]
