"""校友组织 back office: the organization tree and a flat searchable list, each organization's
page, editor (with its related organizations and join application form), statistics and member
management (search, filters, XLSX export, roles, removal), and a join-approval queue.

School admins reach everything. A chapter officer with back-office access reaches the list,
statistics and member management of the organizations they manage (their subtree) and nothing
else. Every write goes through alumni.network.services, which check scope and write the audit
entry."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.form_editor import QuestionFormSet, questions_from, questions_initial
from alumni.core.permissions import has_back_office, is_school_admin, school_admin_required
from alumni.core.todos import TodoItem, register_todo
from alumni.network import wagtail_clubs  # noqa: F401  (its hooks: the club application review)
from alumni.network.models import (
    ContentReview,
    JoinRequest,
    Membership,
    Organization,
    OrgType,
    ReviewMode,
    Role,
)
from alumni.network.permissions import can_manage, managed_organizations
from alumni.network.selectors import (
    MEMBER_COLUMNS,
    MEMBER_SCOPES,
    MemberFilters,
    bar_rows,
    is_descendant_or_self,
    join_requests_pending,
    member_row,
    org_statistics,
    organization_members,
    organizations_in_tree_order,
    organizations_search,
    parent_names,
    subtree_member_counts,
    subtree_memberships,
)
from alumni.network.services import (
    join_request_approve,
    join_request_reject,
    membership_remove,
    org_create,
    org_members_export,
    org_move,
    org_update,
    role_assign,
)

PAGE_SIZE = 50

PROFILE_FIELDS = (
    "name",
    "type",
    "review_mode",
    "content_review",
    "introduction",
    "join_requirements",
    "phone",
    "address",
    "city",
)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    type = forms.ChoiceField(label=_("类型"), choices=[c for c in OrgType.choices if c[0] != OrgType.HEAD])
    review_mode = forms.ChoiceField(
        label=_("入会方式"), choices=ReviewMode.choices, initial=ReviewMode.APPROVAL
    )
    content_review = forms.ChoiceField(
        label=_("成员发布内容的审核方式"), choices=ContentReview.choices, initial=ContentReview.BEFORE
    )
    introduction = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    join_requirements = forms.CharField(
        label=_("入会条件"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    city = forms.CharField(label=_("所在城市"), max_length=40, required=False)

    related = forms.ModelMultipleChoiceField(
        label=_("关联组织"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("关联是双向的：对方的组织页也会显示本组织。按住 Ctrl（或 ⌘）多选。"),
    )

    def __init__(self, *args, head: bool = False, org: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if head:  # the head association's type is fixed
            del self.fields["type"]
        if org is None:  # relations are set once the organization exists
            del self.fields["related"]
        else:
            self.fields["related"].queryset = Organization.objects.exclude(pk=org.pk).order_by("path")
            self.fields["related"].label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"


def _org(pk: int) -> Organization:
    return get_object_or_404(Organization, pk=pk)


def _render(request, template: str, title, **context):
    return TemplateResponse(
        request, f"network/admin/{template}", {"page_title": title, "header_icon": "group", **context}
    )


def _service_call(request, action, success) -> bool:
    try:
        action()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


@school_admin_required
def tree_view(request):
    orgs = organizations_in_tree_order()
    counts = subtree_member_counts(orgs)
    for org in orgs:
        org.member_total = counts.get(org.pk, 0)
        org.indent = (org.depth - 1) * 1.5
    return _render(request, "tree.html", _("组织架构"), orgs=orgs)


@school_admin_required
def org_view(request, pk: int):
    org = _org(pk)
    requests = list(join_requests_pending(org))
    return _render(
        request,
        "organization.html",
        org.name,
        org=org,
        related=org.related.order_by("path"),
        members=organization_members(org),
        requests=requests,
        roles=[c for c in Role.choices if c[0] != Role.PRESIDENT],
        member_total=subtree_member_counts([org])[org.pk],
    )


def _form_view(request, *, org: Organization | None, parent: Organization | None):
    initial = {name: getattr(org, name) for name in PROFILE_FIELDS} if org else None
    if org is not None:
        initial["related"] = list(org.related.values_list("pk", flat=True))
    form = OrganizationForm(request.POST or None, head=bool(org and org.is_head), org=org, initial=initial)
    # A post without the builder's rows (a script, an older page) leaves the join form as it is.
    with_builder = "jf-TOTAL_FORMS" in request.POST
    join_fields = QuestionFormSet(
        request.POST if with_builder else None,
        prefix="jf",
        initial=questions_initial(org.join_form if org else []),
    )
    if request.method == "POST" and form.is_valid() and (not with_builder or join_fields.is_valid()):
        data = dict(form.cleaned_data)
        if with_builder:
            data["join_form"] = questions_from(join_fields)
        related = data.pop("related", None)
        try:
            if org is None:
                org = org_create(parent=parent, actor=request.user, **data)
                messages.success(request, _("已创建：%(name)s") % {"name": org.name})
            else:
                related_ids = [o.pk for o in related] if "related" in request.POST or with_builder else None
                org = org_update(organization=org, actor=request.user, related=related_ids, **data)
                messages.success(request, _("已保存：%(name)s") % {"name": org.name})
            return redirect("network_org", org.pk)
        except ServiceError as exc:
            field = getattr(exc, "field", None)
            if field == "join_form":
                join_fields._non_form_errors = join_fields.error_class([exc.message])
            else:
                form.add_error(field if field in form.fields else None, exc.message)
    title = (
        _("编辑：%(name)s") % {"name": org.name}
        if org
        else _("在「%(name)s」下新建组织") % {"name": parent.name}
    )
    return _render(request, "form.html", title, form=form, join_fields=join_fields, org=org, parent=parent)


@school_admin_required
def create_view(request, pk: int):
    return _form_view(request, org=None, parent=_org(pk))


@school_admin_required
def edit_view(request, pk: int):
    return _form_view(request, org=_org(pk), parent=None)


@school_admin_required
def move_view(request, pk: int):
    org = _org(pk)
    targets = [o for o in organizations_in_tree_order() if not is_descendant_or_self(o, org)]
    if request.method == "POST":
        new_parent = get_object_or_404(Organization, pk=request.POST.get("parent") or 0)
        if _service_call(
            request,
            lambda: org_move(organization=org, new_parent=new_parent, actor=request.user),
            _("已将%(name)s移动到%(parent)s之下") % {"name": org.name, "parent": new_parent.name},
        ):
            return redirect("network_tree")
    for target in targets:
        target.indent = "　" * (target.depth - 1)
    return _render(
        request,
        "move.html",
        _("移动：%(name)s") % {"name": org.name},
        org=org,
        targets=targets,
        current_parent=None if org.is_head else org.get_parent(),
    )


@school_admin_required
def queue_view(request):
    return _render(request, "queue.html", _("入会审核"), requests=join_requests_pending())


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    # Only our own pages: "//host" or "/admin/network/../" would lead elsewhere.
    safe = target.startswith("/admin/network/") and "//" not in target and ".." not in target
    return redirect(target if safe else fallback)


@require_POST
@school_admin_required
def approve_view(request, pk: int):
    join_request = get_object_or_404(JoinRequest.objects.select_related("person", "organization"), pk=pk)
    _service_call(
        request,
        lambda: join_request_approve(join_request=join_request, actor=request.user),
        _("已通过%(person)s加入%(org)s的申请")
        % {"person": join_request.person.name, "org": join_request.organization.name},
    )
    return _back(request, reverse("network_queue"))


@require_POST
@school_admin_required
def reject_view(request, pk: int):
    join_request = get_object_or_404(JoinRequest.objects.select_related("person", "organization"), pk=pk)
    _service_call(
        request,
        lambda: join_request_reject(
            join_request=join_request, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("已拒绝%(person)s的申请") % {"person": join_request.person.name},
    )
    return _back(request, reverse("network_queue"))


def _member_action(request, pk: int) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("person", "organization"), pk=pk)
    if not (has_back_office(request.user) and can_manage(request.user, membership.organization)):
        raise PermissionDenied
    return membership


@require_POST
def role_view(request, pk: int):
    membership = _member_action(request, pk)
    _service_call(
        request,
        lambda: role_assign(membership=membership, role=request.POST.get("role", ""), actor=request.user),
        _("已更新%(person)s的职务") % {"person": membership.person.name},
    )
    return _back(request, reverse("network_org", args=[membership.organization_id]))


@require_POST
def remove_view(request, pk: int):
    membership = _member_action(request, pk)
    _service_call(
        request,
        lambda: membership_remove(membership=membership, actor=request.user),
        _("已将%(person)s移出%(org)s")
        % {"person": membership.person.name, "org": membership.organization.name},
    )
    return _back(request, reverse("network_members", args=[membership.organization_id]))


# --- list, statistics and member management (school admins and chapter officers) ------------------


def _managed_org(request, pk: int) -> Organization:
    """The organization, if this back-office user manages it (404 for another school's id)."""
    org = _org(pk)
    if not (has_back_office(request.user) and can_manage(request.user, org)):
        raise PermissionDenied
    return org


def _visible_orgs(request):
    if not has_back_office(request.user):
        raise PermissionDenied
    orgs = managed_organizations(request.user)
    if not is_school_admin(request.user) and not orgs.exists():
        raise PermissionDenied
    return orgs


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=40)
    type = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *OrgType.choices], required=False)
    city = forms.CharField(label=_("城市"), required=False, max_length=40)


