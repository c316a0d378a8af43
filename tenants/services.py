"""Platform writes: creating, suspending and reactivating schools.

A school is created by cloning the migrated template schema (tables, migration records and
default content) inside one transaction together with its row, its domain and its per-school
setup. PostgreSQL DDL is transactional, so a failure at any step leaves no schema, domain or
row behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.clone import clone_schema
from tenants.errors import OperatorInvalid, ProvisioningFailed, SchoolStateError, TemplateMissing
from tenants.fleet import template_schema
from tenants.models import Domain, OperatorLog, School
from tenants.signals import school_provisioned
from tenants.validation import hostname_for_subdomain, schema_for_subdomain, subdomain_check

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchoolAdmin:
    email: str
    password: str
    name: str = ""
    phone: str = ""
    extra: dict = field(default_factory=dict)


def _log(*, actor, school: School | None, action: str, before=None, after=None, label: str = "") -> None:
    if not label:
        label = "系统" if actor is None else (getattr(actor, "name", "") or actor.get_username())
    if actor is not None and connection.schema_name != get_public_schema_name():
        # A school's own admin: their user row lives in the school's schema, not in public.
        label = f"{label}（{connection.schema_name} 学校管理员）"
        actor = None
    OperatorLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label,
        school=school,
        action=action,
        before=before,
        after=after,
    )


def _snapshot(school: School) -> dict:
    return {"status": school.status, "is_ready": school.is_ready, "suspended_reason": school.suspended_reason}


def school_create(
    *,
    name: str,
    short_name: str,
    subdomain: str,
    admin: SchoolAdmin | None = None,
    actor=None,
    is_demo: bool = False,
    extra_domains: tuple[str, ...] = (),
    actor_label: str = "",
) -> School:
    """Create a school by cloning the template schema, with its domain, site and first admin."""
    subdomain = subdomain_check(subdomain)
    if not schema_exists(template_schema()):
        raise TemplateMissing("模板库不存在，请先运行 `python manage.py migrate`。")
    schema = schema_for_subdomain(subdomain)
    hostname = hostname_for_subdomain(subdomain)
    try:
        with transaction.atomic():
            school = School.objects.create(
                schema_name=schema,
                name=name.strip(),
                short_name=short_name.strip(),
                subdomain=subdomain,
                admin_email=admin.email if admin else "",
                is_demo=is_demo,
                status=School.Status.PROVISIONING,
            )
            clone_schema(template_schema(), schema)
            Domain.objects.create(domain=hostname, tenant=school, is_primary=True)
            for extra in extra_domains:
                Domain.objects.create(domain=extra, tenant=school, is_primary=False)
            with schema_context(schema):
                connection.tenant = school
                if admin is not None:
                    _school_admin_create(admin)
                school_provisioned.send(
                    sender=School,
                    school=school,
                    hostname=hostname,
                    admin=admin,
                )
            school.status = School.Status.ACTIVE
            school.is_ready = True
            school.save(update_fields=["status", "is_ready", "updated_at"])
            _log(
                actor=actor,
                school=school,
                action="school_create",
                after={"subdomain": subdomain, "name": name},
                label=actor_label,
            )
    except (ProvisioningFailed, TemplateMissing):
        raise
    except Exception as exc:  # anything else is a provisioning failure; the transaction rolled back
        logger.exception("Provisioning %s failed", subdomain)
        raise ProvisioningFailed(f"学校开通失败：{exc}") from exc
    finally:
        connection.set_schema_to_public()
    return school


def _school_admin_create(admin: SchoolAdmin):
    user_model = get_user_model()
    user = user_model(
        username=admin.email.lower(),
        email=admin.email.lower(),
        name=admin.name,
        phone=admin.phone or None,
        is_staff=True,
        is_superuser=True,
    )
    user.set_password(admin.password)
    user.save()
    return user


def _school_status_change(
    *, school: School, expected: str, status: str, reason: str, action: str, refusal: str, actor
) -> School:
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        if school.status != expected:
            raise SchoolStateError(
                refusal.format(subdomain=school.subdomain, status=school.get_status_display())
            )
        before = _snapshot(school)
        school.status = status
        school.is_ready = status == School.Status.ACTIVE
        school.suspended_reason = reason[:200]
        school.save(update_fields=["status", "is_ready", "suspended_reason", "updated_at"])
        _log(actor=actor, school=school, action=action, before=before, after=_snapshot(school))
    return school


def school_suspend(*, school: School, reason: str = "", actor=None) -> School:
    """Suspend a school: its hosts answer with a notice and periodic jobs skip it."""
    return _school_status_change(
        school=school,
        expected=School.Status.ACTIVE,
        status=School.Status.SUSPENDED,
        reason=reason,
        action="school_suspend",
        refusal="只能停用正常运行的学校（{subdomain} 当前为「{status}」）。",
        actor=actor,
    )


def school_reactivate(*, school: School, actor=None) -> School:
    """Bring a suspended school back online."""
    return _school_status_change(
        school=school,
        expected=School.Status.SUSPENDED,
        status=School.Status.ACTIVE,
        reason="",
        action="school_reactivate",
        refusal="只能恢复已停用的学校（{subdomain} 当前为「{status}」）。",
        actor=actor,
    )


def school_url(school: School, path: str = "/") -> str:
    domain = school.get_primary_domain()
    host = domain.domain if domain else hostname_for_subdomain(school.subdomain)
    return host_url(host, path)


def platform_url(path: str = "/") -> str:
    """Absolute URL on the platform domain (for links from a school's host back to the platform)."""
    return host_url(settings.PLATFORM_DOMAIN, path)


def host_url(host: str, path: str = "/") -> str:
    """Absolute URL for a hostname, with the platform's scheme and port."""
    port = settings.PLATFORM_PORT
    default_port = {"http": "80", "https": "443"}.get(settings.PLATFORM_SCHEME)
    netloc = host if not port or port == default_port else f"{host}:{port}"
    return f"{settings.PLATFORM_SCHEME}://{netloc}{path}"


def operator_save(*, email: str, password: str, name: str = "", actor=None, actor_label: str = ""):
    """Create or update a platform operator: a staff superuser in the public schema."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise OperatorInvalid("邮箱格式不正确。", field="email") from exc
    user_model = get_user_model()
    with schema_context(get_public_schema_name()), transaction.atomic():
        user = (
            user_model._default_manager.filter(Q(email__iexact=email) | Q(username=email))
            .order_by("pk")
            .first()
        )
        created = user is None
        if created:
            user = user_model(username=email, email=email)
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise OperatorInvalid(" ".join(exc.messages), field="password") from exc
        if name:
            user.name = name
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        _log(
            actor=actor,
            school=None,
            action="operator_create" if created else "operator_update",
            after={"email": email, "name": user.name},
            label=actor_label,
        )
    return user, created


PROFILE_FIELDS = ("name", "short_name", "primary_color", "contact_phone", "admin_email")


def school_profile_update(
    *, school: School, actor=None, logo=None, clear_logo: bool = False, **changes
) -> School:
    """Change a school's public profile (name, short name, colour, contact, logo)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        before = {name: getattr(school, name) for name in PROFILE_FIELDS} | {"logo": school.logo.name}
        for name, value in changes.items():
            setattr(school, name, value)
        old_logo = school.logo.name
        if clear_logo:
            school.logo = None
        if logo is not None:
            school.logo.save(logo.name, logo, save=False)
        school.save()
        after = {name: getattr(school, name) for name in PROFILE_FIELDS} | {"logo": school.logo.name}
        _log(actor=actor, school=school, action="school_profile_update", before=before, after=after)
        if old_logo and old_logo != school.logo.name:
            storage = School._meta.get_field("logo").storage
            transaction.on_commit(lambda: storage.delete(old_logo))
    return school
