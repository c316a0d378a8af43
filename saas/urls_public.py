"""URLs of the platform domain (public schema): landing, school sign-up, operator console."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("pay/webhooks/", include("billing.payments.urls_webhooks")),
    path("", include("tenants.urls")),
    path("", include("billing.subscriptions.urls")),  # /billing/stripe/webhook/, /console/plans/
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