def list_view(request):
    scope = _visible_orgs(request)
    form = OrganizationSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = organizations_search(
        q=data.get("q", "").strip(), kind=data.get("type", ""), city=data.get("city", "").strip()
    ).filter(pk__in=scope.values("pk"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("p"))
    orgs = list(page.object_list)
    counts = subtree_member_counts(orgs)
    parents = parent_names(orgs)
    step = Organization.steplen
    for org in orgs:
        org.member_total = counts.get(org.pk, 0)
        org.parent_name = parents.get(org.path[:-step], "")
    query = urlencode({k: v for k, v in data.items() if v})
    return _render(
        request,
        "list.html",
        _("组织列表"),
        form=form,
        orgs=orgs,
        page=page,
        query=query,
        total=page.paginator.count,
        is_school_admin=is_school_admin(request.user),
    )


def stats_view(request, pk: int):
    org = _managed_org(request, pk)
    stats = org_statistics(org)
    sections = [
        (_("近 12 个月新增成员"), bar_rows(stats.trend)),
        (_("按职务"), bar_rows(stats.by_role)),
        (_("按入学年级"), bar_rows(stats.by_enrollment_year)),
        (_("按毕业年级"), bar_rows(stats.by_graduation_year)),
        (_("按学院"), bar_rows(stats.by_college)),
        (_("按城市（前 20）"), bar_rows(stats.by_city)),
        (_("下级组织"), bar_rows(stats.sub_organizations)),
    ]
    return _render(
        request,
        "stats.html",
        _("%(name)s · 统计") % {"name": org.name},
        org=org,
        stats=stats,
        sections=sections,
        is_school_admin=is_school_admin(request.user),
    )


def members_view(request, pk: int):
    org = _managed_org(request, pk)
    full_pii = is_school_admin(request.user)
    filters = MemberFilters.from_params(request.GET)
    rows = subtree_memberships(org, filters, phone_search=full_pii)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("p"))
    members = [(m, member_row(m, full_pii=full_pii)) for m in page.object_list]
    query = urlencode({k: v for k, v in filters.as_dict().items() if v})
    return _render(
        request,
        "members.html",
        _("%(name)s · 成员管理") % {"name": org.name},
        org=org,
        filters=filters,
        members=members,
        page=page,
        query=query,
        columns=MEMBER_COLUMNS,
        roles=Role.choices,
        assignable=[c for c in Role.choices if c[0] != Role.PRESIDENT],
        scopes=MEMBER_SCOPES.items(),
        phone_search=full_pii,
        is_school_admin=full_pii,
    )


