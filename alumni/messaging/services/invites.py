"""Invitations: create and send a tokened link, accept it once, revoke it, send it again.

What accepting *does* belongs to the feature that owns the purpose: it registers a handler with
``register_invite_handler`` (the built-in "register" purpose is at the bottom of this module;
chapters register "chapter_president" and "chapter_admin"). The handler runs inside the accept
transaction, so a handler that raises leaves the invitation unused.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alumni.core.errors import Conflict, ValidationFailed
from alumni.core.services import audit_record
from alumni.messaging.errors import InviteInvalid
from alumni.messaging.models import Channel, Invitation, InvitationStatus, MessagingSettings
from alumni.messaging.selectors.invites import invite_token_hash
from alumni.messaging.services.send import Message, Recipient, message_send
from alumni.people import normalize
from tenants.services import school_url

DEFAULT_EXPIRY = timedelta(days=7)
MIN_EXPIRY = timedelta(hours=1)
MAX_EXPIRY = timedelta(days=90)
INVITE_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.WECHAT)


# --- the purpose registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class InviteHandler:
    purpose: str
    label: str  # what the invitation is for, shown on the landing page and in the back office
    # (invitation, user) -> where to send the user next ("" → the home page). Runs inside the
    # accept transaction; raise a ServiceError to refuse (the invitation then stays unused).
    on_accept: Callable[..., str]
    # invitation -> one sentence for the landing page ("邀请你注册…"); defaults to the label.
    describe: Callable[[Invitation], str] | None = None


_handlers: dict[str, InviteHandler] = {}


def register_invite_handler(
    purpose: str,
    on_accept: Callable[..., str],
    *,
    label: str,
    describe: Callable[[Invitation], str] | None = None,
) -> None:
    """Say what accepting an invitation of ``purpose`` does (later registrations win)."""
    _handlers[purpose] = InviteHandler(purpose=purpose, label=label, on_accept=on_accept, describe=describe)


def invite_handler(purpose: str) -> InviteHandler | None:
    return _handlers.get(purpose)


def invite_purposes() -> list[tuple[str, str]]:
    """(purpose, label) of every registered purpose."""
    return [(h.purpose, str(h.label)) for h in _handlers.values()]


def invite_describe(invitation: Invitation) -> str:
    handler = invite_handler(invitation.purpose)
    if handler is None:
        return invitation.purpose
    return handler.describe(invitation) if handler.describe else str(handler.label)


# --- creating and sending ------------------------------------------------------------------------


def _new_secret() -> tuple[str, str]:
    # 32 random bytes → 43 URL-safe characters; only the SHA-256 is stored.
    secret = secrets.token_urlsafe(32)
    return secret, invite_token_hash(secret)


def invite_url(secret: str) -> str:
    """The absolute link for a secret, on the current school's host."""
    return school_url(connection.tenant, f"/messages/i/{secret}/")


def invite_address_clean(*, channel: str, address: str) -> str:
    """The address normalised for its channel, or ValidationFailed (field "address")."""
    if channel not in INVITE_CHANNELS:
        raise ValidationFailed("请选择短信、邮件或微信发送", field="channel")
    try:
        if channel == Channel.SMS:
            cleaned = normalize.phone(address)
            if cleaned and len(cleaned) != 11:
                raise normalize.Invalid("phone_invalid", "手机号应为 11 位")
        elif channel == Channel.EMAIL:
            cleaned = normalize.email(address)
        else:
            cleaned = normalize.text(address)
    except normalize.Invalid as exc:
        raise ValidationFailed(exc.message, field="address") from exc
    if not cleaned:
        raise ValidationFailed(
            {Channel.SMS: "请填写手机号", Channel.EMAIL: "请填写邮箱"}.get(channel, "请填写微信 openid"),
            field="address",
        )
    return cleaned


def _school_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name", "") or "校友会"


