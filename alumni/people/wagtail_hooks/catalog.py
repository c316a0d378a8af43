"""校友档案 → 学院与专业 / 自定义字段 / 校友分组: the school's catalogs.

Wagtail viewsets give the listings and forms; every create, edit and delete goes through
``alumni.people.services.catalog`` (validated and audited). Former college names and majors
have their own listings, reached from each college's row.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.people.models import AlumniGroup, College, CollegeAlias, CustomFieldDefinition, Major
from alumni.people.services.catalog import catalog_delete, catalog_save
from alumni.people.wagtail_hooks.menu import MENU_HOOK, PeopleMenuItem

register_audit_actions(
    {
        f"{code}.{verb}": _(f"{verb_label}{label}")
        for code, label in (
            ("college", "学院"),
            ("college_alias", "学院曾用名"),
            ("major", "专业"),
            ("custom_field", "自定义字段"),
            ("alumni_group", "校友分组"),
        )
        for verb, verb_label in (("create", "新建"), ("update", "修改"), ("delete", "删除"))
    }
    | {"alumni_group.members": _("调整分组成员")}
)


class _ServiceFormMixin:
    """Save through catalog_save; a service error becomes a form error instead of a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class CatalogCreateView(_ServiceFormMixin, CreateView):
    def save_instance(self):
        return catalog_save(model=self.model, actor=self.request.user, **self.form.cleaned_data)


class CatalogEditView(_ServiceFormMixin, EditView):
    def save_instance(self):
        return catalog_save(
            model=self.model, instance=self.object, actor=self.request.user, **self.form.cleaned_data
        )


class CatalogDeleteView(DeleteView):
    def form_valid(self, form):
        try:
            catalog_delete(instance=self.object, actor=self.request.user)
        except ServiceError as exc:
            messages.error(self.request, exc.message)
            return redirect(self.index_url_name)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class CatalogViewSet(ModelViewSet):
    add_to_admin_menu = False
    add_to_reference_index = False
    copy_view_enabled = False
    add_view_class = CatalogCreateView
    edit_view_class = CatalogEditView
    delete_view_class = CatalogDeleteView
    search_backend_name = None


# Colleges ---------------------------------------------------------------------------------


class CollegeIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .prefetch_related("aliases")
            .annotate(major_count=Count("majors", distinct=True))
        )

    @property
    def columns(self):
        return [
            TitleColumn("name", label=_("学院名称"), get_url=self.get_edit_url, sort_key="name"),
            Column("code", label=_("代码"), width="8%"),
            Column("aliases", label=_("曾用名"), accessor=self._aliases),
            Column("majors", label=_("专业"), accessor=self._majors, width="10%"),
            Column("is_active", label=_("启用"), accessor=lambda c: "✓" if c.is_active else "—", width="6%"),
            Column("sort_order", label=_("排序"), sort_key="sort_order", width="6%"),
        ]

    def _aliases(self, college):
        names = "、".join(
            f"{a.name}（{a.used_from or ''}–{a.used_until or ''}）" if a.used_from or a.used_until else a.name
            for a in college.aliases.all()
        )
        url = reverse("people_aliases:index") + f"?college={college.pk}"
        return format_html('{} <a href="{}">{}</a>', names or "—", url, _("管理"))

    def _majors(self, college):
        url = reverse("people_majors:index") + f"?college={college.pk}"
        return format_html('<a href="{}">{} 个</a>', url, college.major_count)


class CollegeViewSet(CatalogViewSet):
    model = College
    name = "people_colleges"
    url_prefix = "people/colleges"
    icon = "folder-open-inverse"
    menu_label = _("学院与专业")
    index_view_class = CollegeIndexView
    form_fields = ["name", "code", "sort_order", "is_active"]
    search_fields = ["name", "code", "aliases__name"]
    ordering = ["sort_order", "name"]


class CollegeAliasViewSet(CatalogViewSet):
    model = CollegeAlias
    name = "people_aliases"
    url_prefix = "people/college-aliases"
    icon = "history"
    menu_label = _("学院曾用名")
    form_fields = ["college", "name", "used_from", "used_until"]
    list_display = ["name", "college", "used_from", "used_until"]
    list_filter = ["college"]
    search_fields = ["name", "college__name"]


class MajorViewSet(CatalogViewSet):
    model = Major
    name = "people_majors"
    url_prefix = "people/majors"
    icon = "list-ul"
    menu_label = _("专业")
    form_fields = ["college", "name", "code"]
    list_display = ["name", "college", "code"]
    list_filter = ["college"]
    search_fields = ["name", "code", "college__name"]


# Custom fields -------------------------------------------------------------------------


class CustomFieldForm(WagtailAdminModelForm):
    choices = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("单选类型的选项，每行一个"),
    )

    class Meta:
        model = CustomFieldDefinition
        fields = [
            "label",
            "key",
            "field_type",
            "choices",
            "required",
            "default_visibility",
            "sort_order",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class CustomFieldViewSet(CatalogViewSet):
    model = CustomFieldDefinition
    name = "people_fields"
    url_prefix = "people/custom-fields"
    icon = "form"
    menu_label = _("自定义字段")
    list_display = ["label", "key", "field_type", "required", "default_visibility", "is_active"]
    search_fields = ["label", "key"]

    def get_form_class(self, for_update=False):
        return CustomFieldForm


# Groups --------------------------------------------------------------------------------


class GroupIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                member_count=Count("members", filter=Q(members__merged_into__isnull=True), distinct=True)
            )
        )

    @property
    def columns(self):
        return [
            TitleColumn("name", label=_("分组名称"), get_url=self.get_edit_url, sort_key="name"),
            Column("description", label=_("说明")),
            Column("members", label=_("成员"), accessor=self._members, width="12%"),
        ]

    def _members(self, group):
        url = reverse("people_records:index") + f"?group={group.pk}"
        return format_html('<a href="{}">{} 人</a>', url, group.member_count)


class GroupViewSet(CatalogViewSet):
    model = AlumniGroup
    name = "people_groups"
    url_prefix = "people/groups"
    icon = "tag"
    menu_label = _("校友分组")
    index_view_class = GroupIndexView
    form_fields = ["name", "description"]
    search_fields = ["name", "description"]


catalog_viewsets = [
    CollegeViewSet(),
    CollegeAliasViewSet(),
    MajorViewSet(),
    CustomFieldViewSet(),
    GroupViewSet(),
]


@hooks.register("register_admin_viewset")
def register_catalog_viewsets():
    # They appear in the 校友档案 menu (below), not as top-level menu items.
    return catalog_viewsets


def _catalog_item(label, url_name, icon, order, model):
    perms = tuple(
        f"people.{action}_{model._meta.model_name}" for action in ("add", "change", "delete", "view")
    )
    return PeopleMenuItem(label, reverse(url_name), icon_name=icon, order=order, permission=perms)


@hooks.register(MENU_HOOK)
def register_colleges_menu_item():
    return _catalog_item(_("学院与专业"), "people_colleges:index", "folder-open-inverse", 500, College)


@hooks.register(MENU_HOOK)
def register_custom_fields_menu_item():
    return _catalog_item(_("自定义字段"), "people_fields:index", "form", 510, CustomFieldDefinition)


@hooks.register(MENU_HOOK)
def register_groups_menu_item():
    return _catalog_item(_("校友分组"), "people_groups:index", "tag", 520, AlumniGroup)
