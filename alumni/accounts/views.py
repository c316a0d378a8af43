"""H5 account pages: register, log in and out, my account, and WeChat official-account sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from alumni.accounts import selectors, services, wechat
from alumni.accounts.errors import WeChatAlreadyBound, WeChatFailed
from alumni.accounts.forms import LoginForm, RegisterForm
from alumni.accounts.models import WeChatIdentity
from alumni.accounts.tickets import oauth_nonce, oauth_state_make, oauth_state_valid
from alumni.core.errors import ServiceError

# The WeChat identity waiting for its visitor to log in or register (official-account OAuth).
PENDING_WECHAT = "accounts.pending_wechat"
# The nonce and the `next` of an OAuth round trip in progress.
WECHAT_OAUTH = "accounts.wechat_oauth"
# Optional {"name", "phone", "email"} another feature (an invitation link) put in the session to
# prefill the registration form; cleared once the account exists.
REGISTER_PREFILL = "accounts.register_prefill"


def in_wechat_browser(request) -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def safe_next(request, default: str = "/") -> str:
    """The ``next`` parameter if it stays on this host, else ``default`` (no open redirects)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url and next_url != "/" else url


def _pending_identity(request) -> WeChatIdentity | None:
    identity_id = request.session.get(PENDING_WECHAT)
    identity = selectors.wechat_identity_by_id(identity_id) if identity_id else None
    return identity if identity is not None and identity.user_id is None else None


def _wechat_context(request, next_url: str) -> dict:
    config = selectors.wechat_settings()
    show_button = in_wechat_browser(request) and config.official_ready
    return {
        "wechat_login_url": _with_next("accounts:wechat_login", next_url) if show_button else "",
        "pending_wechat": _pending_identity(request),
        "register_url": _with_next("accounts:register", next_url),
        "login_url": _with_next("accounts:login", next_url),
    }


def _bind_pending(request, identity_id: int | None, user) -> None:
    if not identity_id:
        return
    try:
        identity = services.wechat_identity_bind(identity_id=identity_id, user=user)
    except ServiceError as exc:
        messages.warning(request, f"微信未绑定：{exc.message}")
    else:
        messages.success(request, f"已绑定微信「{identity.nickname or '微信用户'}」，下次可直接用微信登录。")


class AccountLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_wechat_context(self.request, self.get_redirect_url()))
        return context

    def form_valid(self, form):
        # Read before login(): logging in may start a fresh session.
        pending_id = self.request.session.pop(PENDING_WECHAT, None)
        response = super().form_valid(form)
        _bind_pending(self.request, pending_id, form.get_user())
        return response


def register(request):
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url if next_url != "/" else reverse("accounts:me"))
    form = RegisterForm(request.POST or None, initial=request.session.get(REGISTER_PREFILL) or {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_register(
                name=data["name"], phone=data["phone"], email=data["email"], password=data["password1"]
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            pending_id = request.session.pop(PENDING_WECHAT, None)
            request.session.pop(REGISTER_PREFILL, None)
            login(request, user)
            messages.success(request, f"注册成功，欢迎你，{user.name}！")
            _bind_pending(request, pending_id, user)
            return redirect(next_url)
    context = {"form": form, "next": next_url, **_wechat_context(request, next_url)}
    return render(request, "accounts/register.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, "你已退出登录。")
    return redirect("accounts:login")


@login_required
def me(request):
    config = selectors.wechat_settings()
    identities = list(selectors.wechat_identities_of(user=request.user))
    has_official = any(i.app_id == config.official_app_id for i in identities)
    can_bind = in_wechat_browser(request) and config.official_ready and not has_official
    context = {
        "identities": identities,
        "wechat_bind_url": _with_next("accounts:wechat_login", reverse("accounts:me")) if can_bind else "",
    }
    return render(request, "accounts/me.html", context)


@login_required
@require_POST
def wechat_unbind(request, identity_id: int):
    try:
        services.wechat_identity_unbind(identity_id=identity_id, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已解除微信绑定。")
    return redirect("accounts:me")


def _wechat_error(request, message: str, status: int = 400):
    return render(request, "accounts/wechat_error.html", {"message": message}, status=status)


def wechat_login(request):
    """Send the visitor to WeChat's consent page; WeChat comes back to ``wechat_callback``."""
    config = selectors.wechat_settings()
    if not config.official_ready:
        return _wechat_error(request, "本校尚未开通微信登录，请使用手机号或邮箱登录。", status=404)
    next_url = safe_next(request)
    nonce = oauth_nonce()
    request.session[WECHAT_OAUTH] = {"nonce": nonce, "next": next_url}
    state = oauth_state_make(nonce=nonce, schema=connection.schema_name, next_url=next_url)
    redirect_uri = request.build_absolute_uri(reverse("accounts:wechat_callback"))
    return redirect(
        wechat.oauth_authorize_url(app_id=config.official_app_id, redirect_uri=redirect_uri, state=state)
    )


def wechat_callback(request):
    """WeChat's redirect back: log in, bind, or park the identity until the visitor logs in."""
    round_trip = request.session.pop(WECHAT_OAUTH, None) or {}
    next_url = round_trip.get("next", "/")
    if not oauth_state_valid(
        request.GET.get("state", ""),
        nonce=round_trip.get("nonce", ""),
        schema=connection.schema_name,
        next_url=next_url,
    ):
        return _wechat_error(request, "微信登录链接已失效，请回到登录页重新点击“微信登录”。")
    code = request.GET.get("code", "")
    if not code:  # the visitor declined on WeChat's consent page
        messages.info(request, "你取消了微信授权，可以用手机号或邮箱登录。")
        return redirect(_with_next("accounts:login", next_url))
    config = selectors.wechat_settings()
    if not config.official_ready:
        return _wechat_error(request, "本校尚未开通微信登录，请使用手机号或邮箱登录。", status=404)
    redirect_uri = request.build_absolute_uri(reverse("accounts:wechat_callback"))
    try:
        profile = wechat.oauth_profile(
            app_id=config.official_app_id,
            secret=config.official_app_secret,
            redirect_uri=redirect_uri,
            code=code,
        )
    except WeChatFailed as exc:
        return _wechat_error(request, exc.message, status=502)
    identity = services.wechat_identity_record(
        app_id=config.official_app_id,
        openid=profile.openid,
        unionid=profile.unionid,
        kind=WeChatIdentity.Kind.OFFICIAL,
        nickname=profile.nickname,
        avatar_url=profile.avatar_url,
    )
    current = request.user if request.user.is_authenticated else None
    owner = identity.user
    if owner is not None:
        if current is not None and current.pk != owner.pk:
            messages.error(request, WeChatAlreadyBound.default_message + "，未做更改。")
            return redirect("accounts:me")
        if not owner.is_active:
            return _wechat_error(request, "该微信绑定的账号已停用，请联系校友会。", status=403)
        if current is None:
            login(request, owner)
            messages.success(request, f"已通过微信登录，欢迎你，{owner}！")
        return redirect(next_url)
    if current is not None:
        _bind_pending(request, identity.pk, current)
        return redirect(next_url)
    request.session[PENDING_WECHAT] = identity.pk
    messages.info(
        request,
        f"微信「{identity.nickname or '微信用户'}」尚未绑定本校账号。请登录已有账号或注册新账号，完成后自动绑定。",
    )
    return redirect(_with_next("accounts:login", next_url))
