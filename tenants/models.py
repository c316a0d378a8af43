"""The platform's tenants: a School owns a Postgres schema and one or more domains."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.storage import platform_storage


class School(TenantMixin):
    """One university's alumni association; its data lives in schema ``schema_name``."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("开通中")
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已停用")

    name = models.CharField(_("学校名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30)
    subdomain = models.SlugField(_("子域名"), max_length=40, unique=True)
    logo = models.ImageField(_("校徽"), upload_to="school-logos/", storage=platform_storage, blank=True)
    primary_color = models.CharField(_("主题色"), max_length=7, default="#8b1a1a")
    admin_email = models.EmailField(_("管理员邮箱"), blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PROVISIONING)
    # Periodic jobs fan out only to ready schools: provisioning finished and not suspended.
    is_ready = models.BooleanField(_("可接收任务"), default=False, db_index=True)
    is_demo = models.BooleanField(_("演示学校"), default=False)
    suspended_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Schemas are created by our provisioning service (clone inside one transaction), never
    # implicitly on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    """A hostname that routes to a school (``demo-a.localhost``, ``alumni.example.edu.cn``)."""

    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")


class OperatorLog(models.Model):
    """What platform operators (and sign-ups) did to schools: the platform's audit log."""

    actor = models.ForeignKey(
        "users.User",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=120, blank=True)
    school = models.ForeignKey(
        School,
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operator_logs",
    )
    action = models.CharField(_("操作"), max_length=60)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("平台操作日志")
        verbose_name_plural = _("平台操作日志")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.school_id}"

    @property
    def action_display(self) -> str:
        return str(OPERATOR_ACTIONS.get(self.action, self.action))

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(label, before, after) for every recorded value that changed, in words, for display."""
        before, after = self.before or {}, self.after or {}
        rows = []
        for key in dict.fromkeys([*after, *before]):
            old, new = before.get(key), after.get(key)
            if old != new:
                rows.append((self._label(key), _value_text(key, old), _value_text(key, new)))
        return rows

    def _label(self, key: str) -> str:
        if self.action.startswith("school_"):
            try:
                return str(School._meta.get_field(key).verbose_name)
            except FieldDoesNotExist:
                return key
        return str(_OPERATOR_FIELDS.get(key, key))


def _value_text(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if key == "status" and value in School.Status.values:
        return str(School.Status(value).label)
    return str(value)


_OPERATOR_FIELDS = {"email": _("邮箱"), "name": _("姓名")}

OPERATOR_ACTIONS = {
    "school_create": _("开通学校"),
    "school_suspend": _("停用学校"),
    "school_reactivate": _("恢复学校"),
    "operator_create": _("新增运营人员"),
    "operator_update": _("更新运营人员"),
    "plan_change": _("更换套餐"),
    "trial_extend": _("延长试用"),
}
