"""Writes of the alumni network: organizations, joining, membership, roles and officer invitations.

Every service checks the actor's scope (alumni.network.permissions) and writes an audit entry.
Decisions that race (two admins approving one request, two presidents handing over) lock the
rows they change with SELECT … FOR UPDATE; the database's partial unique indexes (one pending
request per person and organization, one president per organization, one root) back them up.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import BytesIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from alumni.core.custom_forms import form_answers_clean, form_fields_clean
from alumni.core.permissions import is_school_admin
from alumni.core.services import audit_record
from alumni.messaging.message import Message
from alumni.messaging.models import Invitation
from alumni.messaging.selectors.recipients import recipient_for_person
from alumni.messaging.services.invites import invite_create
from alumni.messaging.services.send import message_send
from alumni.network.errors import (
    AccountNotLinked,
    ClubApplicationDecided,
    ClubApplicationInvalid,
    ClubApplicationRefused,
    JoinAnswersInvalid,
    JoinRefused,
    JoinRequestDecided,
    MembershipConflict,
    NotAllowed,
    NotVerified,
    OrganizationInvalid,
    OrganizationMoveInvalid,
    OrganizationNotFound,
    RoleInvalid,
)
from alumni.network.models import (
    OFFICER_ROLES,
    ClubApplication,
    ContentReview,
    JoinRequest,
    Membership,
    OrgActivity,
    Organization,
    OrganizationGroup,
    OrgType,
    ReviewMode,
    Role,
)
from alumni.network.permissions import can_manage, can_manage_above, is_president, person_of
from alumni.network.selectors import (
    HEAD_NAME,
    MEMBER_COLUMNS,
    MemberFilters,
    club_parent_choices,
    head_association,
    is_descendant_or_self,
    member_row,
    subtree_members,
    subtree_memberships,
)
from alumni.people.choices import Verification
from alumni.people.models import AccountLink, Person

EDITABLE_FIELDS = (
    "type",
    "name",
    "logo",
    "introduction",
    "join_requirements",
    "join_form",
    "review_mode",
    "content_review",
    "phone",
    "address",
    "city",
    "college",
    "cities",
    "industries",
    "is_active",
)
INVITE_PURPOSES = {Role.PRESIDENT: "chapter_president", Role.ADMIN: "chapter_admin"}


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise NotAllowed(message)


def _snapshot(org: Organization) -> dict:
    data = {name: getattr(org, name) for name in EDITABLE_FIELDS if name not in ("logo", "college")}
    return data | {
        "logo": org.logo.name if org.logo else "",
        "college": org.college_id,
        "path": org.path,
        "related": sorted(org.related.values_list("pk", flat=True)),
    }


def _clean_join_form(form) -> list[dict]:
    return form_fields_clean(form, error=OrganizationInvalid, field="join_form", title="入会申请表")


def _clean_fields(fields: dict, *, is_head: bool) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise OrganizationInvalid(f"未知字段：{'、'.join(sorted(unknown))}")
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise OrganizationInvalid("请填写组织名称", field="name")
    if "type" in fields:
        if fields["type"] not in OrgType.values:
            raise OrganizationInvalid("组织类型不正确", field="type")
        if (fields["type"] == OrgType.HEAD) != is_head:
            raise OrganizationInvalid("只有根组织是校友总会", field="type")
    if "review_mode" in fields and fields["review_mode"] not in ReviewMode.values:
        raise OrganizationInvalid("入会方式不正确", field="review_mode")
    if "content_review" in fields and fields["content_review"] not in ContentReview.values:
        raise OrganizationInvalid("内容审核方式不正确", field="content_review")
    if "join_form" in fields:
        fields["join_form"] = _clean_join_form(fields["join_form"])
    for name in ("cities", "industries"):
        if name in fields:
            fields[name] = sorted({str(v).strip() for v in fields[name] or [] if str(v).strip()})
    if is_head and fields.get("is_active") is False:
        raise OrganizationInvalid("校友总会不能停用", field="is_active")
    return fields


def org_create(*, parent: Organization, actor, name: str, type: str, **fields) -> Organization:
    """Create an organization under ``parent`` (which the actor must manage)."""
    _require(can_manage(actor, parent), "你没有在该组织下创建下级组织的权限")
    fields = _clean_fields({"name": name, "type": type, **fields}, is_head=False)
    with transaction.atomic():
        parent = Organization.objects.select_for_update().get(pk=parent.pk)  # serialises siblings' paths
        org = parent.add_child(**fields)
        audit_record(
            actor=actor,
            action="network.org_create",
            target=org,
            summary=f"在{parent.name}下创建{org.get_type_display()}：{org.name}",
            after=_snapshot(org),
        )
        org_activity_record(
            organization=org,
            kind=OrgActivity.Kind.ORG_CREATED,
            text=f"{org.get_type_display()}“{org.name}”成立",
        )
    return org


def _related_set(org: Organization, ids, *, actor) -> None:
    # Relations are symmetrical: adding or dropping one changes the other organization's page
    # too, so the actor must manage both ends.
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise OrganizationInvalid("关联组织不正确", field="related") from None
    if org.pk in wanted:
        raise OrganizationInvalid("不能关联组织自己", field="related")
    current = set(org.related.values_list("pk", flat=True))
    changed = list(Organization.objects.filter(pk__in=wanted ^ current))
    if (wanted - current) - {other.pk for other in changed}:
        raise OrganizationInvalid("关联组织不存在", field="related")
    for other in changed:
        _require(can_manage(actor, other), f"你没有管理“{other.name}”的权限，不能变更与它的关联")
    org.related.set(sorted(wanted))


def org_update(
    *, organization: Organization, actor, related: list[int] | None = None, **fields
) -> Organization:
    """Change an organization's profile, join settings, recommendation links or related organizations."""
    _require(can_manage(actor, organization))
    fields = _clean_fields(fields, is_head=organization.is_head)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        before = _snapshot(org)
        for name, value in fields.items():
            setattr(org, name, value)
        org.save()
        if related is not None:
            _related_set(org, related, actor=actor)
        audit_record(
            actor=actor,
            action="network.org_update",
            target=org,
            summary=f"修改组织：{org.name}",
            before=before,
            after=_snapshot(org),
        )
    return org


