"""Back office: the 套餐与账单 menu item and its pages, for school admins (superusers) only.

billing cannot import alumni, so this uses Wagtail's own hooks and MenuItem directly.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from billing.subscriptions import views


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return bool(user.is_authenticated and user.is_active and user.is_superuser)


@hooks.register("register_admin_urls")
def register_plan_urls():
    return [
        path("plan/", views.plan_page, name="subscriptions_plan"),
        path("plan/checkout/", views.checkout, name="subscriptions_checkout"),
        path("plan/portal/", views.portal, name="subscriptions_portal"),
    ]


@hooks.register("register_admin_menu_item")
def register_plan_menu_item():
    return SchoolAdminMenuItem(
        _("套餐与账单"), reverse("subscriptions_plan"), icon_name="tasks", name="plan", order=9000
    )
