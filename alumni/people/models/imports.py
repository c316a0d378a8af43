"""Spreadsheet imports: a job per uploaded file, and the column mapping each school last used."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Fields a spreadsheet column can be mapped to (value → label shown in the mapping step).
IMPORT_FIELDS: dict[str, str] = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "id_number": "身份证号",
    "student_number": "学号",
    "level": "学历层次",
    "college": "学院",
    "major": "专业",
    "class_name": "班级",
    "enrollment_year": "入学年份",
    "graduation_year": "毕业年份",
    "phone": "手机",
    "email": "邮箱",
    "company": "工作单位",
    "title": "职务",
    "industry": "行业",
    "city": "所在城市",
    "wechat_id": "微信号",
    "note": "备注",
}


class ImportJob(models.Model):
    """One uploaded file on its way from upload through preview and confirmation to the result."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        VALIDATED = "validated", _("已校验")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    header_row = models.PositiveIntegerField(_("表头行"), default=1)
    headers = models.JSONField(_("表头"), default=list, blank=True)
    samples = models.JSONField(_("样例值"), default=list, blank=True)
    # Column index (as a string, JSON keys are strings) → import field; unmapped columns are skipped.
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    preview = models.JSONField(_("预览结果"), default=dict, blank=True)
    summary = models.JSONField(_("导入结果"), default=dict, blank=True)
    # Progress: ``stage`` is "checking" (reading and matching rows) then "writing" (saving them);
    # rows_done counts the rows the current stage has finished, out of rows_total.
    stage = models.CharField(_("阶段"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    error_report = models.FileField(_("错误报告"), upload_to="imports/reports/", blank=True)
    error_message = models.TextField(_("失败原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(self.rows_done * 100 / self.rows_total))


class ColumnMapping(models.Model):
    """The field this school mapped a header label to last time (学号 → student_number)."""

    label = models.CharField(_("表头"), max_length=80, unique=True)
    field = models.CharField(_("字段"), max_length=30, blank=True, help_text=_("空表示忽略该列"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("列对应关系")
        verbose_name_plural = _("列对应关系")
        ordering = ["label"]

    def __str__(self) -> str:
        return f"{self.label} → {self.field or '忽略'}"
