"""Stable error codes of the events app (each area appends its own classes below)."""

from __future__ import annotations

from alumni.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed

__all__ = ["Conflict", "EventError", "NotFound", "PermissionDenied", "ServiceError", "ValidationFailed"]


class EventError(ServiceError):
    code = "event_error"


# --- community (discussion, photos, favourites) and the alumni side --------------------------------


class EventNotVisible(NotFound):
    code = "event_not_found"
    default_message = "活动不存在或你无权查看"


class AccountNotLinked(PermissionDenied):
    code = "account_not_linked"
    default_message = "你的账号尚未关联校友档案，请先完成校友认证"


class CommentInvalid(ValidationFailed):
    code = "comment_invalid"
    default_message = "请填写讨论内容（不超过 1000 字）"


class TooManyPending(Conflict):
    code = "too_many_pending"
    default_message = "你已有多条内容在等待审核，请审核通过后再发"


class PhotoInvalid(ValidationFailed):
    code = "photo_invalid"
    default_message = "请上传 10MB 以内的 JPG、PNG 或 WebP 图片"


class NotAttendee(PermissionDenied):
    code = "not_attendee"
    default_message = "报名成功的校友才能上传活动照片"


class ModerationForbidden(PermissionDenied):
    code = "moderation_forbidden"
    default_message = "只有活动的组织者可以审核"


class AlreadyModerated(Conflict):
    code = "already_moderated"
    default_message = "该内容已审核过"


# --- organizing and registration (E1) -------------------------------------------------------


class EventNotAllowed(PermissionDenied):
    code = "event_not_allowed"
    default_message = "你没有管理该活动的权限"


class EventInvalid(ValidationFailed):
    code = "event_invalid"
    default_message = "活动信息有误"


class EventStateConflict(Conflict):
    code = "event_state"
    default_message = "活动当前状态不允许此操作"


class RegistrationClosed(EventError):
    code = "registration_closed"
    default_message = "当前不在报名时间内"


class RegistrationNotVisible(EventError):
    code = "registration_not_visible"
    status = 403
    default_message = "该活动仅限特定校友报名"


class Blacklisted(EventError):
    code = "blacklisted"
    status = 403
    default_message = "你暂时不能报名本校活动"


class AlreadyRegistered(Conflict):
    code = "already_registered"
    default_message = "你已经报名了这个活动"


class RegistrationInvalid(ValidationFailed):
    code = "registration_invalid"
    default_message = "报名信息有误"


class InvitationInvalid(ValidationFailed):
    code = "invitation_invalid"
    default_message = "邀请码无效或已用完"


class EventFull(Conflict):
    code = "event_full"
    default_message = "名额已满"


class RegistrationStateConflict(Conflict):
    code = "registration_state"
    default_message = "该报名当前状态不允许此操作"


class CancellationClosed(EventError):
    code = "cancellation_closed"
    default_message = "已过自行取消的截止时间，请联系主办方"


class RefundFailed(EventError):
    code = "refund_failed"
    status = 502
    default_message = "报名已取消，但退款未能完成，请在支付管理中处理"


# --- E2: tickets and check-in -------------------------------------------------------------------


class InvalidTicket(ValidationFailed):
    """A QR payload that is malformed, not signed by the event's key, or past its valid window."""

    code = "invalid_ticket"
    default_message = "无效票码"


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = "未找到该电子票"


class CheckinForbidden(PermissionDenied):
    code = "checkin_forbidden"
    default_message = "你没有此活动的验票权限"


class GateNotFound(NotFound):
    code = "gate_not_found"
    default_message = "请选择本活动的签到入口"


class TicketRevoked(Conflict):
    code = "ticket_revoked"
    default_message = "该电子票已作废"


# --- E3: seating and lottery draws ------------------------------------------------------------


class SeatingInvalid(ValidationFailed):
    code = "seating_invalid"
    default_message = "座位设置有误"


class SeatingLocked(Conflict):
    code = "seating_locked"
    default_message = "已有座位分配给电子票，不能重新生成座位图"


class SeatTaken(Conflict):
    code = "seat_taken"
    default_message = "该座位已有人"


class DrawInvalid(ValidationFailed):
    code = "draw_invalid"
    default_message = "抽奖设置有误"


class DrawAlreadyRun(Conflict):
    code = "draw_already_run"
    default_message = "本轮已经开奖，不能重复抽奖"


class DrawNoEligible(Conflict):
    code = "draw_no_eligible"
    default_message = "没有符合条件的参与者"
