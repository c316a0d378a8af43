"""The back-office to-do and audit labels of registration claims (loaded from PeopleConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from alumni.core.audit_actions import register_audit_actions
from alumni.core.permissions import is_school_admin
from alumni.core.todos import TodoItem, register_todo
from alumni.people.selectors.claims import claims_pending_count

# The review queue (built by the back office on services.claims).
CLAIMS_QUEUE_URL = "/admin/people/claims/"

register_audit_actions(
    {
        "claim.submit": _("提交校友认证"),
        "claim.auto_verify": _("校友认证自动通过"),
        "claim.approve": _("通过校友认证"),
        "claim.create_person": _("通过认证并新建档案"),
        "claim.reject": _("驳回校友认证"),
        "person.self_update": _("校友修改本人档案"),
    }
)


@register_todo
def pending_claims(request) -> list[TodoItem]:
    """待审核的校友认证: only school admins decide claims."""
    if not is_school_admin(request.user):
        return []
    return [
        TodoItem(
            label=str(_("待审核的校友认证")), count=claims_pending_count(), url=CLAIMS_QUEUE_URL, priority=80
        )
    ]
