"""Account writes: registration, profile, API tokens, WeChat identities and their bindings."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alumni.accounts import selectors
from alumni.accounts.errors import (
    AccountHasOtherWeChat,
    BindTicketInvalid,
    RegistrationInvalid,
    WeChatAlreadyBound,
)
from alumni.accounts.models import WeChatIdentity
from alumni.accounts.setting_forms import PAIRS, mask_secret
from alumni.accounts.tickets import bind_ticket_read
from alumni.core.errors import NotFound
from alumni.core.services import audit_record


def _raise_first(check: selectors.AccountInput) -> None:
    problem = check.first_problem
    if problem:
        field, message = problem
        raise RegistrationInvalid(message, field=field)


def _username_for(*, phone: str | None, email: str) -> str:
    preferred = phone or email
    if preferred and selectors.username_available(preferred):
        return preferred
    return f"u{secrets.token_hex(6)}"


def account_register(
    *,
    name: str,
    password: str,
    phone: str = "",
    email: str = "",
    wechat_identity_id: int | None = None,
):
    """Create an alumnus account (phone or e-mail + password), binding a pending WeChat if given."""
    check = selectors.account_input_check(name=name, phone=phone, email=email, password=password)
    _raise_first(check)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model(
                username=_username_for(phone=check.phone, email=check.email),
                name=check.name,
                phone=check.phone,
                email=check.email,
            )
            user.set_password(password)
            user.save()
            if wechat_identity_id is not None:
                wechat_identity_bind(identity_id=wechat_identity_id, user=user)
    except IntegrityError as exc:
        # Someone registered the same phone or e-mail between the check and the insert.
        raise RegistrationInvalid("该手机号或邮箱刚刚已被注册，请直接登录", field="phone") from exc
    return user


def account_update(*, user, name: str | None = None, phone: str | None = None, email: str | None = None):
    """Change the user's own name, phone or e-mail (``None`` leaves a field as it is)."""
    check = selectors.account_input_check(
        name=name, phone=phone, email=email, exclude_user_id=user.pk, require_contact=False
    )
    _raise_first(check)
    wanted = {}
    if name is not None:
        wanted["name"] = check.name
    if phone is not None:
        wanted["phone"] = check.phone
    if email is not None:
        wanted["email"] = check.email
    new_phone, new_email = wanted.get("phone", user.phone), wanted.get("email", user.email)
    if not new_phone and not new_email:
        raise RegistrationInvalid(selectors.MSG_CONTACT_REQUIRED, field="phone")
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    if not changed:
        return user
    # A username made from the old phone/e-mail follows the change, so the old value is free
    # for someone else to register and log in with.
    preferred = new_phone or new_email
    if user.username in {user.phone, user.email} and user.username != preferred:
        wanted["username"] = _username_for(phone=new_phone, email=new_email)
        changed.append("username")
    for field in changed:
        setattr(user, field, wanted[field])
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError as exc:
        raise RegistrationInvalid("该手机号或邮箱已被本校其他账号使用", field="phone") from exc
    return user


def auth_token_issue(*, user) -> Token:
    """Return the user's API token (creating it on first login) and record the login time."""
    with transaction.atomic():
        token, _created = Token.objects.get_or_create(user=user)
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
    return token


def auth_token_revoke(*, user) -> None:
    """Delete the user's API token: every device using it is logged out."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()


def wechat_identity_record(
    *,
    app_id: str,
    openid: str,
    kind: str,
    unionid: str = "",
    nickname: str = "",
    avatar_url: str = "",
) -> WeChatIdentity:
    """Remember a WeChat sign-in; auto-bind it when its UnionID already belongs to a user."""
    with transaction.atomic():
        identity, _created = WeChatIdentity.objects.select_for_update().get_or_create(
            app_id=app_id, openid=openid, defaults={"kind": kind}
        )
        identity.kind = kind
        if unionid:
            identity.unionid = unionid
        if nickname:
            identity.nickname = nickname
        if avatar_url:
            identity.avatar_url = avatar_url
        identity.save()
        if identity.user_id is None and identity.unionid:
            owner = selectors.wechat_user_for_unionid(unionid=identity.unionid)
            if (
                owner is not None
                and not selectors.wechat_identities_of(user=owner).filter(app_id=app_id).exists()
            ):
                identity.user = owner
                identity.bound_at = timezone.now()
                identity.save(update_fields=["user", "bound_at"])
    return WeChatIdentity.objects.select_related("user").get(pk=identity.pk)


def wechat_identity_bind(*, identity_id: int, user) -> WeChatIdentity:
    """Bind a WeChat identity to ``user`` (the account they just logged into or registered)."""
    with transaction.atomic():
        identity = WeChatIdentity.objects.select_for_update().filter(pk=identity_id).first()
        if identity is None:
            raise BindTicketInvalid()
        if identity.user_id == user.pk:
            return identity
        if identity.user_id is not None:
            raise WeChatAlreadyBound()
        if selectors.wechat_identities_of(user=user).filter(app_id=identity.app_id).exists():
            raise AccountHasOtherWeChat()
        identity.user = user
        identity.bound_at = timezone.now()
        identity.save(update_fields=["user", "bound_at"])
    return identity


def wechat_ticket_bind(*, ticket: str, user) -> WeChatIdentity:
    """Bind the identity named by a mini-program bind ticket minted at this school."""
    identity_id = bind_ticket_read(ticket, schema=connection.schema_name)
    return wechat_identity_bind(identity_id=identity_id, user=user)


def wechat_identity_unbind(*, identity_id: int, user) -> None:
    """Remove one of the user's own WeChat bindings (the identity row goes too)."""
    with transaction.atomic():
        deleted, _ = WeChatIdentity.objects.filter(pk=identity_id, user=user).delete()
    if not deleted:
        raise NotFound("未找到该微信绑定")


def _masked(values: dict) -> dict:
    secret_fields = {secret for _app, secret in PAIRS}
    return {key: mask_secret(value) if key in secret_fields else value for key, value in values.items()}


def wechat_settings_audit(*, actor, before: dict, instance, ip_address: str | None = None) -> None:
    """Log an admin's change to the WeChat settings (secrets masked in the log)."""
    after = selectors.wechat_settings_values(instance)
    if before == after:
        return
    changed = sorted(key for key in after if before.get(key) != after[key])
    audit_record(
        actor=actor,
        action="wechat_settings.edit",
        target=instance,
        summary="修改微信配置：" + "、".join(str(instance._meta.get_field(k).verbose_name) for k in changed),
        before=_masked(before),
        after=_masked(after),
        ip_address=ip_address,
    )
