"""Importing alumni spreadsheets: upload → mapping → preview → confirm → background run → result.

Nothing touches the records before ``import_confirm``: the preview runs the whole engine
(``import_plan.ImportPlan``) in memory and stores its counts and every invalid row on the job.
The run (``import_run``, in a Celery task carrying the school) repeats the plan against the
records as they are then, writes the differences in batches, updates the job's progress, stores an
XLSX error report with the job and records one audit entry.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.people.errors import ImportInvalid
from alumni.people.models import IMPORT_FIELDS, ColumnMapping, ImportJob
from alumni.people.normalize import text
from alumni.people.services.import_plan import ImportPlan
from alumni.people.services.import_read import iter_rows, sheet_head, suggest_mapping
from alumni.people.services.records import person_room_check, person_room_excess

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 1000


@dataclass
class ImportPreview:
    summary: dict

    @property
    def invalid_rows(self) -> list[dict]:
        return self.summary["invalid_rows"]


def import_job_create(*, upload, actor=None) -> ImportJob:
    """Store an uploaded XLSX/CSV with the school's files, find its header and suggest a mapping."""
    name = os.path.basename(upload.name or "")
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise ImportInvalid("只支持 .xlsx 或 .csv 文件")
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ImportInvalid("文件超过 50 MB，请拆分后再导入")
    job = ImportJob(original_name=name[:255], created_by=actor if getattr(actor, "pk", None) else None)
    job.file.save(name, upload, save=False)
    try:
        with job.file.open("rb") as handle:
            head = sheet_head(handle, name)
    except Exception as error:  # a corrupt or mislabelled file: say so instead of a server error
        job.file.delete(save=False)
        raise ImportInvalid(f"无法读取文件：{error.__class__.__name__}") from error
    if not any(head.headers):
        job.file.delete(save=False)
        raise ImportInvalid("文件中没有找到表头")
    job.header_row = head.header_row
    job.headers = head.headers
    job.samples = head.samples
    job.mapping = suggest_mapping(head.headers)
    job.save()
    return job


def import_set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Set column index → field (empty = skip); remembered per header label for this school."""
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED):
        raise ImportInvalid("该导入任务已开始，不能再修改列对应")
    clean: dict[str, str] = {}
    for column, field in mapping.items():
        if not field:
            continue
        if field not in IMPORT_FIELDS:
            raise ImportInvalid(f"未知字段：{field}")
        if not str(column).isdigit() or int(column) >= len(job.headers):
            raise ImportInvalid(f"没有第 {column} 列")
        if field in clean.values():
            raise ImportInvalid(f"「{IMPORT_FIELDS[field]}」对应了多列，请只保留一列")
        clean[str(column)] = field
    if "name" not in clean.values():
        raise ImportInvalid("请指定「姓名」所在的列")
    with transaction.atomic():
        for index, label in enumerate(job.headers):
            if label:
                ColumnMapping.objects.update_or_create(
                    label=label[:80], defaults={"field": clean.get(str(index), "")}
                )
        job.mapping = clean
        job.status = ImportJob.Status.UPLOADED
        job.save(update_fields=["mapping", "status"])
    return job


def _plan(job: ImportJob, progress=None) -> ImportPlan:
    columns = {field: int(column) for column, field in job.mapping.items()}
    if "name" not in columns:
        raise ImportInvalid("请指定「姓名」所在的列")
    plan = ImportPlan()
    with job.file.open("rb") as handle:
        for number, row in enumerate(iter_rows(handle, job.original_name), start=1):
            if number <= job.header_row:
                continue
            if not any(cell not in (None, "") and text(cell) for cell in row):
                continue  # blank lines between blocks are not rows
            plan.add_row(number, row, columns)
            if progress and plan.rows_read % PROGRESS_EVERY == 0:
                progress(plan.rows_read)
    return plan


def _error_report(job: ImportJob, plan: ImportPlan) -> None:
    """An XLSX of the invalid rows (row number, reason, the original cells), stored with the job."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误行")
    sheet.append(["行号", "原因", *job.headers])
    for error in plan.errors:
        sheet.append([error.row, "；".join(error.messages), *error.cells[: len(job.headers)]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if job.error_report:
        job.error_report.delete(save=False)
    stem = os.path.splitext(job.original_name)[0][:80]
    job.error_report.save(f"{stem}-错误报告.xlsx", ContentFile(buffer.getvalue()), save=False)


def import_preview(*, job: ImportJob) -> ImportPreview:
    """Validate every row and compute what the import would do; writes nothing but the job."""
    plan = _plan(job)
    summary = plan.summary()
    # Shown on the preview; confirm and run refuse while it is over the plan's limit.
    excess, limit, plan_name = person_room_excess(adding=summary["persons_created"])
    summary["plan_limit"] = {"excess": excess, "limit": limit, "plan": plan_name} if excess else None
    job.preview = summary
    job.rows_total = plan.rows_read
    job.status = ImportJob.Status.VALIDATED
    _error_report(job, plan)
    job.save(update_fields=["preview", "rows_total", "status", "error_report"])
    return ImportPreview(summary=summary)


def import_confirm(*, job: ImportJob, actor=None) -> ImportJob:
    """The admin confirmed the preview: queue the run (a task in this school's schema)."""
    from tenants.tasks import send_after_commit

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.VALIDATED:
            raise ImportInvalid("请先预览校验，再确认导入")
        person_room_check(adding=(job.preview or {}).get("persons_created", 0))
        job.status = ImportJob.Status.QUEUED
        job.rows_done = 0
        job.stage = ""
        job.save(update_fields=["status", "rows_done", "stage"])
        send_after_commit("people.import_job_run", job_id=job.pk)
    return job


def _progress(job: ImportJob, stage: str, done: int, total: int) -> None:
    # Outside the batches' transactions: the wizard's progress poll must see it at once.
    ImportJob.objects.filter(pk=job.pk).update(stage=stage, rows_done=done, rows_total=total)


def import_run(*, job_id: int) -> dict:
    """Run a confirmed import: plan, write in batches with progress, report, audit; the summary."""
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), stage="checking", rows_done=0
    )
    try:
        total = job.rows_total or (job.preview or {}).get("rows_read", 0)
        plan = _plan(job, progress=lambda done: _progress(job, "checking", done, max(total, done)))
        # Records may have been added since the preview: check again before writing anything.
        person_room_check(adding=len(plan.changes()[0]))
        summary = plan.write(progress=lambda done, count: _progress(job, "writing", done, count))
    except Exception as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error_message=str(error)[:1000], finished_at=timezone.now()
        )
        raise
    job.refresh_from_db()
    _error_report(job, plan)
    job.summary = summary
    job.status = ImportJob.Status.DONE
    job.stage = ""
    job.rows_total = plan.rows_read
    job.rows_done = plan.rows_read
    job.finished_at = timezone.now()
    job.save()
    _audit(job, summary)
    return summary