def _send(invitation: Invitation, secret: str, *, deliver: str) -> str:
    url = invite_url(secret)
    school = _school_name()
    what = invite_describe(invitation)
    days = max(1, round((invitation.expires_at - timezone.now()) / timedelta(days=1)))
    text = f"{invitation.name}您好，{school}{what}。请在{days}天内打开链接：{url}"
    html = (
        f"<p>{invitation.name}您好：</p><p>{school}{what}。</p>"
        f'<p><a href="{url}">点击这里接受邀请</a>（{days} 天内有效，仅可使用一次）。</p>'
        f"<p>如果链接无法点击，请复制到浏览器打开：<br>{url}</p>"
    )
    recipient = Recipient(
        name=invitation.name,
        email=invitation.address if invitation.channel == Channel.EMAIL else "",
        phone=invitation.address if invitation.channel == Channel.SMS else "",
        wechat_openid=invitation.address if invitation.channel == Channel.WECHAT else "",
    )
    config = MessagingSettings.base_queryset().first()
    message = Message(
        purpose="invite",
        subject=f"{school}：{what}",
        text=text,
        html=html,
        sms_template=config.sms_template_invite if config else "",
        sms_params={"name": invitation.name, "school": school, "url": url, "days": str(days)},
        wechat_template_id=config.wechat_template_invite if config else "",
        wechat_data={
            "first": {"value": f"{invitation.name}您好，{school}{what}"},
            "remark": {"value": f"{days}天内有效，点击查看"},
        },
        url=url,
    )
    # The first send's key is the one the contract names; each resend has its own key (and a
    # new secret), so a retried call never sends the same link twice.
    key = f"invite:{invitation.pk}" if invitation.sends == 1 else f"invite:{invitation.pk}:{invitation.sends}"
    message_send(
        recipient=recipient,
        message=message,
        channels=[invitation.channel],
        idempotency_key=key,
        deliver=deliver,
    )
    return url


def _expiry(expires_in: timedelta | None) -> timedelta:
    expires_in = DEFAULT_EXPIRY if expires_in is None else expires_in
    if not MIN_EXPIRY <= expires_in <= MAX_EXPIRY:
        raise ValidationFailed("有效期应在 1 小时到 90 天之间", field="expires_in")
    return expires_in


def invite_create(
    *,
    purpose: str,
    payload: dict | None = None,
    name: str,
    channel: str,
    address: str,
    expires_in: timedelta | None = None,
    actor,
    deliver: str = "async",
) -> tuple[Invitation, str]:
    """Create an invitation and send its link over ``channel``; returns it with the link."""
    if invite_handler(purpose) is None:
        raise ValidationFailed(f"未知的邀请用途：{purpose}", field="purpose")
    name = normalize.text(name)[:60]
    if not name:
        raise ValidationFailed("请填写受邀人姓名", field="name")
    address = invite_address_clean(channel=channel, address=address)
    expires_in = _expiry(expires_in)
    secret, token_hash = _new_secret()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            purpose=purpose,
            payload=payload or {},
            name=name,
            channel=channel,
            address=address,
            token_hash=token_hash,
            expires_at=timezone.now() + expires_in,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="invite.create",
            target=invitation,
            summary=f"邀请{name}（{invite_describe(invitation)}，{invitation.get_channel_display()}）",
            after={"purpose": purpose, "channel": channel, "address": address, "payload": payload or {}},
        )
        url = _send(invitation, secret, deliver=deliver)
    return invitation, url


def invite_resend(
    *, invitation: Invitation, actor, expires_in: timedelta | None = None, deliver: str = "async"
) -> tuple[Invitation, str]:
    """Send a pending or expired invitation again with a new link (the old link stops working)."""
    secret, token_hash = _new_secret()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status in (InvitationStatus.USED, InvitationStatus.REVOKED):
            raise Conflict(f"该邀请{locked.get_status_display()}，不能再次发送", code="invite_closed")
        before = {"expires_at": locked.expires_at.isoformat(), "sends": locked.sends}
        locked.token_hash = token_hash
        locked.sends += 1
        if expires_in is not None or locked.status == InvitationStatus.EXPIRED:
            locked.expires_at = timezone.now() + _expiry(expires_in)
        locked.save(update_fields=["token_hash", "sends", "expires_at"])
        audit_record(
            actor=actor,
            action="invite.resend",
            target=locked,
            summary=f"重新发送邀请给{locked.name}（第 {locked.sends} 次）",
            before=before,
            after={"expires_at": locked.expires_at.isoformat(), "sends": locked.sends},
        )
        url = _send(locked, secret, deliver=deliver)
    return locked, url