def members_export_view(request, pk: int):
    org = _managed_org(request, pk)
    content, _count = org_members_export(
        organization=org, actor=request.user, filters=MemberFilters.from_params(request.GET)
    )
    return xlsx_response(content, f"members-{org.pk}-{timezone.localdate():%Y%m%d}.xlsx")


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@hooks.register("register_admin_urls")
def register_network_urls():
    return [
        path("network/", tree_view, name="network_tree"),
        path("network/requests/", queue_view, name="network_queue"),
        path("network/requests/<int:pk>/approve/", approve_view, name="network_approve"),
        path("network/requests/<int:pk>/reject/", reject_view, name="network_reject"),
        path("network/members/<int:pk>/role/", role_view, name="network_role"),
        path("network/members/<int:pk>/remove/", remove_view, name="network_remove"),
        path("network/list/", list_view, name="network_list"),
        path("network/<int:pk>/", org_view, name="network_org"),
        path("network/<int:pk>/stats/", stats_view, name="network_stats"),
        path("network/<int:pk>/members/", members_view, name="network_members"),
        path("network/<int:pk>/members/export/", members_export_view, name="network_members_export"),
        path("network/<int:pk>/add/", create_view, name="network_create"),
        path("network/<int:pk>/edit/", edit_view, name="network_edit"),
        path("network/<int:pk>/move/", move_view, name="network_move"),
    ]


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)


class OrganizationManagerMenuItem(MenuItem):
    """Shown to school admins and to back-office users who are officers of some organization."""

    def is_shown(self, request):
        user = request.user
        return is_school_admin(user) or (has_back_office(user) and managed_organizations(user).exists())


network_menu = Menu(
    register_hook_name="register_network_menu_item", construct_hook_name="construct_network_menu"
)


@hooks.register("register_network_menu_item")
def register_tree_item():
    return SchoolAdminMenuItem(_("组织架构"), reverse("network_tree"), icon_name="list-ul", order=100)


@hooks.register("register_network_menu_item")
def register_list_item():
    return OrganizationManagerMenuItem(_("组织列表"), reverse("network_list"), icon_name="search", order=150)


@hooks.register("register_network_menu_item")
def register_queue_item():
    return SchoolAdminMenuItem(_("入会审核"), reverse("network_queue"), icon_name="tasks", order=200)


@hooks.register("register_admin_menu_item")
def register_network_menu():
    return SubmenuMenuItem(_("校友组织"), network_menu, icon_name="group", name="network", order=160)


@register_todo
def pending_join_requests(request) -> list[TodoItem]:
    """待审核的入会申请 across the whole tree (school admins decide any of them)."""
    if not is_school_admin(request.user):
        return []
    return [
        TodoItem(
            label=str(_("待审核的入会申请")),
            count=join_requests_pending().count(),
            url=reverse("network_queue"),
            priority=70,
        )
    ]


register_audit_actions({"network.member_export": _("导出组织成员名单")})