def _summary_text(summary: dict) -> str:
    return (
        f"读取 {summary['rows_read']} 行，新建 {summary['persons_created']} 人，"
        f"更新 {summary['persons_updated']} 人，新增学历 {summary['degrees_created']} 条，"
        f"更新学历 {summary['degrees_updated']} 条，无效 {summary['rows_invalid']} 行"
    )


def _audit(job: ImportJob, summary: dict) -> None:
    counts = {key: value for key, value in summary.items() if isinstance(value, int)}
    audit_record(
        actor=job.created_by,
        action="people.import",
        target=job,
        summary=f"导入校友档案「{job.original_name}」：{_summary_text(summary)}",
        after=counts,
    )


def import_file(
    *, path: str, mapping: dict[str, str] | None = None, dry_run: bool = False, actor=None
) -> dict:
    """The command-line path: the same job, preview and run as the wizard, synchronously."""
    with open(path, "rb") as handle:
        upload = ContentFile(handle.read(), name=os.path.basename(path))
    return import_upload(upload=upload, mapping=mapping, dry_run=dry_run, actor=actor)


def import_upload(
    *, upload, mapping: dict[str, str] | None = None, dry_run: bool = False, actor=None
) -> dict:
    """Upload, map (suggestion plus ``mapping`` overrides), then preview only or run, in one call."""
    job = import_job_create(upload=upload, actor=actor)
    if mapping:
        # Overrides of the suggestion: header label (or column index) → field ("" to skip it).
        by_label = {label: index for index, label in enumerate(job.headers)}
        merged = dict(job.mapping)
        for key, field in mapping.items():
            column = str(by_label.get(key, key))
            merged = {c: f for c, f in merged.items() if f != field and c != column}
            if field:
                merged[column] = field
        job = import_set_mapping(job=job, mapping=merged)
    if dry_run:
        summary = import_preview(job=job).summary
        return {**summary, "dry_run": True, "job": str(job.uuid)}
    job.rows_total = 0
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["rows_total", "status"])
    summary = import_run(job_id=job.pk)
    return {**summary, "dry_run": False, "job": str(job.uuid)}


__all__ = [
    "ImportPreview",
    "import_confirm",
    "import_file",
    "import_job_create",
    "import_preview",
    "import_run",
    "import_set_mapping",
    "import_upload",
]
