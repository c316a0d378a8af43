"""支付管理 back office: payments list and detail (refund, 查单), 对账单 export, provider settings.

For the school's admins only (superusers of the school); billing cannot use alumni.core's
permission helpers, so the same rule is spelled out here. Every write goes through
billing.payments.services (refunds, credentials) or reconciliation_export, which audit it.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.errors import BillingError, InvalidAmount, PaymentNotFound, RefundExceedsPaid
from billing.payments.forms import (
    ACCOUNT_FORMS,
    PaymentFilterForm,
    ReconciliationForm,
    RefundForm,
)
from billing.payments.models import PaymentState, Provider
from billing.payments.money import format_money
from billing.payments.reconciliation import reconciliation_export
from billing.payments.selectors import (
    payment_admin_detail,
    payment_events,
    payment_purposes,
    payment_refunds,
    payments_admin_list,
    payments_totals,
    provider_account,
    sandbox_allowed,
)
from billing.payments.services import payment_sync, provider_account_update, refund_create
from tenants.services import platform_url

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_school_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def school_admin_only(view):
    """403 for anyone but the school's admins (Wagtail already sent anonymous users to log in)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_school_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _render(request, template: str, title: str, icon: str, **context) -> TemplateResponse:
    return TemplateResponse(
        request, f"payments/admin/{template}", {"page_title": title, "header_icon": icon, **context}
    )


def _payment(reference: str):
    try:
        return payment_admin_detail(reference)
    except PaymentNotFound:
        raise Http404 from None


@school_admin_only
def payment_list_view(request):
    form = PaymentFilterForm(request.GET or None, purposes=payment_purposes())
    payments = payments_admin_list(**(form.filters() if request.GET else {}))
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("p"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "p" and v])
    return _render(
        request,
        "list.html",
        _("支付记录"),
        "list-ul",
        form=form,
        page=page,
        payments=page.object_list,
        totals=payments_totals(payments),
        query=query,
    )


@school_admin_only
def payment_detail_view(request, reference: str):
    payment = _payment(reference)
    form = None
    if payment.state in (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED):
        form = RefundForm(request.POST or None, payment=payment)
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_create(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except (RefundExceedsPaid, InvalidAmount) as exc:
                form.add_error("amount", exc.message)
            except BillingError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已退款 %(amount)s（退款单号 %(ref)s）")
                    % {"amount": format_money(refund.amount, payment.currency), "ref": refund.reference},
                )
                return redirect("payments_admin_detail", reference=payment.reference)
            payment = _payment(reference)  # a refused refund may still have been recorded (as failed)
    elif request.method == "POST":
        messages.error(request, _("只有已支付的订单可以退款"))
        return redirect("payments_admin_detail", reference=payment.reference)
    return _render(
        request,
        "detail.html",
        _("支付 %(ref)s") % {"ref": payment.reference},
        "doc-full",
        payment=payment,
        transitions=payment.transitions.all(),
        events=payment_events(payment),
        refunds=payment_refunds(payment),
        refund_form=form,
        duplicate=payment.metadata.get("duplicate_payment"),
        can_sync=payment.state == PaymentState.PENDING and bool(payment.provider),
    )


@require_POST
@school_admin_only
def payment_sync_view(request, reference: str):
    payment = _payment(reference)
    before = payment.state
    try:
        payment = payment_sync(payment=payment)
    except BillingError as exc:
        messages.error(request, _("查单失败：%(msg)s") % {"msg": exc.message})
    else:
        if payment.state == before:
            messages.info(
                request, _("已向支付渠道查询，订单状态仍为「%(s)s」") % {"s": payment.get_state_display()}
            )
        else:
            messages.success(
                request, _("查单完成，订单状态更新为「%(s)s」") % {"s": payment.get_state_display()}
            )
    return redirect("payments_admin_detail", reference=payment.reference)


@school_admin_only
def reconciliation_view(request):
    form = ReconciliationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        statement = reconciliation_export(
            provider=form.cleaned_data["provider"],
            first=form.cleaned_data["date_from"],
            last=form.cleaned_data["date_to"],
            actor=request.user,
        )
        response = HttpResponse(statement.content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{statement.filename}"'
        return response
    return _render(request, "reconciliation.html", _("对账导出"), "download", form=form)


def webhook_url(provider: str) -> str:
    """The URL the school enters at the provider; it names the school, so no event goes astray."""
    return platform_url(f"/pay/webhooks/{provider}/{connection.schema_name}/")


@school_admin_only
def providers_view(request):
    posted = request.POST.get("provider") if request.method == "POST" else None
    if posted is not None and posted not in ACCOUNT_FORMS:
        raise Http404
    forms = {}
    for code, form_class in ACCOUNT_FORMS.items():
        account = provider_account(code)
        data = request.POST if code == posted else None
        forms[code] = form_class(data, account=account)
    if posted is not None:
        form = forms[posted]
        if form.is_valid():
            try:
                provider_account_update(
                    provider=posted, actor=request.user, enabled=form.cleaned_data["enabled"], **form.values()
                )
            except BillingError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已保存「%(p)s」的配置") % {"p": Provider(posted).label})
                return redirect("payments_admin_providers")
    sections = [
        {
            "code": code,
            "label": Provider(code).label,
            "form": form,
            "webhook_url": webhook_url(code),
            "enabled": bool(form.account and form.account.enabled),
        }
        for code, form in forms.items()
    ]
    return _render(
        request,
        "providers.html",
        _("支付渠道"),
        "cog",
        sections=sections,
        sandbox_on=sandbox_allowed(),
        sandbox_webhook_url=platform_url("/pay/webhooks/sandbox/"),
    )
