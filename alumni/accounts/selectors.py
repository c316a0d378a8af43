"""Account reads: registration checks, WeChat identities and the school's WeChat settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet

from alumni.accounts.models import WeChatIdentity, WeChatSettings
from alumni.accounts.setting_forms import PAIRS
from tenants.users.phones import normalize_phone

MSG_CONTACT_REQUIRED = "请填写手机号或邮箱（至少一项）"
MSG_PHONE_INVALID = "请输入正确的 11 位手机号"
MSG_PHONE_TAKEN = "该手机号已在本校注册，请直接登录"
MSG_EMAIL_INVALID = "请输入正确的邮箱地址"
MSG_EMAIL_TAKEN = "该邮箱已在本校注册，请直接登录"
MSG_NAME_REQUIRED = "请填写姓名"


@dataclass
class AccountInput:
    """Normalised account fields plus every problem found, keyed by field name."""

    name: str = ""
    phone: str | None = None
    email: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.problems.setdefault(name, []).append(message)

    @property
    def first_problem(self) -> tuple[str, str] | None:
        for name, messages in self.problems.items():
            return name, messages[0]
        return None


def account_input_check(
    *,
    name: str | None,
    phone: str | None,
    email: str | None,
    password: str | None = None,
    exclude_user_id: int | None = None,
    require_contact: bool = True,
) -> AccountInput:
    """Normalise name/phone/e-mail (and check the password) the way registration needs them.

    ``None`` means "not given" (a partial update); an empty string clears the field.
    """
    user_model = get_user_model()
    others = user_model._default_manager.all()
    if exclude_user_id is not None:
        others = others.exclude(pk=exclude_user_id)
    result = AccountInput()
    if name is not None:
        result.name = name.strip()[:60]
        if not result.name:
            result.add("name", MSG_NAME_REQUIRED)
    raw_phone = (phone or "").strip()
    raw_email = (email or "").strip()
    if phone is not None and raw_phone:
        result.phone = normalize_phone(raw_phone)
        if result.phone is None:
            result.add("phone", MSG_PHONE_INVALID)
        elif others.filter(phone=result.phone).exists():
            result.add("phone", MSG_PHONE_TAKEN)
    if email is not None and raw_email:
        result.email = raw_email.lower()
        try:
            validate_email(result.email)
        except ValidationError:
            result.add("email", MSG_EMAIL_INVALID)
        else:
            if others.filter(email__iexact=result.email).exists():
                result.add("email", MSG_EMAIL_TAKEN)
    if require_contact and not raw_phone and not raw_email:
        result.add("phone", MSG_CONTACT_REQUIRED)
    if password is not None:
        probe = user_model(username=result.phone or result.email, name=result.name, email=result.email)
        try:
            password_validation.validate_password(password, user=probe)
        except ValidationError as exc:
            for message in exc.messages:
                result.add("password", message)
    return result


def username_available(username: str) -> bool:
    return not get_user_model()._default_manager.filter(username=username).exists()


def wechat_settings() -> WeChatSettings:
    """The current school's WeChat settings; an empty unsaved one until an admin saves them."""
    return WeChatSettings.base_queryset().first() or WeChatSettings()


def wechat_settings_values(instance: WeChatSettings) -> dict:
    """The AppIDs and secrets as stored (for change detection; never shown to anyone)."""
    return {name: getattr(instance, name) for pair in PAIRS for name in pair}


def wechat_identity_by_id(identity_id: int) -> WeChatIdentity | None:
    return WeChatIdentity.objects.select_related("user").filter(pk=identity_id).first()


def wechat_user_for_unionid(*, unionid: str):
    """The user already bound to this UnionID through another of the school's apps, if any."""
    if not unionid:
        return None
    identity = (
        WeChatIdentity.objects.select_related("user")
        .filter(unionid=unionid, user__isnull=False, user__is_active=True)
        .order_by("bound_at", "pk")
        .first()
    )
    return identity.user if identity else None


def wechat_identities_of(*, user) -> QuerySet[WeChatIdentity]:
    return WeChatIdentity.objects.filter(user=user).order_by("kind", "pk")
