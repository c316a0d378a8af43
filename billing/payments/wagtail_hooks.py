"""The 支付管理 menu (支付记录, 对账导出, 支付渠道) and its admin URLs, for school admins only.

Billing sits below alumni, so the menu items carry their own "school admin" check instead of
alumni.core.admin_menu's.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from billing.payments import admin_views


@hooks.register("register_icons")
def register_yuan_icon(icons):
    # Wagtail ships no currency icon.
    return [*icons, "payments/icons/yuan.svg"]


@hooks.register("register_admin_urls")
def register_payments_urls():
    return [
        path("payments/", admin_views.payment_list_view, name="payments_admin_list"),
        path(
            "payments/reconciliation/", admin_views.reconciliation_view, name="payments_admin_reconciliation"
        ),
        path("payments/providers/", admin_views.providers_view, name="payments_admin_providers"),
        path("payments/<str:reference>/", admin_views.payment_detail_view, name="payments_admin_detail"),
        path("payments/<str:reference>/sync/", admin_views.payment_sync_view, name="payments_admin_sync"),
    ]


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.is_school_admin(request.user)


class SchoolAdminSubmenuMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return admin_views.is_school_admin(request.user)


payments_menu = Menu(register_hook_name="register_payments_menu_item")


@hooks.register("register_payments_menu_item")
def register_list_item():
    return SchoolAdminMenuItem(
        _("支付记录"), reverse("payments_admin_list"), icon_name="list-ul", name="payments-list", order=10
    )


@hooks.register("register_payments_menu_item")
def register_reconciliation_item():
    return SchoolAdminMenuItem(
        _("对账导出"),
        reverse("payments_admin_reconciliation"),
        icon_name="download",
        name="payments-reconciliation",
        order=20,
    )


@hooks.register("register_payments_menu_item")
def register_providers_item():
    return SchoolAdminMenuItem(
        _("支付渠道"),
        reverse("payments_admin_providers"),
        icon_name="cog",
        name="payments-providers",
        order=30,
    )


@hooks.register("register_admin_menu_item")
def register_payments_menu():
    return SchoolAdminSubmenuMenuItem(
        _("支付管理"), payments_menu, icon_name="yuan", name="payments", order=420
    )