def org_move(*, organization: Organization, new_parent: Organization, actor) -> Organization:
    """Move a branch (the organization and its subtree) under another organization."""
    org = Organization.objects.get(pk=organization.pk)
    new_parent = Organization.objects.get(pk=new_parent.pk)
    if org.is_head:
        raise OrganizationMoveInvalid("校友总会不能移动")
    _require(can_manage(actor, org) and can_manage(actor, new_parent), "你没有移动该组织的权限")
    if is_descendant_or_self(new_parent, org):
        raise OrganizationMoveInvalid("不能把组织移动到它自己或它的下级组织之下")
    with transaction.atomic():
        # One move at a time per school: concurrent moves would rewrite overlapping paths.
        Organization.objects.select_for_update().filter(depth=1).first()
        before = {"parent": org.get_parent().name, "path": org.path}
        if org.get_parent().pk != new_parent.pk:
            org.move(new_parent, pos="last-child")
        org = Organization.objects.get(pk=org.pk)
        audit_record(
            actor=actor,
            action="network.org_move",
            target=org,
            summary=f"将{org.name}移动到{new_parent.name}之下",
            before=before,
            after={"parent": new_parent.name, "path": org.path},
        )
    return org


# --- joining ----------------------------------------------------------------------------------


def _clean_answers(org: Organization, answers: dict | None) -> dict:
    return form_answers_clean(org.join_form, answers, error=JoinAnswersInvalid)


def join_request_submit(*, person, organization: Organization, answers: dict | None = None, actor=None):
    """Apply to join: an open organization admits at once, an approval one queues the request,
    an invite-only one refuses."""
    org = Organization.objects.get(pk=organization.pk)
    if not org.is_active:
        raise JoinRefused("该组织已停用", code="organization_inactive")
    if org.review_mode == ReviewMode.INVITE_ONLY:
        raise JoinRefused("该组织仅限邀请加入，不接受申请", code="join_invite_only")
    answers = _clean_answers(org, answers)
    if Membership.objects.filter(person=person, organization=org).exists():
        raise JoinRefused("你已经是该组织的成员", code="already_member")
    is_open = org.review_mode == ReviewMode.OPEN
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(
                person=person,
                organization=org,
                answers=answers,
                status=JoinRequest.Status.APPROVED if is_open else JoinRequest.Status.PENDING,
                decided_at=timezone.now() if is_open else None,
            )
            if is_open:
                Membership.objects.create(person=person, organization=org)
                org_activity_record(organization=org, kind=OrgActivity.Kind.MEMBER_JOINED)
            audit_record(
                actor=actor,
                action="network.join_submit",
                target=request,
                summary=f"{person.name}{'加入' if is_open else '申请加入'}{org.name}",
                after={"answers": answers, "status": request.status},
            )
    except IntegrityError:
        # The partial unique indexes caught a double submit racing this one.
        raise JoinRefused("你的入会申请正在审核中", code="join_pending") from None
    return request


