"""H5 pay pages on the school's host: choose how to pay, pay, come back and see the outcome.

/pay/<reference>/ offers the ways this school takes money (WeChat Pay first inside WeChat's
browser, Stripe Checkout outside it, the sandbox clearly labelled); POST …/start/ opens the
order at the provider and sends the payer on (Stripe's page, WeChat's JSAPI sheet, the sandbox
page); …/return/ asks the provider (rate-limited) while the payment is pending and sends the payer
back to the selling app's page once paid. Who may see a payment: selectors.payment_for_viewer.
The mini-program API (billing.payments.api) shares the helpers at the top of this module.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.errors import BillingError, PaymentStateConflict, ProviderUnavailable
from billing.payments.models import Payment, PaymentState, Provider
from billing.payments.payer import payer_openid
from billing.payments.providers import provider_class
from billing.payments.providers.base import PayerContext
from billing.payments.selectors import enabled_providers, payment_for_viewer, provider_account
from billing.payments.services import payment_start, payment_sync, sandbox_settle
from tenants.middleware import platform_hosts
from tenants.services import platform_url, school_url

# The return page asks the provider at most once per this many seconds per payment (the cache
# key carries the schema, so schools never share it).
SYNC_INTERVAL_SECONDS = 3
REFRESH_SECONDS = 3

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "¥"}

# The channel each provider takes H5 payments through, and the openid kind it needs (if any).
H5_CHANNELS = {Provider.WECHATPAY: "jsapi", Provider.STRIPE: "checkout", Provider.SANDBOX: "sandbox"}
MINI_CHANNELS = {Provider.WECHATPAY: "mini", Provider.SANDBOX: "sandbox"}
OPENID_KIND = {"jsapi": "mp", "mini": "mini"}


def money(amount: int, currency: str = "CNY") -> str:
    """Integer fen as the payer reads it: 1200 → "¥12.00"."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency.upper()} ")
    return f"{symbol}{amount // 100:,}.{amount % 100:02d}"


def in_wechat_browser(request) -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def is_expired(payment: Payment) -> bool:
    return bool(
        payment.expires_at
        and payment.expires_at < timezone.now()
        and payment.state in (PaymentState.CREATED, PaymentState.FAILED)
    )


def can_start(payment: Payment) -> bool:
    states = (PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED)
    return payment.state in states and not is_expired(payment)


def provider_label(code: str) -> str:
    return str(Provider(code).label)


def provider_channels(code: str) -> tuple[str, ...]:
    """The channels of `code`'s provider, or () when its module is not installed in this build."""
    try:
        return tuple(provider_class(code).channels)
    except LookupError:
        return ()


def notify_url(provider: str) -> str:
    """The platform's webhook URL for `provider` (providers call one host for every school)."""
    path = reverse(
        "payment_webhooks:receive", urlconf=settings.PUBLIC_SCHEMA_URLCONF, kwargs={"provider": provider}
    )
    return platform_url(path)


def school_absolute(request, path: str) -> str:
    """Absolute URL of `path` on the school's host, also for API calls made to the platform host."""
    if request.get_host().split(":")[0] in platform_hosts():
        return school_url(request.tenant, path)
    return request.build_absolute_uri(path)


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "127.0.0.1"


def payer_context(request, payment: Payment, *, provider: str, channel: str) -> PayerContext:
    """Everything the provider needs to know about who pays from where."""
    openid = ""
    if channel in OPENID_KIND:
        account = provider_account(provider)
        app_id = ""
        if account is not None:
            app_id = account.wechat_mini_app_id if channel == "mini" else account.wechat_app_id
        openid = payer_openid(request.user, kind=OPENID_KIND[channel], app_id=app_id)
    return PayerContext(
        channel=channel,
        openid=openid,
        client_ip=client_ip(request),
        return_url=school_absolute(request, reverse("payments:return", args=[payment.reference])),
        notify_url=notify_url(provider),
        locale="en" if (get_language() or "").startswith("en") else "zh",
    )


def start(request, payment: Payment, *, provider: str, channel: str) -> Payment:
    """Start `payment` at `provider` for this request's payer; BillingError when that cannot be."""
    if provider not in enabled_providers():
        raise ProviderUnavailable()
    if is_expired(payment):
        raise PaymentStateConflict(_("支付单已超时，请返回重新下单"), code="payment_expired")
    if channel not in provider_channels(provider):
        raise ProviderUnavailable(_("该支付方式暂不可用"))
    context = payer_context(request, payment, provider=provider, channel=channel)
    if channel in OPENID_KIND and not context.openid:
        raise PaymentStateConflict(_("请先用微信登录，才能使用微信支付"), code="openid_required")
    try:
        return payment_start(payment=payment, provider=provider, payer=context)
    except LookupError:  # an enabled account whose provider module is missing from this build
        raise ProviderUnavailable() from None


