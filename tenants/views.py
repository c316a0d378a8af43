"""Public pages of the platform domain: the landing page and self-service school sign-up."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.errors import ProvisioningFailed, SubdomainUnavailable, TemplateMissing
from tenants.forms import SignupForm
from tenants.handoff import handoff_url
from tenants.selectors import demo_schools, school_host
from tenants.services import SchoolAdmin, host_url, school_create


def landing(request):
    demos = [{"school": school, "url": host_url(school_host(school))} for school in demo_schools()]
    return render(request, "tenants/landing.html", {"demos": demos})


def _signup_allowed(request) -> bool:
    """At most SIGNUP_RATE_LIMIT sign-ups per client address per hour: each one creates a schema."""
    limit = getattr(settings, "SIGNUP_RATE_LIMIT", 10)
    key = f"tenants:signup:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        return True


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not _signup_allowed(request):
            form.add_error(None, _("注册过于频繁，请一小时后再试。"))
        else:
            try:
                school = school_create(
                    name=data["name"],
                    short_name=data["short_name"],
                    subdomain=data["subdomain"],
                    admin=SchoolAdmin(
                        email=data["admin_email"], password=data["password1"], name=data["admin_name"]
                    ),
                    actor_label=f"自助注册 {data['admin_email']}",
                )
            except SubdomainUnavailable as exc:  # taken in the second since the form was checked
                form.add_error("subdomain", exc.message)
            except (ProvisioningFailed, TemplateMissing):
                form.add_error(
                    None,
                    _("抱歉，开通学校时出现问题，未创建任何数据。请稍后重试，或联系平台客服。"),
                )
            else:
                return HttpResponseRedirect(handoff_url(school=school, email=data["admin_email"]))
    return render(request, "tenants/signup.html", {"form": form})
