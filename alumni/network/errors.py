"""Errors of the alumni network, each with a stable code the API and forms can rely on."""

from __future__ import annotations

from alumni.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class OrganizationInvalid(ValidationFailed):
    code = "organization_invalid"
    default_message = "组织信息有误"


class OrganizationMoveInvalid(ValidationFailed):
    code = "organization_move_invalid"
    default_message = "不能这样移动组织"


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    default_message = "组织不存在或已停用"


class NotAllowed(PermissionDenied):
    code = "network_forbidden"
    default_message = "你没有管理该组织的权限"


class JoinRefused(Conflict):
    """Why a join request cannot be submitted: code join_invite_only / already_member /
    join_pending / organization_inactive."""

    code = "join_refused"
    default_message = "无法提交入会申请"


class JoinAnswersInvalid(ValidationFailed):
    code = "join_answers_invalid"
    default_message = "请完整填写入会申请表"


class JoinRequestDecided(Conflict):
    code = "join_request_decided"
    default_message = "该申请已被处理"


class MembershipConflict(Conflict):
    """A membership change that the organization's state forbids: codes not_member,
    president_must_transfer, role_via_transfer."""

    code = "membership_conflict"
    default_message = "无法变更该成员"


class RoleInvalid(ValidationFailed):
    code = "role_invalid"
    default_message = "职务不正确"


class AccountNotLinked(PermissionDenied):
    code = "account_not_linked"
    default_message = "你的账号尚未关联校友档案，请先完成校友认证后再接受邀请"


class NotVerified(PermissionDenied):
    code = "alumnus_not_verified"
    default_message = "只有已认证的校友可以申请创建俱乐部，请先完成校友认证"


class ClubApplicationInvalid(ValidationFailed):
    code = "club_application_invalid"
    default_message = "请完整填写创建俱乐部申请"


class ClubApplicationRefused(Conflict):
    """Why an application cannot be submitted: codes club_application_pending, club_name_taken."""

    code = "club_application_refused"
    default_message = "无法提交创建俱乐部申请"


class ClubApplicationDecided(Conflict):
    code = "club_application_decided"
    default_message = "该申请已被处理"


class ClubApplicationNotFound(NotFound):
    code = "club_application_not_found"
    default_message = "创建俱乐部申请不存在"