def _decide(*, join_request: JoinRequest, actor, approve: bool, reason: str = "") -> JoinRequest:
    _require(can_manage(actor, join_request.organization), "你没有审核该组织入会申请的权限")
    with transaction.atomic():
        request = (
            JoinRequest.objects.select_for_update()
            .select_related("person", "organization")
            .get(pk=join_request.pk)
        )
        if request.status != JoinRequest.Status.PENDING:
            raise JoinRequestDecided(f"该申请已{request.get_status_display()}")
        request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
        request.reason = reason
        request.reviewer = actor if getattr(actor, "pk", None) else None
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "reason", "reviewer", "decided_at"])
        if approve:
            _member, joined = Membership.objects.get_or_create(
                person=request.person, organization=request.organization
            )
            if joined:
                org_activity_record(organization=request.organization, kind=OrgActivity.Kind.MEMBER_JOINED)
        audit_record(
            actor=actor,
            action="network.join_approve" if approve else "network.join_reject",
            target=request,
            summary=f"{'通过' if approve else '拒绝'}{request.person.name}加入{request.organization.name}的申请"
            + (f"：{reason}" if reason else ""),
            after={"status": request.status, "reason": reason},
        )
    return request


def join_request_approve(*, join_request: JoinRequest, actor) -> JoinRequest:
    """Admit the applicant (once: a request already decided raises JoinRequestDecided)."""
    return _decide(join_request=join_request, actor=actor, approve=True)


