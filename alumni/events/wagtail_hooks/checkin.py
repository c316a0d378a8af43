"""Check-in back office: per event, live counts, gates, offline conflicts, the scan log, and the
ticket list with revoke / reissue. Reached by whoever may manage the event (school admins and
officers of its organization subtree with back-office access); writes go through services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import has_back_office, is_school_admin
from alumni.events.models import Event, Gate, ScanResult, Ticket, TicketType
from alumni.events.selectors.checkin import checkin_conflicts, checkin_counts, event_gates, scan_log
from alumni.events.selectors.events import can_manage_event, events_managed_by
from alumni.events.selectors.tickets import event_tickets
from alumni.events.services.checkin import gate_delete, gate_save
from alumni.events.services.tickets import ticket_reissue, ticket_revoke

PAGE_SIZE = 50

register_audit_actions(
    {
        "events.gate_save": _("保存签到入口"),
        "events.gate_delete": _("删除签到入口"),
        "events.ticket_revoke": _("作废电子票"),
        "events.ticket_reissue": _("重新出票"),
        "events.ticket_change": _("修改电子票"),
        "events.tickets_revoke": _("作废报名的电子票"),
    }
)


class GateForm(forms.Form):
    name = forms.CharField(label=_("入口名称"), max_length=40)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0, required=False)
    ticket_types = forms.ModelMultipleChoiceField(
        label=_("可入场票种（不选表示全部）"),
        queryset=TicketType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_types"].queryset = TicketType.objects.filter(event=event)


def _event(request, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("organization"), pk=pk, is_deleted=False)
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return event


def _render(request, template: str, title, **context):
    return TemplateResponse(
        request, f"events/admin/{template}", {"page_title": title, "header_icon": "tick", **context}
    )


def _call(request, action, success) -> None:
    try:
        action()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def index_view(request):
    if not has_back_office(request.user):
        raise PermissionDenied
    events = events_managed_by(request.user).order_by("-starts_at")[:100]
    return _render(request, "checkin_index.html", _("签到管理"), events=events)


def dashboard_view(request, pk: int):
    event = _event(request, pk)
    result = request.GET.get("result", "")
    return _render(
        request,
        "checkin_dashboard.html",
        _("签到：%(title)s") % {"title": event.title},
        event=event,
        counts=checkin_counts(event),
        gates=event_gates(event),
        gate_form=GateForm(event=event),
        conflicts=checkin_conflicts(event)[:50],
        scans=scan_log(event, result=result)[:100],
        results=ScanResult.choices,
        result=result,
        scanner_url=reverse("events:checkin", args=[event.public_id]),
    )


@require_POST
def gate_save_view(request, pk: int, gate_pk: int | None = None):
    event = _event(request, pk)
    gate = get_object_or_404(Gate, pk=gate_pk, event=event) if gate_pk else None
    form = GateForm(request.POST, event=event)
    if form.is_valid():
        data = form.cleaned_data
        _call(
            request,
            lambda: gate_save(
                event=event,
                actor=request.user,
                gate=gate,
                name=data["name"],
                sort_order=data.get("sort_order") or 0,
                ticket_types=data["ticket_types"],
            ),
            _("入口已保存"),
        )
    else:
        messages.error(request, _("请检查入口名称和票种"))
    return redirect("events_checkin_dashboard", pk=event.pk)


@require_POST
def gate_delete_view(request, pk: int, gate_pk: int):
    event = _event(request, pk)
    gate = get_object_or_404(Gate, pk=gate_pk, event=event)
    _call(request, lambda: gate_delete(gate=gate, actor=request.user), _("入口已删除"))
    return redirect("events_checkin_dashboard", pk=event.pk)


def tickets_view(request, pk: int):
    event = _event(request, pk)
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    page = Paginator(event_tickets(event, q=q, status=status), PAGE_SIZE).get_page(request.GET.get("p"))
    return _render(
        request,
        "checkin_tickets.html",
        _("电子票：%(title)s") % {"title": event.title},
        event=event,
        page=page,
        q=q,
        status=status,
        statuses=Ticket.Status.choices,
    )


@require_POST
def ticket_action_view(request, pk: int, ticket_pk: int, action: str):
    event = _event(request, pk)
    ticket = get_object_or_404(Ticket, pk=ticket_pk, event=event)
    if action not in ("revoke", "reissue"):
        raise Http404
    if action == "revoke":
        reason = request.POST.get("reason", "").strip()[:100]
        _call(request, lambda: ticket_revoke(ticket=ticket, actor=request.user, reason=reason), _("已作废"))
    else:
        _call(
            request, lambda: ticket_reissue(ticket=ticket, actor=request.user), _("已重新出票，旧二维码失效")
        )
    return redirect(f"{reverse('events_checkin_tickets', args=[event.pk])}?q={ticket.code}")


@hooks.register("register_admin_urls")
def register_checkin_urls():
    return [
        path("events/checkin/", index_view, name="events_checkin"),
        path("events/checkin/<int:pk>/", dashboard_view, name="events_checkin_dashboard"),
        path("events/checkin/<int:pk>/gates/", gate_save_view, name="events_checkin_gate_add"),
        path("events/checkin/<int:pk>/gates/<int:gate_pk>/", gate_save_view, name="events_checkin_gate_edit"),
        path(
            "events/checkin/<int:pk>/gates/<int:gate_pk>/delete/",
            gate_delete_view,
            name="events_checkin_gate_delete",
        ),
        path("events/checkin/<int:pk>/tickets/", tickets_view, name="events_checkin_tickets"),
        path(
            "events/checkin/<int:pk>/tickets/<int:ticket_pk>/<str:action>/",
            ticket_action_view,
            name="events_checkin_ticket_action",
        ),
    ]


class CheckinMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return is_school_admin(user) or (has_back_office(user) and events_managed_by(user).exists())


# An item of the 活动管理 submenu (wagtail_hooks/events.py defines it).
@hooks.register("register_events_menu_item")
def register_checkin_menu_item():
    return CheckinMenuItem(_("签到管理"), reverse("events_checkin"), icon_name="tick", order=400)
