"""Route each request to its school's schema by host, or to the platform."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import Domain, School

SCHOOL_HEADER = "HTTP_X_SCHOOL"


def platform_hosts() -> set[str]:
    return {settings.PLATFORM_DOMAIN, "127.0.0.1", "testserver"}


class SchoolMiddleware(TenantMainMiddleware):
    """Tenant by host; the platform domain is the public schema.

    The mini-program can only call one host, so on the platform host an ``/api/`` request may
    name its school in the ``X-School`` header (the school's subdomain).
    """

    def get_tenant(self, domain_model, hostname):
        return domain_model.objects.select_related("tenant").get(domain=hostname).tenant

    def process_request(self, request):
        connection.set_schema_to_public()
        hostname = self.hostname_from_request(request)
        if hostname in platform_hosts():
            subdomain = request.META.get(SCHOOL_HEADER, "").strip().lower()
            if subdomain and request.path.startswith("/api/"):
                school = School.objects.filter(subdomain=subdomain).first()
                if school is None:
                    # API clients get the API's error format, not an HTML page.
                    return JsonResponse(
                        {"code": "school_not_found", "detail": f"学校不存在：{subdomain}"}, status=404
                    )
                return self._activate(request, school, hostname)
            if request.path.startswith("/api/"):
                detail = "请使用学校的域名，或在请求头 X-School 中填写学校子域名"
                return JsonResponse({"code": "school_required", "detail": detail}, status=400)
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            return None
        try:
            school = self.get_tenant(Domain, hostname)
        except Domain.DoesNotExist:
            return render(request, "tenants/unknown_host.html", {"hostname": hostname}, status=404)
        return self._activate(request, school, hostname)

    def _activate(self, request, school: School, hostname: str):
        school.domain_url = hostname
        request.tenant = school
        connection.set_tenant(school)
        self.setup_url_routing(request)
        return None


class SuspendedSchoolMiddleware:
    """A suspended or still-provisioning school answers every request with a notice page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        school = getattr(request, "tenant", None)
        if isinstance(school, School) and school.status != School.Status.ACTIVE:
            # A suspended school's admins can still sign in and pay for the plan (billing's page),
            # which is how a suspension for non-payment ends.
            if school.status == School.Status.SUSPENDED and request.path.startswith(
                tuple(settings.SUSPENDED_SCHOOL_OPEN_PATHS)
            ):
                return self.get_response(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "school_unavailable", "detail": "该学校暂停服务"}, status=503)
            return render(request, "tenants/school_unavailable.html", {"school": school}, status=503)
        return self.get_response(request)
