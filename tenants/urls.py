"""The platform domain's pages (public schema): landing, school sign-up and the operator console."""

from django.urls import include, path

from tenants import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("console/", include("tenants.urls_console")),
]
