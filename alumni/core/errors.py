"""The error every service raises: a stable machine code plus a human message.

The API turns these into ``{"code": ..., "detail": ...}``; forms show ``message``.
Each feature app defines its own subclasses in its ``errors.py``.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "error"
    status = 400
    default_message = "请求无法完成"

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(self.message)


class ValidationFailed(ServiceError):
    code = "invalid"
    default_message = "输入有误"


class NotFound(ServiceError):
    code = "not_found"
    status = 404
    default_message = "未找到"


class PermissionDenied(ServiceError):
    code = "permission_denied"
    status = 403
    default_message = "没有权限执行此操作"


class Conflict(ServiceError):
    code = "conflict"
    status = 409
    default_message = "操作与当前状态冲突"
