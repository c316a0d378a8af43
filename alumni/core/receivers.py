"""The school's audit log: its own creation, and admin writes made below alumni (billing)."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from alumni.core.audit_actions import register_audit_actions
from alumni.core.services import audit_record
from billing.payments.signals import payment_admin_action
from tenants.signals import school_provisioned

register_audit_actions({"school.provisioned": _("开通学校")})


@receiver(school_provisioned, dispatch_uid="core.audit_school_provisioned")
def audit_school_provisioned(sender, *, school, hostname: str, admin=None, **kwargs) -> None:
    who = f"，管理员 {admin.email}" if admin else ""
    audit_record(
        actor=None,
        action="school.provisioned",
        target=school,
        summary=f"学校开通：{school.name}（{hostname}）{who}",
        after={"name": school.name, "short_name": school.short_name, "hostname": hostname},
    )


register_audit_actions(
    {
        "payments.refund": _("退款"),
        "payments.account_update": _("修改支付渠道配置"),
        "payments.reconciliation_export": _("导出对账单"),
    }
)


@receiver(payment_admin_action, dispatch_uid="core.audit_payment_admin_action")
def audit_payment_admin_action(
    sender, *, actor, action: str, summary: str, payment=None, before=None, after=None, **kwargs
) -> None:
    # Billing sits below alumni and cannot write the school's audit log itself.
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target=payment,
        summary=summary,
        before=before,
        after=after,
    )
