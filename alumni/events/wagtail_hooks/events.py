"""活动管理 back office: the event list (filters, search), the editor (ticket types, registration
form, capacity, window, visibility, approval), invitation codes, the review queue of alumni
proposals, each event's registrations (approve / reject / cancel with refund, filters, XLSX
export, notices to registrants), the blacklist, and the dashboard's to-dos.

School admins reach every event; chapter officers with back-office access reach the events of
the organizations they manage. Every write goes through alumni.events.services, which check the
scope again and write the audit entry."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
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
from alumni.core.pii import mask_phone
from alumni.core.todos import TodoItem, register_todo
from alumni.events.models import (
    BlacklistEntry,
    Event,
    EventStatus,
    InvitationCode,
    Registration,
    RegistrationStatus,
)
from alumni.events.selectors.events import (
    blacklist_entries,
    can_manage_event,
    events_admin_search,
    events_managed_by,
    person_by_phone_or_id,
    proposals_pending,
)
from alumni.events.selectors.registrations import (
    event_registrations,
    registrations_pending_approval,
    status_counts,
)
from alumni.events.services.events import (
    blacklist_add,
    blacklist_remove,
    event_create,
    event_delete,
    event_publish,
    event_review,
    event_set_flags,
    event_update,
    invitation_codes_create,
    ticket_types_save,
)
from alumni.events.services.registrations import (
    registration_approve,
    registration_cancel,
    registration_reject,
    registrations_export,
    registrations_notify,
)
from alumni.network.permissions import managed_organizations

PAGE_SIZE = 50
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
EVENT_FIELDS = (
    "title",
    "summary",
    "cover",
    "description",
    "tags",
    "starts_at",
    "ends_at",
    "is_online",
    "place",
    "city",
    "online_url",
    "organizer_name",
    "organizer_phone",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "cancellation_deadline",
    "visibility",
    "requires_approval",
    "guests_allowed",
    "waitlist_enabled",
)


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["organization", *EVENT_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            **{
                name: DATETIME
                for name in (
                    "starts_at",
                    "ends_at",
                    "registration_opens_at",
                    "registration_closes_at",
                    "cancellation_deadline",
                )
            },
        }
        help_texts = {"tags": _("用逗号分隔")}

    def __init__(self, *args, user=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["organization"].queryset = managed_organizations(user).order_by("path")
            self.fields["organization"].label_from_instance = lambda o: f"{'　' * (o.depth - 1)}{o.name}"
        else:  # an event stays with its organization
            del self.fields["organization"]


class TicketTypeForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("票种"), max_length=40, required=False)
    price = forms.DecimalField(label=_("票价（元，0 为免费）"), min_value=0, decimal_places=2, initial=0)
    quota = forms.IntegerField(label=_("名额（空为不限）"), min_value=1, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("可报名"), required=False, initial=True)


TicketTypeFormSet = forms.formset_factory(TicketTypeForm, extra=1)


def _tickets_initial(event: Event | None) -> list[dict]:
    if event is None:
        return [{"name": "普通票", "price": 0, "is_active": True}]
    return [
        {
            "id": t.pk,
            "name": t.name,
            "price": Decimal(t.price) / 100,
            "quota": t.quota,
            "description": t.description,
            "is_active": t.is_active,
        }
        for t in event.ticket_types.all()
    ]


def _tickets_from(formset) -> list[dict]:
    specs = []
    for row in formset.cleaned_data:
        if not row or not row.get("name"):
            continue
        try:
            fen = int((row["price"] * 100).to_integral_exact())
        except (InvalidOperation, TypeError):
            fen = -1  # refused by the service with its message
        spec = {
            "name": row["name"],
            "price": fen,
            "quota": row.get("quota"),
            "description": row.get("description", ""),
            "is_active": row.get("is_active", False),
        }
        if row.get("id"):
            spec["id"] = row["id"]
        specs.append(spec)
    return specs


def _render(request, template: str, title, **context):
    return TemplateResponse(
        request, f"events/admin/organize/{template}", {"page_title": title, "header_icon": "date", **context}
    )


def _service_call(request, action, success) -> bool:
    try:
        action()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _organizer_required(request) -> None:
    user = request.user
    if not (is_school_admin(user) or (has_back_office(user) and managed_organizations(user).exists())):
        raise PermissionDenied


def _managed_event(request, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("organization"), pk=pk, is_deleted=False)
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return event


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    # Only our own pages: "//host" or "/admin/events/../" would lead elsewhere.
    safe = target.startswith("/admin/events/") and "//" not in target and ".." not in target
    return redirect(target if safe else fallback)


# --- events ---------------------------------------------------------------------------------------


def list_view(request):
    _organizer_required(request)
    params = {
        key: request.GET.get(key, "").strip() for key in ("q", "status", "organization", "when", "pending")
    }
    events = events_admin_search(events_managed_by(request.user), **params)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("p"))
    return _render(
        request,
        "list.html",
        _("活动列表"),
        page=page,
        events=page.object_list,
        params=params,
        query=urlencode({k: v for k, v in params.items() if v}),
        statuses=EventStatus.choices,
        organizations=managed_organizations(request.user).order_by("path"),
        total=page.paginator.count,
    )


def _editor(request, *, event: Event | None):
    form = EventForm(
        request.POST or None,
        request.FILES or None,
        instance=event,
        user=request.user,
        creating=event is None,
    )
    fields = QuestionFormSet(
        request.POST or None, prefix="ff", initial=questions_initial(event.form if event else [])
    )
    tickets = TicketTypeFormSet(request.POST or None, prefix="tt", initial=_tickets_initial(event))
    if request.method == "POST" and form.is_valid() and fields.is_valid() and tickets.is_valid():
        data = {name: form.cleaned_data[name] for name in EVENT_FIELDS}
        if "cover" not in request.FILES:
            data.pop("cover")
        data["form"] = questions_from(fields)
        specs = _tickets_from(tickets)
        try:
            if event is None:
                event = event_create(
                    organization=form.cleaned_data["organization"],
                    actor=request.user,
                    ticket_types=specs or None,
                    **data,
                )
                messages.success(request, _("已创建活动：%(title)s（草稿）") % {"title": event.title})
            else:
                event = event_update(event=event, actor=request.user, **data)
                ticket_types_save(event=event, actor=request.user, specs=specs)
                messages.success(request, _("已保存：%(title)s") % {"title": event.title})
            return redirect("events_admin_edit", event.pk)
        except ServiceError as exc:
            field = exc.field if exc.field in form.fields else None
            if exc.field == "form":
                fields._non_form_errors = fields.error_class([exc.message])
            elif exc.field == "ticket_types":
                tickets._non_form_errors = tickets.error_class([exc.message])
            else:
                form.add_error(field, exc.message)
    title = _("编辑活动：%(title)s") % {"title": event.title} if event else _("新建活动")
    return _render(request, "form.html", title, form=form, fields=fields, tickets=tickets, event=event)


def create_view(request):
    _organizer_required(request)
    return _editor(request, event=None)


def edit_view(request, pk: int):
    return _editor(request, event=_managed_event(request, pk))


@require_POST
def publish_view(request, pk: int):
    event = _managed_event(request, pk)
    _service_call(
        request,
        lambda: event_publish(event=event, actor=request.user),
        _("已发布：%(title)s") % {"title": event.title},
    )
    return _back(request, reverse("events_admin_edit", args=[event.pk]))


@require_POST
def flags_view(request, pk: int):
    event = _managed_event(request, pk)
    flag = request.POST.get("flag")
    on = request.POST.get("on") == "1"
    changes = {"pinned": on} if flag == "pinned" else {"recommended": on}
    _service_call(
        request,
        lambda: event_set_flags(event=event, actor=request.user, **changes),
        _("已更新：%(title)s") % {"title": event.title},
    )
    return _back(request, reverse("events_admin_list"))


@require_POST
def delete_view(request, pk: int):
    event = _managed_event(request, pk)
    _service_call(
        request,
        lambda: event_delete(event=event, actor=request.user),
        _("已删除：%(title)s") % {"title": event.title},
    )
    return _back(request, reverse("events_admin_list"))


# --- review of alumni proposals -------------------------------------------------------------------


def proposals_view(request):
    _organizer_required(request)
    return _render(request, "proposals.html", _("活动审核"), events=proposals_pending(request.user))


@require_POST
def review_view(request, pk: int):
    event = _managed_event(request, pk)
    approve = request.POST.get("decision") == "approve"
    _service_call(
        request,
        lambda: event_review(
            event=event, actor=request.user, approve=approve, reason=request.POST.get("reason", "")
        ),
        (_("已通过并发布：%(title)s") if approve else _("已退回：%(title)s")) % {"title": event.title},
    )
    return _back(request, reverse("events_admin_proposals"))


# --- invitation codes -------------------------------------------------------------------------------


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=500, initial=1)
    max_uses = forms.IntegerField(label=_("每个可用次数"), min_value=1, max_value=100, initial=1)
    note = forms.CharField(label=_("备注（发给谁）"), max_length=100, required=False)
    ticket_type = forms.ModelChoiceField(label=_("票种"), queryset=None, required=False)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = event.ticket_types.all()


def codes_view(request, pk: int):
    event = _managed_event(request, pk)
    form = CodesForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _service_call(
            request,
            lambda: invitation_codes_create(
                event=event,
                actor=request.user,
                count=data["count"],
                max_uses=data["max_uses"],
                note=data["note"],
                ticket_type=data["ticket_type"],
            ),
            _("已生成 %(n)s 个邀请码") % {"n": data["count"]},
        ):
            return redirect("events_admin_codes", event.pk)
    codes = (
        InvitationCode.objects.filter(event=event)
        .select_related("ticket_type")
        .order_by("-created_at", "-id")
    )
    return _render(
        request,
        "codes.html",
        _("%(title)s · 邀请码") % {"title": event.title},
        event=event,
        form=form,
        codes=codes,
    )


# --- registrations ------------------------------------------------------------------------------


class NotifyForm(forms.Form):
    subject = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(
        label=_("发给"), choices=[("", _("全部有效报名")), *RegistrationStatus.choices], required=False
    )
    ticket_type = forms.ChoiceField(label=_("票种"), required=False)
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].choices = [("", _("全部票种"))] + [
            (str(t.pk), t.name) for t in event.ticket_types.all()
        ]


def _registration_filters(request) -> dict:
    return {key: request.GET.get(key, "").strip() for key in ("status", "ticket_type", "q")}


def registrations_view(request, pk: int):
    event = _managed_event(request, pk)
    filters = _registration_filters(request)
    full_phone = is_school_admin(request.user)
    if not full_phone and filters["q"].isdigit():
        filters["q"] = ""  # masked phones are not searchable by who cannot see them
    regs = event_registrations(event, **filters)
    page = Paginator(regs, PAGE_SIZE).get_page(request.GET.get("p"))
    notify = NotifyForm(request.POST or None, event=event, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and notify.is_valid():
        data = notify.cleaned_data
        try:
            n = registrations_notify(event=event, actor=request.user, **data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已向 %(n)s 位报名者发送通知") % {"n": n})
            return redirect("events_admin_registrations", event.pk)
    rows = []
    for reg in page.object_list:
        phone = (reg.person.phones or [""])[0]
        rows.append((reg, phone if full_phone else mask_phone(phone)))
    return _render(
        request,
        "registrations.html",
        _("%(title)s · 报名管理") % {"title": event.title},
        event=event,
        rows=rows,
        page=page,
        filters=filters,
        query=urlencode({k: v for k, v in filters.items() if v}),
        statuses=RegistrationStatus.choices,
        ticket_types=event.ticket_types.all(),
        counts=status_counts(event),
        notify=notify,
    )


def registrations_export_view(request, pk: int):
    event = _managed_event(request, pk)
    content, _count = registrations_export(event=event, actor=request.user, **_registration_filters(request))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="registrations-{event.public_id}-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@require_POST
def registration_action_view(request, pk: int, action: str):
    reg = get_object_or_404(Registration.objects.select_related("event", "person"), pk=pk)
    event = _managed_event(request, reg.event_id)
    reason = request.POST.get("reason", "")
    actions = {
        "approve": (lambda: registration_approve(registration=reg, actor=request.user), _("已通过")),
        "reject": (
            lambda: registration_reject(registration=reg, actor=request.user, reason=reason),
            _("已拒绝"),
        ),
        "cancel": (
            lambda: registration_cancel(registration=reg, actor=request.user, reason=reason),
            _("已取消"),
        ),
    }
    if action not in actions:
        raise PermissionDenied
    call, done = actions[action]
    _service_call(request, call, _("%(done)s：%(name)s") % {"done": done, "name": reg.person.name})
    return _back(request, reverse("events_admin_registrations", args=[event.pk]))


# --- blacklist ------------------------------------------------------------------------------------


class BlacklistForm(forms.Form):
    person = forms.CharField(label=_("校友（手机号或校友编号）"), max_length=30)
    reason = forms.CharField(label=_("原因（会告知本人）"), max_length=200)
    until = forms.DateTimeField(label=_("截止时间（空为长期）"), required=False, widget=DATETIME)

    def clean_person(self):
        person = person_by_phone_or_id(self.cleaned_data["person"])
        if person is None:
            raise forms.ValidationError(_("没有找到这位校友"))
        return person


@school_admin_required
def blacklist_view(request):
    form = BlacklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _service_call(
            request,
            lambda: blacklist_add(
                person=data["person"], actor=request.user, reason=data["reason"], until=data["until"]
            ),
            _("已将%(name)s加入黑名单") % {"name": data["person"].name},
        ):
            return redirect("events_admin_blacklist")
    return _render(request, "blacklist.html", _("活动黑名单"), form=form, entries=blacklist_entries())


@require_POST
@school_admin_required
def blacklist_remove_view(request, pk: int):
    entry = get_object_or_404(BlacklistEntry.objects.select_related("person"), pk=pk)
    _service_call(
        request,
        lambda: blacklist_remove(entry=entry, actor=request.user),
        _("已将%(name)s移出黑名单") % {"name": entry.person.name},
    )
    return redirect("events_admin_blacklist")


# --- registration with Wagtail ----------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_events_admin_urls():
    return [
        path("events/", list_view, name="events_admin_list"),
        path("events/add/", create_view, name="events_admin_create"),
        path("events/proposals/", proposals_view, name="events_admin_proposals"),
        path("events/blacklist/", blacklist_view, name="events_admin_blacklist"),
        path(
            "events/blacklist/<int:pk>/remove/", blacklist_remove_view, name="events_admin_blacklist_remove"
        ),
        path("events/<int:pk>/edit/", edit_view, name="events_admin_edit"),
        path("events/<int:pk>/publish/", publish_view, name="events_admin_publish"),
        path("events/<int:pk>/flags/", flags_view, name="events_admin_flags"),
        path("events/<int:pk>/delete/", delete_view, name="events_admin_delete"),
        path("events/<int:pk>/review/", review_view, name="events_admin_review"),
        path("events/<int:pk>/codes/", codes_view, name="events_admin_codes"),
        path("events/<int:pk>/registrations/", registrations_view, name="events_admin_registrations"),
        path(
            "events/<int:pk>/registrations/export/",
            registrations_export_view,
            name="events_admin_registrations_export",
        ),
        path(
            "events/registrations/<int:pk>/<slug:action>/",
            registration_action_view,
            name="events_admin_registration_action",
        ),
    ]


class OrganizerMenuItem(MenuItem):
    """School admins, and back-office users who are officers of some organization."""

    def is_shown(self, request):
        user = request.user
        return is_school_admin(user) or (has_back_office(user) and managed_organizations(user).exists())


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)


events_menu = Menu(
    register_hook_name="register_events_menu_item", construct_hook_name="construct_events_menu"
)


@hooks.register("register_events_menu_item")
def register_list_item():
    return OrganizerMenuItem(_("活动列表"), reverse("events_admin_list"), icon_name="date", order=100)


@hooks.register("register_events_menu_item")
def register_proposals_item():
    return OrganizerMenuItem(_("活动审核"), reverse("events_admin_proposals"), icon_name="tasks", order=200)


@hooks.register("register_events_menu_item")
def register_blacklist_item():
    return SchoolAdminMenuItem(
        _("活动黑名单"), reverse("events_admin_blacklist"), icon_name="warning", order=900
    )


class EventsSubmenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return OrganizerMenuItem.is_shown(self, request)


@hooks.register("register_admin_menu_item")
def register_events_menu():
    return EventsSubmenuItem(_("活动管理"), events_menu, icon_name="date", name="events", order=170)


@register_todo
def events_todos(request) -> list[TodoItem]:
    """Alumni proposals and registrations awaiting approval, in the events this user organizes."""
    user = request.user
    if not (is_school_admin(user) or has_back_office(user)):
        return []
    managed = events_managed_by(user)
    return [
        TodoItem(
            label=str(_("待审核的活动申请")),
            count=managed.filter(status=EventStatus.PENDING).count(),
            url=reverse("events_admin_proposals"),
            priority=65,
        ),
        TodoItem(
            label=str(_("待审核的活动报名")),
            count=registrations_pending_approval(managed).count(),
            url=reverse("events_admin_list") + "?pending=1",
            priority=60,
        ),
    ]


register_audit_actions(
    {
        "events.event_create": _("创建活动"),
        "events.event_update": _("修改活动"),
        "events.event_publish": _("发布活动"),
        "events.event_propose": _("校友发起活动"),
        "events.event_approve": _("通过活动申请"),
        "events.event_reject": _("退回活动申请"),
        "events.event_flags": _("活动置顶/推荐"),
        "events.event_delete": _("删除活动"),
        "events.ticket_types": _("设置活动票种"),
        "events.invitation_codes": _("生成活动邀请码"),
        "events.blacklist_add": _("加入活动黑名单"),
        "events.blacklist_remove": _("移出活动黑名单"),
        "events.registration_approve": _("通过活动报名"),
        "events.registration_reject": _("拒绝活动报名"),
        "events.registration_cancel": _("取消活动报名"),
        "events.registration_expire": _("活动报名超时未支付"),
        "events.registration_refunded": _("活动报名退款"),
        "events.registrants_notify": _("通知活动报名者"),
        "events.registrations_export": _("导出活动报名名单"),
    }
)