def sync_if_due(payment: Payment) -> Payment:
    """Ask the provider about a pending payment, at most once per SYNC_INTERVAL_SECONDS."""
    if payment.state != PaymentState.PENDING or not payment.provider:
        return payment
    if not cache.add(f"payments:sync:{payment.reference}", 1, timeout=SYNC_INTERVAL_SECONDS):
        return payment
    try:
        return payment_sync(payment=payment)
    except (BillingError, LookupError):
        return payment  # the provider is gone or unreachable: show what we know, ask again later


def _options(request, payment: Payment) -> list[dict]:
    """The ways to pay, best first for where the payer is (WeChat's browser or not)."""
    wechat = in_wechat_browser(request)
    options = []
    for code in enabled_providers():
        option = {"code": code, "label": provider_label(code), "available": True, "hint": ""}
        if code == Provider.WECHATPAY:
            option["label"] = _("微信支付")
            option["available"] = wechat
            option["hint"] = "" if wechat else _("请在微信中打开本页使用微信支付")
        elif code == Provider.STRIPE:
            option["label"] = _("银行卡 / 支付宝 / 微信支付（Stripe）")
        elif code == Provider.SANDBOX:
            option["label"] = _("沙箱演示 · 不会扣款")
            option["hint"] = _("仅用于演示和测试，不会产生真实扣款")
        options.append(option)
    first = Provider.WECHATPAY if wechat else Provider.STRIPE

    def rank(option):
        return (not option["available"], option["code"] == Provider.SANDBOX, option["code"] != first)

    return sorted(options, key=rank)


def _after_pay_url(payment: Payment) -> str:
    """Where the payer goes once paid: the selling app's page (never back to this return page)."""
    url = payment.return_url
    return "" if not url or f"/pay/{payment.reference}/" in url else url


def _login_for_wechat(request, payment: Payment) -> str:
    back = reverse("payments:pay", args=[payment.reference])
    try:
        url = reverse("accounts:wechat_login")
    except NoReverseMatch:
        url = settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else reverse(settings.LOGIN_URL)
    return f"{url}?{urlencode({'next': back})}"


def _page(request, payment: Payment, *, error: BillingError | None = None, login_url: str = ""):
    context = {
        "payment": payment,
        "amount": money(payment.amount, payment.currency),
        "options": _options(request, payment) if can_start(payment) else [],
        "can_start": can_start(payment),
        "expired": is_expired(payment),
        "in_wechat": in_wechat_browser(request),
        "error": error.message if error else "",
        "login_url": login_url,
        "after_pay_url": _after_pay_url(payment),
    }
    return render(request, "payments/h5/pay.html", context, status=error.status if error else 200)


def _viewable(request, reference: str) -> Payment:
    """The payment, or the 404 page for anyone who may not see it."""
    try:
        return payment_for_viewer(reference, request.user)
    except BillingError:
        raise Http404(_("支付单不存在")) from None


def pay(request, reference: str):
    payment = _viewable(request, reference)
    return _page(request, payment)


@require_POST
def pay_start(request, reference: str):
    payment = _viewable(request, reference)
    provider = request.POST.get("provider", "")
    channel = H5_CHANNELS.get(provider, "")
    try:
        started = start(request, payment, provider=provider, channel=channel)
    except BillingError as exc:
        login_url = _login_for_wechat(request, payment) if exc.code == "openid_required" else ""
        payment.refresh_from_db()
        return _page(request, payment, error=exc, login_url=login_url)
    action = started.action or {}
    if action.get("type") == "redirect" and action.get("url"):
        return redirect(action["url"])
    if action.get("type") == "jsapi":
        return render(
            request,
            "payments/h5/jsapi.html",
            {
                "payment": started,
                "amount": money(started.amount, started.currency),
                "params": action.get("params") or {},
                "return_url": reverse("payments:return", args=[started.reference]),
            },
        )
    if action.get("type") == "sandbox":
        return redirect("payments:sandbox", reference=started.reference)
    return redirect("payments:return", reference=started.reference)


@require_http_methods(["GET", "POST"])
def sandbox(request, reference: str):
    payment = _viewable(request, reference)
    error = ""
    if request.method == "POST":
        try:
            sandbox_settle(payment=payment, outcome=request.POST.get("outcome", ""))
        except BillingError as exc:
            error = exc.message
        else:
            return redirect("payments:return", reference=payment.reference)
    context = {
        "payment": payment,
        "amount": money(payment.amount, payment.currency),
        "error": error,
        "open": payment.provider == Provider.SANDBOX and payment.state == PaymentState.PENDING,
    }
    return render(request, "payments/h5/sandbox.html", context, status=409 if error else 200)


def pay_return(request, reference: str):
    payment = sync_if_due(_viewable(request, reference))
    context = {
        "payment": payment,
        "amount": money(payment.amount, payment.currency),
        "pending": payment.state in (PaymentState.PENDING, PaymentState.CREATED) and bool(payment.provider),
        "paid": payment.is_paid,
        "refresh_seconds": REFRESH_SECONDS,
        "after_pay_url": _after_pay_url(payment),
        "can_start": can_start(payment),
    }
    return render(request, "payments/h5/return.html", context)
