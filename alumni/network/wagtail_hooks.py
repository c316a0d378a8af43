"""校友组织 back office (school admins): the organization tree, each organization's members and
join requests, and a join-approval queue across the tree. Every write goes through
alumni.network.services, which check scope and write the audit entry."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin, school_admin_required
from alumni.core.todos import TodoItem, register_todo
from alumni.network.models import (
    ContentReview,
    JoinRequest,
    Membership,
    Organization,
    OrgType,
    ReviewMode,
    Role,
)
from alumni.network.selectors import (
    is_descendant_or_self,
    join_requests_pending,
    organization_members,
    organizations_in_tree_order,
    subtree_member_counts,
)
from alumni.network.services import (
    join_request_approve,
    join_request_reject,
    org_create,
    org_move,
    org_update,
    role_assign,
)

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

    def __init__(self, *args, head: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if head:  # the head association's type is fixed
            del self.fields["type"]


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
        members=organization_members(org),
        requests=requests,
        roles=[c for c in Role.choices if c[0] != Role.PRESIDENT],
        member_total=subtree_member_counts([org])[org.pk],
    )


def _form_view(request, *, org: Organization | None, parent: Organization | None):
    form = OrganizationForm(
        request.POST or None,
        head=bool(org and org.is_head),
        initial={name: getattr(org, name) for name in PROFILE_FIELDS} if org else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if org is None:
                org = org_create(parent=parent, actor=request.user, **form.cleaned_data)
                messages.success(request, _("已创建：%(name)s") % {"name": org.name})
            else:
                org = org_update(organization=org, actor=request.user, **form.cleaned_data)
                messages.success(request, _("已保存：%(name)s") % {"name": org.name})
            return redirect("network_org", org.pk)
        except ServiceError as exc:
            form.add_error(
                getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None,
                exc.message,
            )
    title = (
        _("编辑：%(name)s") % {"name": org.name}
        if org
        else _("在「%(name)s」下新建组织") % {"name": parent.name}
    )
    return _render(request, "form.html", title, form=form, org=org, parent=parent)


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
    return redirect(target if target.startswith("/admin/network/") else fallback)


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


@require_POST
@school_admin_required
def role_view(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("person", "organization"), pk=pk)
    _service_call(
        request,
        lambda: role_assign(membership=membership, role=request.POST.get("role", ""), actor=request.user),
        _("已更新%(person)s的职务") % {"person": membership.person.name},
    )
    return redirect("network_org", membership.organization_id)


@hooks.register("register_admin_urls")
def register_network_urls():
    return [
        path("network/", tree_view, name="network_tree"),
        path("network/requests/", queue_view, name="network_queue"),
        path("network/requests/<int:pk>/approve/", approve_view, name="network_approve"),
        path("network/requests/<int:pk>/reject/", reject_view, name="network_reject"),
        path("network/members/<int:pk>/role/", role_view, name="network_role"),
        path("network/<int:pk>/", org_view, name="network_org"),
        path("network/<int:pk>/add/", create_view, name="network_create"),
        path("network/<int:pk>/edit/", edit_view, name="network_edit"),
        path("network/<int:pk>/move/", move_view, name="network_move"),
    ]


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)


network_menu = Menu(
    register_hook_name="register_network_menu_item", construct_hook_name="construct_network_menu"
)


@hooks.register("register_network_menu_item")
def register_tree_item():
    return SchoolAdminMenuItem(_("组织架构"), reverse("network_tree"), icon_name="list-ul", order=100)


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
