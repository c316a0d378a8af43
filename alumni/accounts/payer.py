"""Tell billing a payer's WeChat openid (billing cannot import alumni; see billing.payments.payer).

Registered in ``AccountsConfig.ready``. An openid belongs to one WeChat app, so when billing
names the AppID its merchant account is bound to, only an identity of that app will do: WeChat
Pay rejects an openid from another app.
"""

from __future__ import annotations

from alumni.accounts.models import WeChatIdentity

KIND_OF = {"mp": WeChatIdentity.Kind.OFFICIAL, "mini": WeChatIdentity.Kind.MINIPROGRAM}


def wechat_openid(user, *, kind: str, app_id: str = "") -> str:
    """The openid of `user`'s bound WeChat identity of `kind` (in `app_id` when given), or ""."""
    identities = WeChatIdentity.objects.filter(user=user, kind=KIND_OF[kind])
    if app_id:
        identities = identities.filter(app_id=app_id)
    return identities.order_by("-last_seen_at").values_list("openid", flat=True).first() or ""
