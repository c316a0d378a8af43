"""Storage quota, enforced where it is spent: at the upload, whichever app receives it.

Every upload (Wagtail images and documents, alumni photos, imports, event photos …) arrives as a
multipart request, so one check before the view runs covers them all and tells the uploader why,
instead of each form failing in its own way. Usage is measured at most every 15 minutes
(selectors.storage_used_mb), so a school may overshoot its plan by what it uploads in that window.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from billing.subscriptions.selectors import plan_limits, storage_used_mb
from tenants.models import School

# Small multipart forms (a few text fields) are never refused.
MIN_CHECKED_BYTES = 64 * 1024


class StorageQuotaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        return refusal or self.get_response(request)

    def _refusal(self, request):
        school = getattr(request, "tenant", None)
        if not isinstance(school, School) or request.method not in ("POST", "PUT", "PATCH"):
            return None
        if not request.content_type.startswith("multipart/form-data"):
            return None
        try:
            incoming = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if incoming < MIN_CHECKED_BYTES:
            return None
        limit_mb = plan_limits(school.schema_name).storage_mb
        if limit_mb is None:
            return None
        used_mb = storage_used_mb(school.schema_name)
        if used_mb + incoming / (1024 * 1024) <= limit_mb:
            return None
        message = (
            f"存储空间已满：已用 {used_mb:,.1f} MB，套餐上限 {limit_mb:,} MB，本次上传未保存。"
            "请删除不需要的文件，或由学校管理员在「套餐与账单」升级套餐。"
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "plan_limit", "detail": message}, status=413)
        return render(request, "subscriptions/storage_full.html", {"message": message}, status=413)
