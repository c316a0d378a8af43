"""The network's plugs into other apps' seams (imported by NetworkConfig.ready):

- school provisioning creates the head association (校友总会) in every new school;
- the people app's privacy rule "same chapter" becomes organization membership;
- campaigns get a "chapter" recipient source (every member of an organization's subtree);
- invitations of purpose chapter_president / chapter_admin apply the role when accepted.
"""

from __future__ import annotations

from django import forms
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from alumni.core.audit_actions import register_audit_actions
from alumni.messaging.recipient_sources import register_recipient_source
from alumni.messaging.services.invites import register_invite_handler
from alumni.network.models import Organization, Role
from alumni.network.selectors import branch_prefixes, fellow_ids, subtree_members
from alumni.network.services import head_association_provision, officer_invite_accept
from alumni.people.selectors.privacy import register_chapter_rule, same_college
from tenants.signals import school_provisioned


@receiver(school_provisioned, dispatch_uid="network.head_association")
def _create_head_association(sender, school, **kwargs):
    head_association_provision(school=school)


# --- privacy: "my chapters" -------------------------------------------------------------------


def _load_fellows(viewer) -> set[int]:
    """Everyone who shares a top-level chapter with the viewer (two queries, once per viewer)."""
    branches = branch_prefixes(viewer)
    viewer._network_fellows = fellow_ids(branches) if branches else set()
    return viewer._network_fellows


def shares_organization(viewer, person) -> bool:
    """Both belong (directly or via a sub-organization) to a common organization other than the
    head association — or, as before the network existed, both are verified graduates of one
    college (every college is a college chapter in spirit; alumni chose their privacy under it)."""
    if same_college(viewer, person):
        return True
    fellows = getattr(viewer, "_network_fellows", None)
    if fellows is None:
        fellows = _load_fellows(viewer)
    return person.pk in fellows


shares_organization.prepare = _load_fellows

register_chapter_rule(shares_organization)


# --- campaigns: the "chapter" recipient source --------------------------------------------------


class ChapterForm(forms.Form):
    chapter = forms.ModelChoiceField(
        Organization.objects.filter(is_active=True).order_by("path"),
        label=_("校友组织"),
        help_text=_("含其下级组织的全部成员"),
    )


def _describe_chapter(params: dict) -> str:
    org = Organization.objects.filter(pk=params.get("chapter_id")).first()
    return f"校友组织：{org.name if org else '（已删除）'}（含下级组织）"


def _resolve_chapter(params: dict):
    org = Organization.objects.filter(pk=params.get("chapter_id")).first()
    return subtree_members(org).iterator(chunk_size=5000) if org else []


register_recipient_source(
    key="chapter",
    label=_("某个校友组织的成员"),
    form=ChapterForm,
    params=lambda data: {"chapter_id": data["chapter"].pk},
    resolve=_resolve_chapter,
    describe=_describe_chapter,
    order=15,
)


# --- invitations to office ----------------------------------------------------------------------


def _describe_invite(invitation) -> str:
    payload = invitation.payload or {}
    org = Organization.objects.filter(pk=payload.get("organization_id")).first()
    role = Role(payload["role"]).label if payload.get("role") in Role.values else ""
    return f"邀请你担任{org.name if org else '校友组织'}{role}"


register_invite_handler(
    "chapter_president", officer_invite_accept, label=_("邀请担任会长"), describe=_describe_invite
)
register_invite_handler(
    "chapter_admin", officer_invite_accept, label=_("邀请担任管理员"), describe=_describe_invite
)

register_audit_actions(
    {
        "network.org_create": _("创建校友组织"),
        "network.org_update": _("修改校友组织"),
        "network.org_move": _("移动校友组织"),
        "network.join_submit": _("入会申请"),
        "network.join_approve": _("通过入会申请"),
        "network.join_reject": _("拒绝入会申请"),
        "network.member_leave": _("退出组织"),
        "network.member_remove": _("移除组织成员"),
        "network.role_assign": _("设置组织职务"),
        "network.role_transfer": _("移交会长"),
        "network.role_invite_accept": _("接受职务邀请"),
        "network.group_create": _("创建组织分组"),
        "network.group_members": _("设置分组成员"),
        "network.club_apply": _("申请创建俱乐部"),
        "network.club_approve": _("通过创建俱乐部申请"),
        "network.club_reject": _("拒绝创建俱乐部申请"),
    }
)
