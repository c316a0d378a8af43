"""校友档案 → 校友列表: the alumni list (filters, fuzzy search, masked XLSX export), the inspect
page of a person, and create/edit of a person with its degrees through the record services."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from alumni.core.audit_actions import audit_action_label, register_audit_actions
from alumni.core.errors import ServiceError
from alumni.people.choices import INDUSTRIES, DegreeLevel, RecordSource, Verification
from alumni.people.models import AlumniGroup, College, Major, Person
from alumni.people.selectors.records import (
    EXPORT_COLUMNS,
    can_view_pii,
    degrees_display,
    id_number_display,
    person_detail,
    person_export_row,
    person_tags,
    persons_active,
    persons_filter,
    persons_for_list,
    persons_search,
    phones_display,
)
from alumni.people.services.catalog import group_set_members
from alumni.people.services.records import (
    degree_add,
    degree_remove,
    degree_update,
    person_create,
    person_update,
)
from alumni.people.wagtail_hooks.forms import DegreeFormSet, PersonForm
from alumni.people.wagtail_hooks.menu import MENU_HOOK, PeopleMenuItem

register_audit_actions(
    {
        "person.create": _("新建校友档案"),
        "person.update": _("修改校友档案"),
        "person.merge": _("合并校友档案"),
        "degree.create": _("添加学历"),
        "degree.update": _("修改学历"),
        "degree.delete": _("删除学历"),
    }
)

_YES_NO = [("true", _("是")), ("false", _("否"))]


class PersonFilterSet(WagtailFilterSet):
    """The list filters; applied together by ``persons_filter`` (degree filters hit one degree)."""

    college = django_filters.ModelChoiceFilter(
        label=_("学院"), queryset=College.objects.all(), method="_noop"
    )
    major = django_filters.ModelChoiceFilter(
        label=_("专业"), queryset=Major.objects.select_related("college"), method="_noop"
    )
    level = django_filters.ChoiceFilter(label=_("学历层次"), choices=DegreeLevel.choices, method="_noop")
    enrollment_year = django_filters.NumberFilter(label=_("入学年份"), method="_noop")
    graduation_year = django_filters.NumberFilter(label=_("毕业年份"), method="_noop")
    province = django_filters.CharFilter(label=_("省份"), method="_noop")
    city = django_filters.CharFilter(label=_("城市"), method="_noop")
    industry = django_filters.ChoiceFilter(
        label=_("行业"), choices=[(i, i) for i in INDUSTRIES], method="_noop"
    )
    verification = django_filters.ChoiceFilter(
        label=_("认证状态"), choices=Verification.choices, method="_noop"
    )
    is_vip = django_filters.ChoiceFilter(label=_("重要校友"), choices=_YES_NO, method="_noop")
    tag = django_filters.ChoiceFilter(label=_("标签"), method="_noop")
    group = django_filters.ModelChoiceFilter(
        label=_("分组"), queryset=AlumniGroup.objects.all(), method="_noop"
    )
    source = django_filters.ChoiceFilter(label=_("来源"), choices=RecordSource.choices, method="_noop")

    class Meta:
        model = Person
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["tag"].extra["choices"] = [(t, t) for t in person_tags()]

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return persons_filter(
            queryset,
            {
                "college_id": getattr(data.get("college"), "pk", None),
                "major_id": getattr(data.get("major"), "pk", None),
                "level": data.get("level"),
                "enrollment_year": int(data["enrollment_year"]) if data.get("enrollment_year") else None,
                "graduation_year": int(data["graduation_year"]) if data.get("graduation_year") else None,
                "province": data.get("province"),
                "city": data.get("city"),
                "industry": data.get("industry"),
                "verification": data.get("verification"),
                "is_vip": data.get("is_vip"),
                "tag": data.get("tag"),
                "group_id": getattr(data.get("group"), "pk", None),
                "source": data.get("source"),
            },
        )


class PersonIndexView(IndexView):
    page_title = _("校友列表")
    header_icon = "group"
    search_fields = ["name"]  # enables the search box; the search itself is persons_search
    export_headings = dict(EXPORT_COLUMNS)
    list_export = [key for key, _label in EXPORT_COLUMNS]

    def get_base_queryset(self):
        return persons_for_list(persons_active())

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return persons_search(queryset, self.search_query)

    @property
    def full_pii(self) -> bool:
        return can_view_pii(self.request.user)

    @property
    def columns(self):
        full = self.full_pii
        return [
            TitleColumn(
                "name",
                label=_("姓名"),
                get_url=lambda p: self.get_inspect_url(p),
                sort_key="name",
                width="12%",
            ),
            Column(
                "phones",
                label=_("手机号"),
                accessor=lambda p: phones_display(p, full=full) or "—",
                width="14%",
            ),
            Column("degrees", label=_("学历"), accessor=lambda p: degrees_display(p) or "—"),
            Column("city", label=_("城市"), sort_key="city", width="8%"),
            Column("company", label=_("工作单位"), sort_key="company", width="16%"),
            Column(
                "verification",
                label=_("认证"),
                accessor=lambda p: p.get_verification_display() + (" · ★" if p.is_vip else ""),
                sort_key="verification",
                width="9%",
            ),
        ]

    def get_filename(self):
        return f"alumni-{timezone.localdate():%Y-%m-%d}"

    def to_row_dict(self, item):
        return person_export_row(item, full_pii=self.full_pii)


def _can(request, action: str) -> bool:
    return request.user.has_perm(f"people.{action}_person")


# A new degree row counts only when something besides the level (a pre-selected menu) is filled.
_DEGREE_CONTENT = ("college", "major", "class_name", "student_number", "enrollment_year", "graduation_year")


def _save_degrees(formset, person, actor) -> None:
    for form in formset.forms:
        if not form.cleaned_data.get("id") and not any(form.cleaned_data.get(k) for k in _DEGREE_CONTENT):
            continue
        degree_id = form.cleaned_data.get("id")
        degree = person.degrees.filter(pk=degree_id).first() if degree_id else None
        if form.cleaned_data.get("DELETE"):
            if degree is not None:
                degree_remove(degree=degree, actor=actor)
        elif degree is not None:
            if form.has_changed():
                degree_update(degree=degree, actor=actor, **form.service_fields())
        elif form.has_changed():
            degree_add(person=person, actor=actor, **form.service_fields())


def _degree_initial(person: Person) -> list[dict]:
    return [
        {
            "id": d.pk,
            "level": d.level,
            "college": d.college_id,
            "major": d.major_id,
            "class_name": d.class_name,
            "student_number": d.student_number,
            "enrollment_year": d.enrollment_year,
            "graduation_year": d.graduation_year,
        }
        for d in person.degrees.all()
    ]


def _person_initial(person: Person) -> dict:
    initial = {
        name: getattr(person, name)
        for name in (
            "name",
            "gender",
            "birth_date",
            "wechat_id",
            "province",
            "city",
            "company",
            "title",
            "industry",
            "is_vip",
            "verification",
            "note",
        )
    }
    initial["phones"] = "、".join(person.phones)
    initial["emails"] = "、".join(person.emails)
    initial["tags"] = "、".join(person.tags)
    initial["groups"] = list(person.groups.values_list("pk", flat=True))
    for key, value in person.custom_fields.items():
        initial[f"cf_{key}"] = value
    return initial


def _sync_groups(person: Person, wanted, actor) -> None:
    current = set(person.groups.all())
    for group in set(wanted) - current:
        group_set_members(group=group, persons=[person], add=True, actor=actor)
    for group in current - set(wanted):
        group_set_members(group=group, persons=[person], add=False, actor=actor)


def person_form_view(request, pk=None):
    """Create (no pk) or edit a person and its degrees; all writes go through the services."""
    person = get_object_or_404(persons_active(), pk=pk) if pk else None
    if not _can(request, "change" if person else "add"):
        raise PermissionDenied
    full_pii = can_view_pii(request.user)
    if request.method == "POST":
        form = PersonForm(request.POST)
        formset = DegreeFormSet(request.POST, prefix="degrees")
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    fields = form.service_fields(existing_custom=person.custom_fields if person else None)
                    if person is None:
                        person = person_create(actor=request.user, **fields)
                    else:
                        person = person_update(person=person, actor=request.user, **fields)
                    _save_degrees(formset, person, request.user)
                    _sync_groups(person, form.cleaned_data["groups"], request.user)
            except ServiceError as exc:
                if pk is None:
                    person = None
                target = exc.field if exc.field in form.fields else None
                form.add_error(target, exc.message)
            else:
                messages.success(request, _("档案「%(name)s」已保存") % {"name": person.name})
                return redirect("people_records:inspect", person.pk)
    else:
        form = PersonForm(
            initial=_person_initial(person) if person else {"verification": Verification.OFFICIAL}
        )
        formset = DegreeFormSet(initial=_degree_initial(person) if person else None, prefix="degrees")
    if person is not None:
        shown = person.id_number if full_pii else person.id_number_masked
        form.fields["id_number"].widget.attrs["placeholder"] = shown or ""
    return TemplateResponse(
        request,
        "people/admin/person_form.html",
        {
            "page_title": _("编辑校友档案") if person else _("新建校友档案"),
            "header_icon": "group",
            "person": person,
            "form": form,
            "formset": formset,
            "index_url": reverse("people_records:index"),
        },
    )


def person_inspect_view(request, pk):
    person = get_object_or_404(Person.objects.select_related("merged_into"), pk=pk)
    if not (_can(request, "view") or _can(request, "change")):
        raise PermissionDenied
    if person.merged_into_id:
        messages.info(request, _("该档案已合并到「%(name)s」") % {"name": person.merged_into.name})
        return redirect("people_records:inspect", person.merged_into_id)
    full = can_view_pii(request.user)
    detail = person_detail(person)
    for entry in detail["audit"]:
        entry.action_label = audit_action_label(entry.action)
    definitions = {d.key: d.label for d in PersonForm().custom_definitions}
    custom = [(definitions.get(k, k), v) for k, v in person.custom_fields.items()]
    return TemplateResponse(
        request,
        "people/admin/person_inspect.html",
        {
            "page_title": person.name,
            "header_icon": "user",
            "person": person,
            "phones": phones_display(person, full=full),
            "id_number": id_number_display(person, full=full),
            "custom": custom,
            "can_edit": _can(request, "change"),
            "index_url": reverse("people_records:index"),
            **detail,
        },
    )


class PersonViewSet(ModelViewSet):
    model = Person
    name = "people_records"
    url_prefix = "people/records"
    icon = "group"
    menu_label = _("校友列表")
    add_to_admin_menu = False
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = PersonIndexView
    filterset_class = PersonFilterSet
    ordering = ["name", "id"]
    list_per_page = 50
    form_fields = ["name"]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", person_form_view, name="add"),
            path("edit/<int:pk>/", person_form_view, name="edit"),
            path("inspect/<int:pk>/", person_inspect_view, name="inspect"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        for missing in ("delete", "history", "usage", "copy"):
            kwargs[f"{missing}_url_name"] = None
        return kwargs


person_viewset = PersonViewSet()


@hooks.register("register_admin_viewset")
def register_person_viewset():
    return person_viewset


@hooks.register(MENU_HOOK)
def register_person_list_menu_item():
    return PeopleMenuItem(
        _("校友列表"),
        reverse("people_records:index"),
        icon_name="list-ul",
        order=100,
        permission=("people.view_person", "people.change_person"),
    )
