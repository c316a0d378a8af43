"""The REST API for the mini-program and H5: /api/v1/, its OpenAPI schema and Swagger UI."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

v1_patterns = [
    path("", include("alumni.accounts.api.urls")),
    path("", include("alumni.people.api.urls")),
    path("", include("alumni.messaging.api.urls")),
    path("", include("alumni.network.api.urls")),
    path("", include("alumni.events.api.urls")),
    path("", include("billing.payments.api.urls")),
]

# The schema documents /api/v1/ only (not Wagtail's internal admin API on the same host).
schema_patterns = [path("api/v1/", include(v1_patterns))]


def api_not_found(request, path: str = ""):
    """Unknown /api/ paths answer in the API's error format instead of the HTML 404 page."""
    return JsonResponse({"code": "not_found", "detail": f"接口不存在：{request.path}"}, status=404)


urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("schema/", SpectacularAPIView.as_view(patterns=schema_patterns), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Keep last: everything under /api/ that nothing above matched.
    re_path(r"^(?P<path>.*)$", api_not_found),
]
