"""The school's audit log starts with its own creation."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from alumni.core.audit_actions import register_audit_actions
from alumni.core.services import audit_record
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