def join_request_reject(*, join_request: JoinRequest, actor, reason: str) -> JoinRequest:
    """Refuse the applicant with a reason they will see."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise JoinAnswersInvalid("请填写拒绝理由", field="reason")
    return _decide(join_request=join_request, actor=actor, approve=False, reason=reason)


# --- membership and roles ------------------------------------------------------------------------


def _delete_membership(membership: Membership, *, actor, action: str, summary: str) -> None:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            raise MembershipConflict("该成员已不在组织中", code="not_member")
        if locked.role == Role.PRESIDENT:
            raise MembershipConflict("会长需先移交会长职务", code="president_must_transfer")
        # Groups list members of the organization: leaving it leaves its groups too.
        for group in OrganizationGroup.objects.filter(organization_id=locked.organization_id):
            group.members.remove(locked.person_id)
        audit_record(
            actor=actor,
            action=action,
            target=locked.organization,
            summary=summary,
            before={"person_id": locked.person_id, "role": locked.role},
        )
        locked.delete()


def membership_leave(*, person, organization: Organization, actor=None) -> None:
    """The person leaves the organization (a president hands over first)."""
    membership = Membership.objects.filter(person=person, organization=organization).first()
    if membership is None:
        raise MembershipConflict("你不是该组织的成员", code="not_member")
    _delete_membership(
        membership,
        actor=actor,
        action="network.member_leave",
        summary=f"{person.name}退出{organization.name}",
    )


def membership_remove(*, membership: Membership, actor) -> None:
    """Remove a member from an organization the actor manages."""
    _require(can_manage(actor, membership.organization), "你没有移除该组织成员的权限")
    _delete_membership(
        membership,
        actor=actor,
        action="network.member_remove",
        summary=f"将{membership.person.name}移出{membership.organization.name}",
    )


def role_assign(*, membership: Membership, role: str, actor) -> Membership:
    """Set a member's role (vice-president, secretary-general, admin or member); the presidency
    changes hands only through role_transfer or a president invitation."""
    if role not in Role.values:
        raise RoleInvalid()
    if role == Role.PRESIDENT:
        raise MembershipConflict("会长职务请通过“移交会长”或邀请变更", code="role_via_transfer")
    _require(can_manage(actor, membership.organization), "你没有设置该组织职务的权限")
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("person", "organization")
            .get(pk=membership.pk)
        )
        if locked.role == Role.PRESIDENT:
            raise MembershipConflict("会长职务请通过“移交会长”变更", code="role_via_transfer")
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        _record_officer_change(locked.organization, locked.person, before, role)
        audit_record(
            actor=actor,
            action="network.role_assign",
            target=locked.organization,
            summary=f"{locked.person.name}在{locked.organization.name}的职务："
            f"{Role(before).label} → {Role(role).label}",
            before={"person_id": locked.person_id, "role": before},
            after={"person_id": locked.person_id, "role": role},
        )
    return locked


def role_transfer(
    *, organization: Organization, to_person, actor, old_president_role: str = Role.VICE_PRESIDENT
) -> Membership:
    """Hand the presidency to a member: the old president becomes vice-president or member."""
    if old_president_role not in (Role.VICE_PRESIDENT, Role.MEMBER):
        raise RoleInvalid("原会长只能改任副会长或会员", field="old_president_role")
    with transaction.atomic():
        # Transfers (and president invitations being accepted) of one organization take turns on
        # its row, so the authority check and the hand-over see the same president.
        Organization.objects.select_for_update().get(pk=organization.pk)
        _require(
            is_president(actor, organization) or can_manage_above(actor, organization),
            "只有现任会长、上级组织负责人或学校管理员可以移交会长",
        )
        current = (
            Membership.objects.select_for_update()
            .filter(organization=organization, role=Role.PRESIDENT)
            .first()
        )
        target = (
            Membership.objects.select_for_update().filter(organization=organization, person=to_person).first()
        )
        if target is None:
            raise MembershipConflict("新会长需先是该组织的成员", code="not_member")
        if current is not None and current.pk == target.pk:
            return target
        if current is not None:
            current.role = old_president_role
            current.save(update_fields=["role"])
        target_before = target.role
        target.role = Role.PRESIDENT
        target.save(update_fields=["role"])
        _record_officer_change(organization, to_person, target_before, Role.PRESIDENT)
        audit_record(
            actor=actor,
            action="network.role_transfer",
            target=organization,
            summary=f"{organization.name}会长移交给{to_person.name}",
            before={"president": current.person_id if current else None},
            after={"president": to_person.pk, "old_president_role": old_president_role if current else None},
        )
    return target


# --- officer invitations -----------------------------------------------------------------------


def officer_invite(
    *,
    organization: Organization,
    role: str,
    name: str,
    channel: str,
    address: str,
    actor,
    expires_in: timedelta | None = None,
    deliver: str = "async",
) -> tuple[Invitation, str]:
    """Invite someone by SMS / e-mail / WeChat to become president or admin of an organization."""
    if role not in INVITE_PURPOSES:
        raise RoleInvalid("只能邀请担任会长或管理员")
    if role == Role.PRESIDENT:
        _require(
            is_president(actor, organization) or can_manage_above(actor, organization),
            "只有现任会长、上级组织负责人或学校管理员可以邀请新会长",
        )
    else:
        _require(can_manage(actor, organization), "你没有邀请该组织管理员的权限")
    return invite_create(
        purpose=INVITE_PURPOSES[role],
        payload={"organization_id": organization.pk, "role": str(role)},
        name=name,
        channel=channel,
        address=address,
        expires_in=expires_in,
        actor=actor,
        deliver=deliver,
    )


_RANK = {Role.PRESIDENT: 0, Role.VICE_PRESIDENT: 1, Role.SECRETARY_GENERAL: 2, Role.ADMIN: 3, Role.MEMBER: 4}


def officer_invite_accept(*, invitation: Invitation, user) -> str:
    """Apply an accepted officer invitation (runs inside invite_accept's transaction)."""
    person = person_of(user)
    if person is None:
        raise AccountNotLinked()
    payload = invitation.payload or {}
    role = payload.get("role")
    if role not in INVITE_PURPOSES:
        raise RoleInvalid("邀请中的职务不正确")
    org = (
        Organization.objects.select_for_update()
        .filter(pk=payload.get("organization_id"), is_active=True)
        .first()
    )
    if org is None:
        raise OrganizationNotFound()
    membership, _created = Membership.objects.select_for_update().get_or_create(
        person=person, organization=org
    )
    before = membership.role
    if role == Role.PRESIDENT:
        Membership.objects.filter(organization=org, role=Role.PRESIDENT).exclude(pk=membership.pk).update(
            role=Role.VICE_PRESIDENT
        )
        membership.role = Role.PRESIDENT
    elif _RANK[Role(role)] < _RANK[Role(membership.role)]:
        membership.role = role  # never demote someone who already holds a higher office
    membership.save(update_fields=["role"])
    if _created:
        org_activity_record(organization=org, kind=OrgActivity.Kind.MEMBER_JOINED)
    _record_officer_change(org, person, None if _created else before, membership.role)
    audit_record(
        actor=user,
        action="network.role_invite_accept",
        target=org,
        summary=f"{person.name}接受邀请，担任{org.name}{Role(membership.role).label}",
        before={"person_id": person.pk, "role": before if not _created else None},
        after={"person_id": person.pk, "role": membership.role},
    )
    return ""


# --- groups inside an organization ----------------------------------------------------------------


def group_create(*, organization: Organization, name: str, actor, description: str = "") -> OrganizationGroup:
    """Create a group (理事会, 名人堂 …) inside an organization."""
    _require(can_manage(actor, organization))
    name = (name or "").strip()[:40]
    if not name:
        raise OrganizationInvalid("请填写分组名称", field="name")
    if OrganizationGroup.objects.filter(organization=organization, name=name).exists():
        raise OrganizationInvalid("该组织已有同名分组", field="name")
    with transaction.atomic():
        group = OrganizationGroup.objects.create(
            organization=organization, name=name, description=description
        )
        audit_record(actor=actor, action="network.group_create", target=group, summary=f"创建分组：{group}")
    return group


def group_members_set(*, group: OrganizationGroup, person_ids: list[int], actor) -> OrganizationGroup:
    """Set who is in a group; everyone must be a member of the organization itself."""
    _require(can_manage(actor, group.organization))
    wanted = set(person_ids)
    members = set(
        Membership.objects.filter(organization=group.organization, person_id__in=wanted).values_list(
            "person_id", flat=True
        )
    )
    if wanted - members:
        raise MembershipConflict("分组成员必须是该组织的成员", code="not_member")
    with transaction.atomic():
        before = sorted(group.members.values_list("pk", flat=True))
        group.members.set(sorted(wanted))
        audit_record(
            actor=actor,
            action="network.group_members",
            target=group,
            summary=f"设置分组成员：{group}（{len(wanted)} 人）",
            before={"person_ids": before},
            after={"person_ids": sorted(wanted)},
        )
    return group


def head_association_provision(*, school=None) -> Organization:
    """Create the school's head association (named after the school) unless it exists.

    Part of provisioning, like the Site hostname: not an admin action, so not audited."""
    head = Organization.get_root_nodes().first()
    if head is not None:
        return head
    name = f"{school.name}{HEAD_NAME}" if getattr(school, "name", "") else HEAD_NAME
    return Organization.add_root(type=OrgType.HEAD, name=name, review_mode=ReviewMode.OPEN)


def org_notice_send(*, organization: Organization, actor, subject: str, text: str, key: uuid.UUID) -> int:
    """Send an in-app notice to every subtree member with an account, once per submission key."""
    _require(can_manage(actor, organization), "你没有向该组织发送通知的权限")
    org = organization
    person_ids = AccountLink.objects.filter(
        person_id__in=subtree_members(org), user__is_active=True
    ).values_list("person_id", flat=True)
    persons = list(Person.objects.filter(pk__in=person_ids).order_by("pk"))
    message = Message(purpose="notice", subject=subject, text=text)
    with transaction.atomic():
        for person in persons:
            message_send(
                recipient=recipient_for_person(person),
                message=message,
                channels=["inapp"],
                idempotency_key=f"org-notice:{org.id}:{key}:{person.id}",
            )
        audit_record(
            actor=actor,
            action="network.org_notice",
            target=org,
            summary=f"向{org.name}全体成员（{len(persons)}人）发送通知：{subject}",
            after={"subject": subject, "recipients": len(persons), "key": str(key)},
        )
        org_activity_record(
            organization=org,
            kind=OrgActivity.Kind.NOTICE_SENT,
            text=f"发布通知：{subject}",
            actor=person_of(actor),
        )
    return len(persons)


# --- recent activity ------------------------------------------------------------------------------


def _joined_text(count: int) -> str:
    return f"新增 {count} 名成员"


def org_activity_record(
    *, organization: Organization, kind: str, text: str = "", actor: Person | None = None
) -> OrgActivity:
    """Add a line to an organization's recent activity; joins add up to one line per day.

    Callable from other apps (events, giving): ``text`` is public on the organization page, so it
    names nobody the page would not already show."""
    if kind not in OrgActivity.Kind.values:
        raise ValueError(f"unknown activity kind: {kind}")
    now = timezone.now()
    with transaction.atomic():
        if kind != OrgActivity.Kind.MEMBER_JOINED:
            return OrgActivity.objects.create(
                organization=organization, kind=kind, text=text[:200], actor=actor, created_at=now
            )
        day = timezone.localdate(now)
        for _attempt in range(2):
            row = (
                OrgActivity.objects.select_for_update()
                .filter(organization=organization, kind=kind, day=day)
                .first()
            )
            if row is not None:
                row.count += 1
                row.text = _joined_text(row.count)
                row.created_at = now
                row.save(update_fields=["count", "text", "created_at"])
                return row
            try:
                with transaction.atomic():  # a savepoint: the first join of the day may race
                    return OrgActivity.objects.create(
                        organization=organization, kind=kind, text=_joined_text(1), day=day, created_at=now
                    )
            except IntegrityError:
                continue
        raise RuntimeError("could not record the join activity")  # pragma: no cover


def _officer_text(name: str, before: str | None, after: str) -> str | None:
    if after in OFFICER_ROLES:
        return f"{name}担任{Role(after).label}"
    if before in OFFICER_ROLES:
        return f"{name}卸任{Role(before).label}"
    return None


def _record_officer_change(org: Organization, person: Person, before: str | None, after: str) -> None:
    text = _officer_text(person.name, before, after)
    if text and before != after:
        org_activity_record(organization=org, kind=OrgActivity.Kind.OFFICER_CHANGED, text=text)


# --- founding a club ------------------------------------------------------------------------------


def _notify_applicant(application: ClubApplication, *, subject: str, text: str, url: str = "") -> None:
    # In-app, like org notices: the decision waits in the applicant's inbox; one per decision.
    message_send(
        recipient=recipient_for_person(application.applicant),
        message=Message(purpose="notice", subject=subject, text=text, url=url),
        channels=["inapp"],
        idempotency_key=f"club-application:{application.pk}:{application.status}",
    )


def club_application_submit(
    *,
    person: Person,
    name: str,
    purpose: str,
    introduction: str = "",
    parent: Organization | None = None,
    city: str = "",
    actor=None,
) -> ClubApplication:
    """A verified alumnus applies to found a club under the head association or their chapter."""
    if person is None or person.verification != Verification.VERIFIED or person.merged_into_id:
        raise NotVerified()
    name = (name or "").strip()[:80]
    purpose = (purpose or "").strip()[:1000]
    if not name:
        raise ClubApplicationInvalid("请填写俱乐部名称", field="name")
    if not purpose:
        raise ClubApplicationInvalid("请填写创建理由", field="purpose")
    choices = {org.pk: org for org in club_parent_choices(person)}
    parent_id = parent.pk if parent is not None else next(iter(choices))
    if parent_id not in choices:
        raise ClubApplicationInvalid("上级组织只能是校友总会或你所在的校友会", field="parent")
    if Organization.objects.filter(name=name, is_active=True).exists():
        raise ClubApplicationRefused("已有同名的校友组织，请换一个名称", code="club_name_taken")
    try:
        with transaction.atomic():
            application = ClubApplication.objects.create(
                applicant=person,
                name=name,
                purpose=purpose,
                introduction=(introduction or "").strip()[:2000],
                parent=choices[parent_id],
                city=(city or "").strip()[:40],
            )
            audit_record(
                actor=actor,
                action="network.club_apply",
                target=application,
                summary=f"{person.name}申请在{application.parent.name}下创建俱乐部：{name}",
                after={"name": name, "parent_id": parent_id, "city": application.city},
            )
    except IntegrityError:
        raise ClubApplicationRefused(
            "你已提交过同名的申请，正在审核中", code="club_application_pending"
        ) from None
    return application


def _require_club_reviewer(actor) -> None:
    _require(can_manage(actor, head_association()), "只有学校管理员或校友总会负责人可以审核创建俱乐部申请")


def _lock_pending(application: ClubApplication) -> ClubApplication:
    locked = (
        ClubApplication.objects.select_for_update()
        .select_related("applicant", "parent")
        .get(pk=application.pk)
    )
    if locked.status != ClubApplication.Status.PENDING:
        raise ClubApplicationDecided(f"该申请已{locked.get_status_display()}")
    return locked


def club_application_approve(*, application: ClubApplication, actor) -> ClubApplication:
    """Found the club under the chosen parent with the applicant as its president (once)."""
    _require_club_reviewer(actor)
    with transaction.atomic():
        # The row lock makes a second reviewer wait, then find the application decided.
        app = _lock_pending(application)
        club = org_create(
            parent=app.parent,
            actor=actor,
            name=app.name,
            type=OrgType.CLUB,
            introduction=app.introduction,
            city=app.city,
            review_mode=ReviewMode.APPROVAL,
        )
        Membership.objects.create(person=app.applicant, organization=club, role=Role.PRESIDENT)
        _record_officer_change(club, app.applicant, None, Role.PRESIDENT)
        app.status = ClubApplication.Status.APPROVED
        app.created_club = club
        app.reviewer = actor if getattr(actor, "pk", None) else None
        app.decided_at = timezone.now()
        app.save(update_fields=["status", "created_club", "reviewer", "decided_at"])
        audit_record(
            actor=actor,
            action="network.club_approve",
            target=app,
            summary=f"通过{app.applicant.name}创建俱乐部的申请：{club.name}",
            after={"status": app.status, "club_id": club.pk},
        )
        _notify_applicant(
            app,
            subject="创建俱乐部申请已通过",
            text=f"你申请创建的“{club.name}”已成立，你是它的会长。",
            url=f"/orgs/{club.pk}/",
        )
    return app


def club_application_reject(*, application: ClubApplication, actor, reason: str) -> ClubApplication:
    """Refuse an application with a reason the applicant will see."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ClubApplicationInvalid("请填写拒绝理由", field="reason")
    _require_club_reviewer(actor)
    with transaction.atomic():
        app = _lock_pending(application)
        app.status = ClubApplication.Status.REJECTED
        app.reject_reason = reason
        app.reviewer = actor if getattr(actor, "pk", None) else None
        app.decided_at = timezone.now()
        app.save(update_fields=["status", "reject_reason", "reviewer", "decided_at"])
        audit_record(
            actor=actor,
            action="network.club_reject",
            target=app,
            summary=f"拒绝{app.applicant.name}创建俱乐部“{app.name}”的申请：{reason}",
            after={"status": app.status, "reason": reason},
        )
        _notify_applicant(
            app,
            subject="创建俱乐部申请未通过",
            text=f"你申请创建的“{app.name}”未获通过。理由：{reason}",
            url="/orgs/clubs/mine/",
        )
    return app


# --- member list export -----------------------------------------------------------------------------


def _cell(value):
    # A cell starting with = + - @ would run as a formula when the sheet is opened.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def org_members_export(*, organization: Organization, actor, filters: MemberFilters) -> tuple[bytes, int]:
    """The subtree's member list as XLSX (phones whole for school admins only), audited."""
    _require(can_manage(actor, organization), "你没有导出该组织成员的权限")
    from openpyxl import Workbook  # a large import, needed only here

    full_pii = is_school_admin(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("成员")
    sheet.append([label for _key, label in MEMBER_COLUMNS])
    count = 0
    for membership in subtree_memberships(organization, filters, phone_search=full_pii).iterator(
        chunk_size=1000
    ):
        row = member_row(membership, full_pii=full_pii)
        sheet.append([_cell(row[key]) for key, _label in MEMBER_COLUMNS])
        count += 1
    buffer = BytesIO()
    book.save(buffer)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="network.member_export",
            target=organization,
            summary=f"导出{organization.name}成员名单（{count}条）",
            after={"filters": filters.as_dict(), "rows": count, "phones": "full" if full_pii else "masked"},
        )
    return buffer.getvalue(), count
