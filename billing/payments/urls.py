"""H5 pay pages on the school's host, mounted at /pay/ (saas/urls_tenant.py)."""

from django.urls import path

from billing.payments import views

app_name = "payments"

urlpatterns = [
    path("<slug:reference>/", views.pay, name="pay"),
    path("<slug:reference>/start/", views.pay_start, name="start"),
    path("<slug:reference>/sandbox/", views.sandbox, name="sandbox"),
    path("<slug:reference>/return/", views.pay_return, name="return"),
]
