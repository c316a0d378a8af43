"""校友档案 → 导入: the import wizard (upload → mapping → preview → confirm → progress → result).

School admins only. Every step calls ``alumni.people.services.imports``; the run itself happens in
a Celery task (eager without a broker) and the progress page polls a small JSON endpoint.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin, school_admin_required
from alumni.people.models import IMPORT_FIELDS, ImportJob
from alumni.people.services.imports import (
    import_confirm,
    import_job_create,
    import_preview,
    import_set_mapping,
)
from alumni.people.wagtail_hooks.menu import PeopleMenuItem

register_audit_actions({"people.import": _("导入校友档案")})

PREVIEW_ERRORS_SHOWN = 500  # the page lists this many; the XLSX report has them all


def _job(uuid) -> ImportJob:
    return get_object_or_404(ImportJob, uuid=uuid)


@school_admin_required
def index_view(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的文件"))
        else:
            try:
                job = import_job_create(upload=upload, actor=request.user)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                return redirect("people_import:mapping", job.uuid)
    jobs = ImportJob.objects.select_related("created_by")[:20]
    return TemplateResponse(
        request, "people/import/index.html", {"jobs": jobs, "page_title": _("导入校友档案")}
    )


@school_admin_required
def mapping_view(request, uuid):
    job = _job(uuid)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED):
        return redirect("people_import:progress", job.uuid)
    if request.method == "POST":
        mapping = {str(i): request.POST.get(f"col_{i}", "") for i in range(len(job.headers))}
        try:
            job = import_set_mapping(job=job, mapping=mapping)
            import_preview(job=job)
        except ServiceError as error:
            messages.error(request, error.message)
            job.mapping = {k: v for k, v in mapping.items() if v}
        else:
            return redirect("people_import:preview", job.uuid)
    columns = [
        {
            "index": i,
            "label": label,
            "samples": job.samples[i] if i < len(job.samples) else [],
            "field": job.mapping.get(str(i), ""),
        }
        for i, label in enumerate(job.headers)
    ]
    return TemplateResponse(
        request,
        "people/import/mapping.html",
        {"job": job, "columns": columns, "fields": IMPORT_FIELDS.items(), "page_title": _("列对应")},
    )


@school_admin_required
def preview_view(request, uuid):
    job = _job(uuid)
    if job.status != ImportJob.Status.VALIDATED:
        return redirect(
            "people_import:progress" if job.status != ImportJob.Status.UPLOADED else "people_import:mapping",
            job.uuid,
        )
    invalid = job.preview.get("invalid_rows", [])
    return TemplateResponse(
        request,
        "people/import/preview.html",
        {
            "job": job,
            "preview": job.preview,
            "invalid": invalid[:PREVIEW_ERRORS_SHOWN],
            "invalid_more": max(0, len(invalid) - PREVIEW_ERRORS_SHOWN),
            "page_title": _("导入预览"),
        },
    )


@require_POST
@school_admin_required
def confirm_view(request, uuid):
    job = _job(uuid)
    try:
        import_confirm(job=job, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("people_import:preview", job.uuid)
    return redirect("people_import:progress", job.uuid)


@school_admin_required
def progress_view(request, uuid):
    job = _job(uuid)
    return TemplateResponse(
        request,
        "people/import/progress.html",
        {
            "job": job,
            "status_url": reverse("people_import:status", args=[job.uuid]),
            "people_url": _people_list_url(),
            "page_title": _("导入进度"),
        },
    )


@school_admin_required
def status_view(request, uuid):
    job = _job(uuid)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "stage": job.stage,
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "percent": job.progress_percent,
            "summary": {k: v for k, v in job.summary.items() if isinstance(v, int)},
            "error": job.error_message,
        }
    )


@school_admin_required
def report_view(request, uuid):
    job = _job(uuid)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"{job.original_name.rsplit('.', 1)[0]}-错误报告.xlsx",
    )


def _people_list_url() -> str:
    try:
        return reverse("people_records:index")
    except Exception:  # the alumni list is another part of the back office
        return reverse("wagtailadmin_home")


urlpatterns = [
    path("", index_view, name="index"),
    path("<uuid:uuid>/mapping/", mapping_view, name="mapping"),
    path("<uuid:uuid>/preview/", preview_view, name="preview"),
    path("<uuid:uuid>/confirm/", confirm_view, name="confirm"),
    path("<uuid:uuid>/progress/", progress_view, name="progress"),
    path("<uuid:uuid>/status.json", status_view, name="status"),
    path("<uuid:uuid>/errors.xlsx", report_view, name="report"),
]


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("people/import/", include((urlpatterns, "people_import")))]


class SchoolAdminMenuItem(PeopleMenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)


@hooks.register("register_people_menu_item")
def register_import_menu_item():
    return SchoolAdminMenuItem(_("导入"), reverse("people_import:index"), icon_name="upload", order=150)
