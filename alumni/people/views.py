"""H5 pages for alumni (mounted at /alumni/): verification, my record, directory, business cards."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alumni.core.errors import ServiceError
from alumni.people.choices import INDUSTRIES, PRIVACY_DEFAULTS, RecordSource, Visibility
from alumni.people.h5_forms import PRIVACY_LABELS, ClaimForm, ContactForm, DegreeForm, PrivacyForm
from alumni.people.models import Claim
from alumni.people.selectors import cards as card_selectors
from alumni.people.selectors.claims import (
    claim_college_label,
    claim_latest,
    person_for_user,
    verified_person_for_user,
)
from alumni.people.selectors.directory import (
    college_options,
    directory_facets,
    directory_filters_clean,
    directory_person,
    directory_search,
    major_resolve,
)
from alumni.people.selectors.privacy import person_card, person_cards, viewer_for
from alumni.people.services import cards as card_services
from alumni.people.services.claims import claim_submit
from alumni.people.services.records import degree_add, person_set_privacy, person_update

PAGE_SIZE = 20


def verified_required(view):
    """Logged in and verified; an unverified account is sent to the verification page."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        person = verified_person_for_user(request.user)
        if person is None:
            messages.info(request, "请先完成校友认证。")
            return redirect("people:verify")
        request.person = person
        return view(request, *args, **kwargs)

    return wrapped


def home(request):
    """/alumni/: my record when verified, else the verification page."""
    if request.user.is_authenticated and verified_person_for_user(request.user):
        return redirect("people:me")
    return redirect("people:verify")


@login_required
def verify(request):
    """Claim a record (name + student number, or name + year + college + birth date)."""
    if verified_person_for_user(request.user):
        return redirect("people:me")
    latest = claim_latest(request.user)
    linked = person_for_user(request.user)
    if latest is not None and latest.status == Claim.Status.PENDING:
        return render(
            request, "people/h5/verify_status.html", {"claim": latest, "college": claim_college_label(latest)}
        )
    method = request.POST.get("method") or request.GET.get("m") or Claim.Method.STUDENT_NUMBER
    if method not in Claim.Method.values:
        method = Claim.Method.STUDENT_NUMBER
    form = ClaimForm(request.POST or None, method=method, initial={"name": request.user.name})
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_submit(user=request.user, method=method, **form.service_data())
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if claim.status == Claim.Status.APPROVED:
                messages.success(request, f"认证成功！已关联你的校友档案，欢迎回家，{claim.name}。")
                return redirect("people:me")
            messages.info(request, "已提交，校友会将尽快审核。")
            return redirect("people:verify")
    context = {
        "form": form,
        "method": method,
        "methods": Claim.Method.choices,
        "latest": latest,
        "linked": linked,
        "colleges": college_options(),
    }
    return render(request, "people/h5/verify.html", context)


@verified_required
def me(request):
    person = request.person
    card = person_card(person, viewer_person=person, viewer_user=request.user)
    privacy = [
        (PRIVACY_LABELS[name], Visibility(person.visibility_of(name)).label) for name in PRIVACY_DEFAULTS
    ]
    degrees = person.degrees.select_related("college", "major")
    return render(
        request, "people/h5/me.html", {"person": person, "card": card, "privacy": privacy, "degrees": degrees}
    )


@verified_required
def me_edit(request):
    person = request.person
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            person_update(person=person, actor=request.user, by_self=True, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "联系方式已更新，校友会将同步看到。")
            return redirect("people:me")
    return render(request, "people/h5/me_edit.html", {"form": form})


@verified_required
def me_privacy(request):
    person = request.person
    form = PrivacyForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        person_set_privacy(person=person, choices=form.cleaned_data)
        messages.success(request, "隐私设置已保存。")
        return redirect("people:me")
    return render(request, "people/h5/me_privacy.html", {"form": form, "levels": Visibility.choices})


