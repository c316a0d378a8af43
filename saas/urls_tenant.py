"""URLs of a school's host (its schema): back office, H5 pages, API, and Wagtail's pages last."""

from django.conf import settings
from django.urls import include, path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", include("saas.urls_api")),
    path("accounts/handoff/", include("tenants.urls_school")),
    path("accounts/", include("alumni.accounts.urls")),
    path("alumni/", include("alumni.people.urls")),
    path("messages/", include("alumni.messaging.urls")),
    path("orgs/", include("alumni.network.urls")),
    path("events/", include("alumni.events.urls")),
    path("pay/", include("billing.payments.urls")),
]
if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
urlpatterns += [path("", include(wagtail_urls))]
