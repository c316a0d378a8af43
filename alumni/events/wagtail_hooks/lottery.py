"""座位与抽奖 back office: per event, the seat plan editor and seat map (generate rows or tables,
reserve seats, automatic and manual assignment), guest badges as PDF in several label sizes, and
the lottery rounds (create = commit to a sealed seed, run once, links to the public verification
page and the big screen). Reached by whoever may manage the event; writes go through services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
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
from alumni.events.models import Draw, Event, Seat, SeatPlan, Ticket, TicketType
from alumni.events.pdf_badges import BADGE_SIZES, DEFAULT_SIZE, badges_pdf
from alumni.events.selectors.draws import draw_eligible_count, draws_of_event
from alumni.events.selectors.events import can_manage_event, events_managed_by
from alumni.events.selectors.seating import (
    badge_tickets,
    seat_map,
    seat_plan_of,
    seat_sections,
    seating_counts,
    tickets_needing_seats,
)
from alumni.events.services.draws import draw_create, draw_delete, draw_run
from alumni.events.services.seating import (
    seat_assign,
    seat_plan_generate,
    seat_unassign,
    seats_auto_assign,
    seats_reserve,
)

register_audit_actions(
    {
        "events.seat_plan_generate": _("生成座位图"),
        "events.seats_reserve": _("保留座位"),
        "events.seats_auto_assign": _("自动排座"),
        "events.seat_unassign": _("取消座位"),
        "events.draw_create": _("创建抽奖"),
        "events.draw_run": _("开奖"),
        "events.draw_delete": _("删除抽奖"),
    }
)


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SeatPlan.Kind.choices, initial=SeatPlan.Kind.ROWS)
    name = forms.CharField(label=_("名称"), max_length=60, initial="主会场")
    sections = forms.CharField(
        label=_("区域（排座用，逗号分隔，可留空）"), max_length=200, required=False, initial="A区,B区"
    )
    rows = forms.IntegerField(label=_("每区排数"), min_value=0, max_value=200, required=False, initial=10)
    seats_per_row = forms.IntegerField(
        label=_("每排座位数"), min_value=0, max_value=200, required=False, initial=20
    )
    tables = forms.IntegerField(label=_("桌数（宴会用）"), min_value=0, max_value=2000, required=False)
    seats_per_table = forms.IntegerField(
        label=_("每桌座位数"), min_value=0, max_value=30, required=False, initial=10
    )


class AutoAssignForm(forms.Form):
    ticket_type = forms.ModelChoiceField(
        label=_("只排此票种"), queryset=TicketType.objects.none(), required=False, empty_label=_("全部票种")
    )
    section = forms.ChoiceField(label=_("只排入区域"), required=False)

    def __init__(self, *args, event: Event, sections: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = TicketType.objects.filter(event=event)
        self.fields["section"].choices = [("*", _("全部区域"))] + [
            (s, s or _("（未分区）")) for s in sections
        ]


class AssignForm(forms.Form):
    code = forms.CharField(label=_("票号"), max_length=12)
    seat = forms.CharField(
        label=_("座位（如“A区 3排 12座”，留空表示取消座位）"), max_length=40, required=False
    )


class DrawForm(forms.Form):
    name = forms.CharField(label=_("轮次名称"), max_length=60, initial="一等奖")
    prize = forms.CharField(label=_("奖品"), max_length=100)
    winners_count = forms.IntegerField(label=_("中奖人数"), min_value=1, max_value=10_000, initial=1)
    eligibility = forms.ChoiceField(
        label=_("抽奖范围"), choices=Draw.Eligibility.choices, initial=Draw.Eligibility.CHECKED_IN
    )
    exclude_previous_winners = forms.BooleanField(label=_("排除此前各轮中奖者"), required=False, initial=True)


def _event(request, pk: int) -> Event:
    if not has_back_office(request.user):
        raise PermissionDenied
    event = get_object_or_404(Event.objects.select_related("organization"), pk=pk, is_deleted=False)
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return event


def _render(request, template: str, title, **context):
    return TemplateResponse(
        request, f"events/admin/{template}", {"page_title": title, "header_icon": "group", **context}
    )


def _call(request, action, success) -> bool:
    try:
        result = action()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def index_view(request):
    if not has_back_office(request.user):
        raise PermissionDenied
    events = events_managed_by(request.user).order_by("-starts_at")[:100]
    return _render(request, "lottery_index.html", _("座位与抽奖"), events=events)


def seating_view(request, pk: int):
    event = _event(request, pk)
    plan = seat_plan_of(event)
    sections = seat_sections(plan) if plan else []
    return _render(
        request,
        "seating.html",
        _("座位：%(title)s") % {"title": event.title},
        event=event,
        plan=plan,
        groups=seat_map(plan) if plan else [],
        counts=seating_counts(plan) if plan else None,
        unseated=tickets_needing_seats(event).count(),
        plan_form=PlanForm(initial={"kind": plan.kind, "name": plan.name} if plan else None),
        auto_form=AutoAssignForm(event=event, sections=sections),
        assign_form=AssignForm(),
        badge_sizes=[(key, spec.label) for key, spec in BADGE_SIZES.items()],
        default_size=DEFAULT_SIZE,
    )


@require_POST
def plan_generate_view(request, pk: int):
    event = _event(request, pk)
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查座位图的设置"))
        return redirect("events_seating", pk=event.pk)
    data = form.cleaned_data
    sections = [s.strip() for s in (data["sections"] or "").replace("，", ",").split(",") if s.strip()]
    _call(
        request,
        lambda: seat_plan_generate(
            event=event,
            actor=request.user,
            kind=data["kind"],
            name=data["name"],
            sections=sections or [""],
            rows=data["rows"] or 0,
            seats_per_row=data["seats_per_row"] or 0,
            tables=data["tables"] or 0,
            seats_per_table=data["seats_per_table"] or 0,
        ),
        lambda plan: _("已生成座位图，共 %(n)s 个座位。") % {"n": plan.seats.count()},
    )
    return redirect("events_seating", pk=event.pk)


@require_POST
def auto_assign_view(request, pk: int):
    event = _event(request, pk)
    plan = seat_plan_of(event)
    form = AutoAssignForm(request.POST, event=event, sections=seat_sections(plan) if plan else [])
    if not form.is_valid():
        messages.error(request, _("请检查排座条件"))
        return redirect("events_seating", pk=event.pk)
    ticket_type = form.cleaned_data["ticket_type"]
    section = form.cleaned_data["section"]
    _call(
        request,
        lambda: seats_auto_assign(
            event=event,
            actor=request.user,
            ticket_type_id=ticket_type.pk if ticket_type else None,
            section=None if section in ("", "*") else section,
        ),
        lambda n: _("已为 %(n)s 张电子票分配座位。") % {"n": n},
    )
    return redirect("events_seating", pk=event.pk)


@require_POST
def reserve_view(request, pk: int):
    event = _event(request, pk)
    ids = [int(v) for v in request.POST.getlist("seat") if v.isdigit()]
    reserved = request.POST.get("reserved") == "1"
    _call(
        request,
        lambda: seats_reserve(event=event, actor=request.user, seat_ids=ids, reserved=reserved),
        lambda n: _("已更新 %(n)s 个座位。") % {"n": n},
    )
    return redirect("events_seating", pk=event.pk)


@require_POST
def assign_view(request, pk: int):
    event = _event(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写票号"))
        return redirect("events_seating", pk=event.pk)
    code = form.cleaned_data["code"].strip().upper()
    ticket = Ticket.objects.filter(event=event, code=code).select_related("event", "seat").first()
    if ticket is None:
        messages.error(request, _("本活动没有票号为 %(code)s 的电子票") % {"code": code})
        return redirect("events_seating", pk=event.pk)
    label = " ".join(form.cleaned_data["seat"].split())
    if not label:
        _call(request, lambda: seat_unassign(ticket=ticket, actor=request.user), _("已取消该票的座位。"))
        return redirect("events_seating", pk=event.pk)
    seat = Seat.objects.filter(plan__event=event, label=label).select_related("plan").first()
    if seat is None:
        messages.error(request, _("座位图中没有“%(label)s”") % {"label": label})
        return redirect("events_seating", pk=event.pk)
    _call(
        request,
        lambda: seat_assign(ticket=ticket, seat=seat, actor=request.user),
        _("已把 %(name)s 安排到 %(seat)s，新的二维码已生效（请重新打印胸卡）。")
        % {"name": ticket.holder_name, "seat": seat.label},
    )
    return redirect("events_seating", pk=event.pk)


def badges_view(request, pk: int):
    event = _event(request, pk)
    size = request.GET.get("size") if request.GET.get("size") in BADGE_SIZES else DEFAULT_SIZE
    tickets = badge_tickets(event)
    if request.GET.get("seated"):
        tickets = [t for t in tickets if t.seat_id]
    if not tickets:
        messages.error(request, _("没有可打印胸卡的电子票"))
        return redirect("events_seating", pk=event.pk)
    response = HttpResponse(badges_pdf(tickets, size), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="badges-{event.public_id}-{size}.pdf"'
    return response


def draws_view(request, pk: int):
    event = _event(request, pk)
    rounds = list(draws_of_event(event))
    for draw in rounds:
        draw.eligible_now = draw_eligible_count(draw)
        draw.verify_url = reverse("events:draw_verify", args=[event.public_id, draw.pk])
    return _render(
        request,
        "draws.html",
        _("抽奖：%(title)s") % {"title": event.title},
        event=event,
        rounds=rounds,
        form=DrawForm(),
        screen_url=reverse("events:draw_screen", args=[event.public_id]),
    )


@require_POST
def draw_create_view(request, pk: int):
    event = _event(request, pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查抽奖设置"))
        return redirect("events_draws", pk=event.pk)
    _call(
        request,
        lambda: draw_create(event=event, actor=request.user, **form.cleaned_data),
        lambda draw: (
            _("已创建“%(name)s”，种子哈希已公布：%(hash)s") % {"name": draw.name, "hash": draw.seed_hash}
        ),
    )
    return redirect("events_draws", pk=event.pk)


@require_POST
def draw_action_view(request, pk: int, draw_pk: int, action: str):
    event = _event(request, pk)
    draw = get_object_or_404(Draw.objects.select_related("event"), pk=draw_pk, event=event)
    if action == "run":
        _call(
            request,
            lambda: draw_run(draw=draw, actor=request.user),
            lambda d: _("“%(name)s”已开奖，%(n)s 人参与。") % {"name": d.name, "n": d.eligible_count},
        )
    elif action == "delete":
        _call(request, lambda: draw_delete(draw=draw, actor=request.user), _("已删除该轮抽奖。"))
    else:
        raise PermissionDenied
    return redirect("events_draws", pk=event.pk)


@hooks.register("register_admin_urls")
def register_lottery_urls():
    return [
        path("events/seating-draws/", index_view, name="events_lottery"),
        path("events/seating/<int:pk>/", seating_view, name="events_seating"),
        path("events/seating/<int:pk>/generate/", plan_generate_view, name="events_seating_generate"),
        path("events/seating/<int:pk>/auto/", auto_assign_view, name="events_seating_auto"),
        path("events/seating/<int:pk>/reserve/", reserve_view, name="events_seating_reserve"),
        path("events/seating/<int:pk>/assign/", assign_view, name="events_seating_assign"),
        path("events/seating/<int:pk>/badges.pdf", badges_view, name="events_badges"),
        path("events/draws/<int:pk>/", draws_view, name="events_draws"),
        path("events/draws/<int:pk>/create/", draw_create_view, name="events_draw_create"),
        path(
            "events/draws/<int:pk>/<int:draw_pk>/<str:action>/", draw_action_view, name="events_draw_action"
        ),
    ]


class LotteryMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return is_school_admin(user) or (has_back_office(user) and events_managed_by(user).exists())


# An item of the 活动管理 submenu (wagtail_hooks/events.py defines it).
@hooks.register("register_events_menu_item")
def register_lottery_menu_item():
    return LotteryMenuItem(_("座位与抽奖"), reverse("events_lottery"), icon_name="group", order=500)