@verified_required
def degree_new(request):
    person = request.person
    form = DegreeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        college = data["college"]
        data["major"] = major_resolve(college=college, name=data["major_name"])
        data["college_name_raw"] = college.name if college else ""
        try:
            degree_add(person=person, actor=request.user, source=RecordSource.SELF, **data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已添加学历（校友填报）。")
            return redirect("people:me")
    return render(request, "people/h5/degree_form.html", {"form": form})


DRILL_KEYS = ("college_id", "major_id", "enrollment_year", "class_name")


def _without(params: dict, *keys: str) -> dict:
    return {k: v for k, v in params.items() if k not in keys}


def _query_string(params: dict, **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return f"?{urlencode(merged)}" if merged else "?"


def directory(request):
    """Search and drill down; unverified visitors get a prompt to verify."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
    me_person = verified_person_for_user(request.user)
    if me_person is None:
        return render(
            request, "people/h5/directory_locked.html", {"claim": claim_latest(request.user)}, status=403
        )
    query = request.GET.get("q", "").strip()
    filters = directory_filters_clean(request.GET)
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    page = directory_search(query=query, filters=filters, offset=offset, limit=PAGE_SIZE)
    viewer = viewer_for(viewer_person=me_person, viewer_user=request.user)
    facets = directory_facets(college_id=filters.get("college_id"), major_id=filters.get("major_id"))
    params = {"q": query, **filters}
    context = {
        "query": query,
        "filters": filters,
        "params": params,
        "page": page,
        "cards": person_cards(page.persons, viewer=viewer),
        "facets": facets,
        "industries": INDUSTRIES,
        "next_qs": _query_string(params, offset=page.offset + page.limit) if page.has_next else "",
        "prev_qs": _query_string(params, offset=max(0, page.offset - page.limit) or None)
        if page.has_previous
        else "",
        "range_label": f"{page.offset + 1}–{page.offset + len(page.persons)}" if page.persons else "",
        "reset_college_qs": _query_string(_without(params, *DRILL_KEYS)),
        "reset_major_qs": _query_string(_without(params, *DRILL_KEYS[1:])),
        "facet_qs": _query_string(_without(params, "enrollment_year", "class_name")),
        "has_filters": bool(filters),
    }
    return render(request, "people/h5/directory.html", context)


@verified_required
def person_detail(request, public_id: str):
    person = directory_person(public_id)
    if person is None:
        raise Http404("未找到该校友")
    card = person_card(person, viewer_person=request.person, viewer_user=request.user)
    exchange = card_selectors.card_between(request.person, person)
    return render(
        request,
        "people/h5/person.html",
        {"person": person, "card": card, "exchange": exchange, "is_self": person.pk == request.person.pk},
    )


@verified_required
@require_POST
def card_request(request, public_id: str):
    person = directory_person(public_id)
    if person is None:
        raise Http404("未找到该校友")
    try:
        exchange = card_services.card_request(
            requester=request.person, recipient=person, message=request.POST.get("message", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if exchange.status == exchange.Status.ACCEPTED:
            messages.success(request, f"{person.name}也向你发出过请求，你们已交换名片。")
        else:
            messages.success(request, f"已向{person.name}发送名片交换请求。")
    return redirect("people:person", public_id=public_id)


@verified_required
def cards(request):
    """我的名片: requests waiting for me, requests I sent, and the cards I hold."""
    me_person = request.person
    viewer = viewer_for(viewer_person=me_person, viewer_user=request.user)
    received = list(card_selectors.cards_received_pending(me_person))
    context = {
        "received": [
            (
                e,
                person_card(
                    e.requester,
                    viewer_person=me_person,
                    viewer_user=request.user,
                    in_list=True,
                    viewer=viewer,
                ),
            )
            for e in received
        ],
        "sent": card_selectors.cards_sent(me_person),
        "partners": person_cards(card_selectors.card_partners(me_person), viewer=viewer, in_list=False),
        "phone_closed": me_person.visibility_of("phone") == Visibility.NOBODY,
    }
    return render(request, "people/h5/cards.html", context)


def _respond(request, public_id: str, accept: bool):
    exchange = card_selectors.card_request_from(recipient=request.person, requester_public_id=public_id)
    if exchange is None:
        messages.error(request, "该名片请求不存在或已处理。")
        return redirect("people:cards")
    try:
        if accept:
            card_services.card_accept(exchange=exchange, person=request.person)
            messages.success(request, f"已与{exchange.requester.name}交换名片。")
        else:
            card_services.card_decline(exchange=exchange, person=request.person)
            messages.info(request, f"已婉拒{exchange.requester.name}的名片请求。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("people:cards")


@verified_required
@require_POST
def card_accept(request, public_id: str):
    return _respond(request, public_id, accept=True)


@verified_required
@require_POST
def card_decline(request, public_id: str):
    return _respond(request, public_id, accept=False)
