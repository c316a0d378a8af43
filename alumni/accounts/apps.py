from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "alumni.accounts"
    label = "accounts"
    verbose_name = _("账号")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from alumni.accounts.payer import wechat_openid
        from billing.payments.payer import register_openid_resolver

        # The pay page and the payments API find the payer's openid through this.
        register_openid_resolver(wechat_openid)
