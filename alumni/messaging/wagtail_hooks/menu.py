"""The 消息中心 submenu: each messaging area adds its items with the hook ``register_messaging_menu_item``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu

from alumni.core.admin_menu import SchoolAdminSubmenuMenuItem

messaging_menu = Menu(register_hook_name="register_messaging_menu_item")


@hooks.register("register_admin_menu_item")
def register_messaging_menu():
    return SchoolAdminSubmenuMenuItem(
        _("消息中心"), messaging_menu, icon_name="mail", name="messaging", order=410
    )
