"""Errors of alumni records with stable codes (the API returns them as {"code", "detail"})."""

from __future__ import annotations

from alumni.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed


class PersonNotFound(NotFound):
    code = "person_not_found"
    default_message = "未找到该校友"


class RecordInvalid(ValidationFailed):
    code = "record_invalid"
    default_message = "档案信息有误"


class NotVerified(PermissionDenied):
    code = "not_verified"
    default_message = "请先完成校友认证"


class ClaimInvalid(ValidationFailed):
    code = "claim_invalid"
    default_message = "认证信息不完整"


class ClaimPending(Conflict):
    code = "claim_pending"
    default_message = "你已有一份待审核的认证申请"


class ImportInvalid(ServiceError):
    code = "import_invalid"
    default_message = "文件无法导入"


class MergeInvalid(Conflict):
    code = "merge_invalid"
    default_message = "这两条档案不能合并"


class AlreadyVerified(Conflict):
    code = "already_verified"
    default_message = "你的账号已关联校友档案"


class ClaimDecided(Conflict):
    code = "claim_decided"
    default_message = "该申请已被处理"


class CardInvalid(ValidationFailed):
    code = "card_invalid"
    default_message = "无法交换名片"


class CardDuplicate(Conflict):
    code = "card_duplicate"
    default_message = "你们之间已有名片交换记录"


class PlanLimitReached(Conflict):
    code = "plan_limit"
    default_message = "已达到当前套餐的校友档案上限，请升级套餐"
