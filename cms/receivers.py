"""Give a freshly cloned school its own Site hostname and home page title."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from wagtail.models import Site

from cms.models import HomePage
from tenants.signals import school_provisioned


@receiver(school_provisioned, dispatch_uid="cms.site_for_school")
def site_for_school(sender, *, school, hostname: str, **kwargs) -> None:
    port = int(settings.PLATFORM_PORT or 80)
    home = HomePage.objects.order_by("depth", "pk").first()
    home.title = home.draft_title = f"{school.name}校友会"
    home.seo_title = f"{school.name}校友会 · 校友之家"
    home.save(update_fields=["title", "draft_title", "seo_title"])
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname = hostname
    site.port = port
    site.root_page = home
    site.site_name = f"{school.short_name}校友会"
    site.save()
    Site.clear_site_root_paths_cache()
