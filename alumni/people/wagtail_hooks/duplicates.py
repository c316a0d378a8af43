"""校友档案 → 疑似重复: candidate pairs, the merge screen and "not a duplicate".

Only users who may change persons see these pages (school admins). The merge itself is
``person_merge``; dismissing a pair is ``duplicate_dismiss``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.todos import TodoItem, register_todo
from alumni.people.models import Person
from alumni.people.selectors.duplicates import (
    REASON_LABELS,
    REASON_ORDER,
    duplicate_candidates,
    duplicate_candidates_count,
    duplicate_candidates_count_cached,
    duplicate_reasons,
)
from alumni.people.selectors.records import can_view_pii, id_number_display, phones_display
from alumni.people.services.merge import CHOOSABLE_FIELDS, duplicate_dismiss, person_merge
from alumni.people.wagtail_hooks.menu import MENU_HOOK, PeopleMenuItem

register_audit_actions({"person.not_duplicate": _("标记非重复档案")})

PER_PAGE = 30
PERMISSION = "people.change_person"
FIELD_LABELS = {
    "name": _("姓名"),
    "gender": _("性别"),
    "birth_date": _("出生日期"),
    "id_number": _("身份证号"),
    "wechat_id": _("微信号"),
    "province": _("省份"),
    "city": _("城市"),
    "company": _("工作单位"),
    "title": _("职务"),
    "industry": _("行业"),
    "photo": _("照片"),
    "verification": _("认证状态"),
    "source": _("来源"),
    "note": _("备注"),
}


def _require(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def duplicates_view(request):
    _require(request)
    total = duplicate_candidates_count()
    paginator = Paginator(range(total), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    pairs = duplicate_candidates(offset=(page.number - 1) * PER_PAGE, limit=PER_PAGE) if total else []
    full = can_view_pii(request.user)
    for pair in pairs:
        for person in (pair.first, pair.second):
            person.phones_shown = phones_display(person, full=full)
    return TemplateResponse(
        request,
        "people/admin/duplicates.html",
        {
            "page_title": _("疑似重复"),
            "header_icon": "copy",
            "pairs": pairs,
            "page": page,
            "total": total,
        },
    )


def _display(person: Person, field: str, *, full: bool) -> str:
    if field == "id_number":
        return id_number_display(person, full=full)
    if field == "photo":
        return person.photo.name or ""
    value = getattr(person, field)
    display = getattr(person, f"get_{field}_display", None)
    if display and value:
        return str(display())
    if field == "birth_date" and value:
        return value.isoformat()
    return "" if value is None else str(value)


def _same(left: Person, right: Person, field: str) -> bool:
    if field == "id_number":
        return left.id_number_digest == right.id_number_digest
    return getattr(left, field) == getattr(right, field)


def merge_view(request, first_id: int, second_id: int):
    """Side by side; the admin picks the surviving record and, per field, the value to keep."""
    _require(request)
    persons = Person.objects.prefetch_related("degrees__college", "accounts__user")
    left = get_object_or_404(persons, pk=first_id)
    right = get_object_or_404(persons, pk=second_id)
    if left.pk == right.pk:
        return redirect("people_duplicates")
    if left.merged_into_id or right.merged_into_id:
        # Someone merged the pair meanwhile (or an old link): nothing left to compare.
        messages.warning(request, _("其中一条档案已被合并"))
        return redirect("people_duplicates")
    if request.method == "POST":
        keep_right = request.POST.get("survivor") == "right"
        survivor, other = (right, left) if keep_right else (left, right)
        choices = {}
        for field in CHOOSABLE_FIELDS:
            side = request.POST.get(f"f_{field}")
            if side in ("left", "right"):
                choices[field] = "survivor" if (side == "right") == keep_right else "other"
        try:
            person_merge(survivor=survivor, other=other, field_choices=choices, actor=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("people_duplicates")
        messages.success(request, _("已合并到「%(name)s」") % {"name": survivor.name})
        return redirect("people_records:inspect", survivor.pk)
    full = can_view_pii(request.user)
    rows = []
    for field in CHOOSABLE_FIELDS:
        a, b = _display(left, field, full=full), _display(right, field, full=full)
        rows.append(
            {
                "field": field,
                "label": FIELD_LABELS[field],
                "left": a,
                "right": b,
                "same": _same(left, right, field),
                "pick_right": not a and bool(b),
            }
        )
    reasons = duplicate_reasons(left, right)
    return TemplateResponse(
        request,
        "people/admin/merge.html",
        {
            "page_title": _("合并档案"),
            "header_icon": "copy",
            "left": left,
            "right": right,
            "rows": rows,
            "left_phones": phones_display(left, full=full),
            "right_phones": phones_display(right, full=full),
            "reasons": [str(REASON_LABELS[r]) for r in REASON_ORDER if r in reasons],
        },
    )


@require_POST
def dismiss_view(request, first_id: int, second_id: int):
    _require(request)
    first = get_object_or_404(Person, pk=first_id)
    second = get_object_or_404(Person, pk=second_id)
    try:
        duplicate_dismiss(first=first, second=second, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记为不同的人，不再提示"))
    return redirect(request.POST.get("next") or reverse("people_duplicates"))


@hooks.register("register_admin_urls")
def register_duplicate_urls():
    return [
        path("people/duplicates/", duplicates_view, name="people_duplicates"),
        path("people/duplicates/merge/<int:first_id>/<int:second_id>/", merge_view, name="people_merge"),
        path(
            "people/duplicates/dismiss/<int:first_id>/<int:second_id>/", dismiss_view, name="people_dismiss"
        ),
    ]


@hooks.register(MENU_HOOK)
def register_duplicates_menu_item():
    return PeopleMenuItem(
        _("疑似重复"), reverse("people_duplicates"), icon_name="copy", order=300, permission=PERMISSION
    )


@register_todo
def duplicate_todos(request):
    if not request.user.has_perm(PERMISSION):
        return []
    return [
        TodoItem(
            label=str(_("疑似重复档案")),
            count=duplicate_candidates_count_cached(),
            url=reverse("people_duplicates"),
            priority=40,
        )
    ]