def invite_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Revoke an invitation that has not been accepted (its link stops working at once)."""
    with transaction.atomic():
        now = timezone.now()
        updated = Invitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation.refresh_from_db()
        if not updated:
            raise Conflict(f"该邀请{invitation.get_status_display()}，无需撤销", code="invite_closed")
        audit_record(
            actor=actor,
            action="invite.revoke",
            target=invitation,
            summary=f"撤销对{invitation.name}的邀请",
            after={"revoked_at": now.isoformat()},
        )
    return invitation


# --- accepting -----------------------------------------------------------------------------------

_REFUSALS = {
    InvitationStatus.USED: "这个邀请已经被接受过了，每个邀请链接只能使用一次。",
    InvitationStatus.REVOKED: "这个邀请已被校友会撤销。",
    InvitationStatus.EXPIRED: "这个邀请已过期，请联系校友会重新发送。",
}


def invite_accept(*, token: str, user) -> Invitation:
    """Accept an invitation once; the purpose's handler runs in the same transaction."""
    if not (user and user.is_authenticated and user.is_active):
        raise InviteInvalid("请先登录或注册，再接受邀请", code="login_required")
    token_hash = invite_token_hash(token or "")
    with transaction.atomic():
        now = timezone.now()
        # One conditional UPDATE: of two accepts racing, the database lets exactly one through.
        updated = Invitation.objects.filter(
            token_hash=token_hash, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now, used_by=user)
        invitation = Invitation.objects.filter(token_hash=token_hash).first()
        if invitation is None:
            raise InviteInvalid("邀请链接无效，请检查链接是否完整。")
        if not updated:
            raise InviteInvalid(_REFUSALS.get(invitation.status, InviteInvalid.default_message))
        handler = invite_handler(invitation.purpose)
        if handler is None:
            raise InviteInvalid("该邀请的用途已不再支持，请联系校友会。")
        next_url = handler.on_accept(invitation=invitation, user=user) or "/"
        audit_record(
            actor=user,
            action="invite.accept",
            target=invitation,
            summary=f"{user}接受了邀请（{invite_describe(invitation)}）",
        )
    invitation.next_url = next_url
    return invitation


# --- bulk ----------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    created: list[Invitation]
    skipped: list[tuple[int, str, str]]  # (row number, name, reason)


def invites_create_bulk(
    *,
    rows: list[dict],
    channel: str,
    purpose: str = "register",
    expires_in: timedelta | None = None,
    actor,
    deliver: str = "async",
) -> BulkResult:
    """Invite each row ({"row", "name", "phone", "email", "openid"}); bad rows are skipped and reported."""
    field = {Channel.SMS: "phone", Channel.EMAIL: "email", Channel.WECHAT: "openid"}.get(channel)
    if field is None:
        raise ValidationFailed("请选择短信、邮件或微信发送", field="channel")
    result = BulkResult(created=[], skipped=[])
    seen: set[str] = set()
    for row in rows:
        number, name = row.get("row", 0), row.get("name", "")
        address = row.get(field, "")
        try:
            cleaned = invite_address_clean(channel=channel, address=address)
            if cleaned in seen:
                raise ValidationFailed("与前面的行地址重复")
            seen.add(cleaned)
            payload = {k: row[k] for k in ("phone", "email") if row.get(k)}
            invitation, _url = invite_create(
                purpose=purpose,
                payload=payload,
                name=name,
                channel=channel,
                address=cleaned,
                expires_in=expires_in,
                actor=actor,
                deliver=deliver,
            )
        except ValidationFailed as exc:
            result.skipped.append((number, name, exc.message))
        else:
            result.created.append(invitation)
    return result


# --- the built-in purpose: invite an alumnus to register -----------------------------------------


def _register_accepted(*, invitation: Invitation, user) -> str:
    # The account exists now (registered through the invitation, or an existing one): the next
    # step for a new alumnus is linking the official record.
    return "/alumni/verify/"


def _register_describe(invitation: Invitation) -> str:
    return "邀请你注册校友账号"


register_invite_handler("register", _register_accepted, label=_("邀请注册"), describe=_register_describe)
