"""Alumni H5 pages of events (mounted at /events/): the list with search, an event's page
(register and pay, discussion, photos, favourite, share), proposing an event, and "my events".

Anyone on the school's host sees public events; signed-in alumni see alumni-only events and the
members-only events of their organizations. Registering, posting and proposing need an account
linked to an alumni record. Every write goes through alumni.events.services.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alumni.core.errors import ServiceError
from alumni.events.models import LIVE_STATUSES, EventStatus, RegistrationStatus
from alumni.events.selectors.community import event_comments, event_photos, is_attendee
from alumni.events.selectors.events import can_manage_event
from alumni.events.selectors.listing import (
    EventFilters,
    event_list,
    event_places_left,
    event_tags,
    filter_organizations,
    is_favourite,
    my_favourites,
    my_organized,
    my_registration,
    my_registrations,
    proposable_organizations,
    ticket_type_rows,
    visible_event,
)
from alumni.events.services.community import comment_post, favourite_toggle, photo_upload
from alumni.events.services.events import event_propose
from alumni.events.services.registrations import (
    registration_cancel,
    registration_pay_url,
    registration_submit,
)
from alumni.network.permissions import person_of

PAGE_SIZE = 20
MINE_TABS = ("registered", "organized", "favourites")


def _event_or_404(request, public_id: str):
    event = visible_event(request.user, public_id)
    if event is None:
        raise Http404(_("活动不存在或你无权查看"))
    return event


def _linked_person_or_redirect(request):
    """(person, None), or (None, a redirect to verification) for an account without a record."""
    person = person_of(request.user)
    if person is None:
        messages.info(request, _("请先完成校友认证。"))
        return None, redirect("people:verify")
    return person, None


def event_list_view(request):
    filters = EventFilters.from_params(request.GET)
    page = Paginator(event_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "events/h5/list.html",
        {
            "page": page,
            "filters": filters,
            "tags": event_tags(request.user),
            "orgs": filter_organizations(request.user),
            "query": urlencode(params),
            "now": timezone.now(),
        },
    )


def _map_url(event) -> str:
    if event.is_online or not event.place:
        return ""
    return "https://uri.amap.com/search?keyword=" + quote(f"{event.city}{event.place}")


def event_detail_view(request, public_id: str):
    event = _event_or_404(request, public_id)
    person = person_of(request.user) if request.user.is_authenticated else None
    registration = my_registration(event, person)
    return render(
        request,
        "events/h5/detail.html",
        {
            "event": event,
            "linked": person is not None,
            "rows": ticket_type_rows(event),
            "places_left": event_places_left(event),
            "registration": registration,
            "tickets": list(registration.tickets.all()) if registration else [],
            "registration_open": event.registration_open(),
            "can_cancel": registration is not None
            and registration.status in LIVE_STATUSES
            and timezone.now() < (event.cancellation_deadline or event.starts_at),
            "favourite": is_favourite(event, person),
            "comments": list(event_comments(event, person)[:50]),
            "photos": list(event_photos(event, person)[:60]),
            "can_upload": person is not None
            and (is_attendee(person, event) or can_manage_event(request.user, event)),
            "is_pending_proposal": event.status != EventStatus.PUBLISHED,
            "map_url": _map_url(event),
            "share_url": request.build_absolute_uri(),
            "statuses": RegistrationStatus,
        },
    )


def _guests_from(post, allowed: int) -> list[dict]:
    guests = []
    for i in range(allowed):
        name = post.get(f"guest_name_{i}", "").strip()
        if name:
            guests.append({"name": name[:60], "phone": post.get(f"guest_phone_{i}", "").strip()[:30]})
    return guests


@login_required
def register_view(request, public_id: str):
    event = _event_or_404(request, public_id)
    person, redirect_to = _linked_person_or_redirect(request)
    if redirect_to:
        return redirect_to
    rows = ticket_type_rows(event)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        ticket_type = next(
            (r.ticket_type for r in rows if str(r.ticket_type.pk) == values.get("ticket_type")), None
        )
        if ticket_type is None:
            messages.error(request, _("请选择票种"))
        else:
            answers = {item["key"]: values.get(f"a_{item['key']}", "").strip() for item in event.form}
            try:
                registration = registration_submit(
                    event=event,
                    person=person,
                    ticket_type=ticket_type,
                    guests=_guests_from(values, event.guests_allowed),
                    answers=answers,
                    invitation_code=values.get("invitation_code", "").strip(),
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                return _after_registration(request, event, registration)
    return render(
        request,
        "events/h5/register.html",
        {
            "event": event,
            "rows": rows,
            "values": values,
            "guest_slots": range(event.guests_allowed),
            "registration_open": event.registration_open(),
        },
    )


def _after_registration(request, event, registration):
    if registration.status == RegistrationStatus.PENDING_PAYMENT:
        return redirect(registration_pay_url(registration))
    notes = {
        RegistrationStatus.CONFIRMED: _("报名成功，电子票已发放"),
        RegistrationStatus.PENDING_APPROVAL: _("报名已提交，等待组织者审核"),
        RegistrationStatus.WAITLISTED: _("名额已满，你已进入候补名单，有空位时会自动递补并通知你"),
    }
    messages.success(request, notes.get(registration.status, registration.get_status_display()))
    return redirect("events:detail", public_id=event.public_id)


@login_required
@require_POST
def pay_view(request, public_id: str):
    """Back to the pay page of a registration still waiting for payment."""
    event = _event_or_404(request, public_id)
    registration = my_registration(event, person_of(request.user))
    if registration is None or registration.status != RegistrationStatus.PENDING_PAYMENT:
        return redirect("events:detail", public_id=event.public_id)
    return redirect(registration_pay_url(registration))


@login_required
@require_POST
def cancel_view(request, public_id: str):
    """The registrant cancels (until the event's deadline); paid tickets are refunded."""
    event = _event_or_404(request, public_id)
    registration = my_registration(event, person_of(request.user))
    if registration is None:
        return redirect("events:detail", public_id=event.public_id)
    try:
        registration_cancel(
            registration=registration, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        refunded = registration.amount and registration.status == RegistrationStatus.CONFIRMED
        messages.success(request, _("已取消报名，款项将原路退回") if refunded else _("已取消报名"))
    return redirect("events:detail", public_id=event.public_id)


@login_required
@require_POST
def comment_view(request, public_id: str):
    event = _event_or_404(request, public_id)
    person, redirect_to = _linked_person_or_redirect(request)
    if redirect_to:
        return redirect_to
    try:
        comment = comment_post(
            event=event, person=person, text=request.POST.get("text", ""), actor=request.user
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("已发布") if comment.status == "approved" else _("已提交，审核通过后所有人可见")
        )
    return redirect(f"{event_url(event)}#discussion")


@login_required
@require_POST
def photo_view(request, public_id: str):
    event = _event_or_404(request, public_id)
    person, redirect_to = _linked_person_or_redirect(request)
    if redirect_to:
        return redirect_to
    try:
        photo = photo_upload(
            event=event,
            person=person,
            image=request.FILES.get("image"),
            caption=request.POST.get("caption", ""),
            actor=request.user,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("照片已上传") if photo.status == "approved" else _("照片已上传，审核通过后所有人可见")
        )
    return redirect(f"{event_url(event)}#photos")


@login_required
@require_POST
def favourite_view(request, public_id: str):
    event = _event_or_404(request, public_id)
    person, redirect_to = _linked_person_or_redirect(request)
    if redirect_to:
        return redirect_to
    on = favourite_toggle(event=event, person=person)
    messages.success(request, _("已收藏") if on else _("已取消收藏"))
    return redirect(request.POST.get("next") or event_url(event))


def event_url(event) -> str:
    return f"/events/{event.public_id}/"


def _aware(value: str):
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


PROPOSAL_INPUTS = (
    "title",
    "summary",
    "description",
    "tags",
    "starts_at",
    "ends_at",
    "place",
    "city",
    "online_url",
    "organizer_name",
    "organizer_phone",
    "capacity",
    "organization",
)


@login_required
def propose_view(request):
    person, redirect_to = _linked_person_or_redirect(request)
    if redirect_to:
        return redirect_to
    orgs = proposable_organizations(person)
    values = (
        {key: request.POST.get(key, "").strip() for key in PROPOSAL_INPUTS}
        if request.method == "POST"
        else {}
    )
    error_field = ""
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == values["organization"]), None)
        capacity = values["capacity"]
        if org is None:
            messages.error(request, _("请选择你所在的组织作为主办方"))
            error_field = "organization"
        elif capacity and not capacity.isdigit():
            messages.error(request, _("人数上限请填写数字"))
            error_field = "capacity"
        else:
            try:
                event = event_propose(
                    person=person,
                    organization=org,
                    title=values["title"],
                    summary=values["summary"],
                    description=values["description"],
                    tags=values["tags"],
                    starts_at=_aware(values["starts_at"]),
                    ends_at=_aware(values["ends_at"]),
                    is_online=request.POST.get("is_online") == "on",
                    place=values["place"],
                    city=values["city"],
                    online_url=values["online_url"],
                    organizer_name=values["organizer_name"] or person.name,
                    organizer_phone=values["organizer_phone"],
                    capacity=int(capacity) if capacity else None,
                )
            except ServiceError as error:
                messages.error(request, error.message)
                error_field = error.field or ""
            else:
                messages.success(request, _("活动已提交，组织者审核通过后发布"))
                return redirect("events:detail", public_id=event.public_id)
    return render(
        request,
        "events/h5/propose.html",
        {
            "orgs": orgs,
            "values": values,
            "error_field": error_field,
            "is_online": request.POST.get("is_online") == "on",
        },
    )


@login_required
def mine_view(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in MINE_TABS else "registered"
    person = person_of(request.user)
    context = {"tab": tab, "linked": person is not None, "tabs": MINE_TABS}
    if tab == "organized":
        context["events"] = list(my_organized(request.user, person)[:100])
    elif person is None:
        context["events"] = []
        context["registrations"] = []
    elif tab == "registered":
        context["registrations"] = list(my_registrations(person).prefetch_related("tickets__seat")[:100])
    else:
        context["events"] = list(my_favourites(request.user, person)[:100])
    return render(request, "events/h5/mine.html", context)
