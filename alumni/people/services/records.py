"""Writes to alumni records one person at a time: create, update, degrees, privacy.

Every write runs in a transaction, records an audit entry when an admin made it, keeps the
derived name fields (pinyin, initials) and the ID-number digest/cipher/mask in step, and tells
the search index after commit. Bulk imports use ``alumni.people.services.imports`` instead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection, transaction

from alumni.core.services import audit_record
from alumni.people.choices import PRIVACY_DEFAULTS, RecordSource, Verification, Visibility
from alumni.people.errors import PlanLimitReached, RecordInvalid
from alumni.people.models import Degree, Person
from alumni.people.pinyin import name_initials, name_pinyin
from alumni.people.signals import persons_changed_after_commit
from billing.subscriptions.selectors import plan_limits

# Fields a caller may set through person_create / person_update (besides id_number).
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "birth_date_precision",
    "phones",
    "emails",
    "wechat_id",
    "province",
    "city",
    "company",
    "title",
    "industry",
    "tags",
    "is_vip",
    "verification",
    "source",
    "note",
    "custom_fields",
    "privacy",
)
# Fields an alumnus may change on their own record (the office owns the rest).
SELF_EDITABLE_FIELDS = ("phones", "emails", "wechat_id", "province", "city", "company", "title", "industry")
DEGREE_FIELDS = (
    "level",
    "college",
    "college_name_raw",
    "major",
    "major_name",
    "class_name",
    "student_number",
    "enrollment_year",
    "graduation_year",
    "source",
)


def _snapshot(person: Person) -> dict[str, Any]:
    data = {name: getattr(person, name) for name in PERSON_FIELDS}
    data["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    data["id_number"] = person.id_number_masked
    return data


def _apply(person: Person, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(PERSON_FIELDS) - {"id_number"}
    if unknown:
        raise RecordInvalid(f"未知字段：{', '.join(sorted(unknown))}")
    if "id_number" in changes:
        person.set_id_number(changes.pop("id_number") or "")
    for name, value in changes.items():
        setattr(person, name, value)
    person.name = (person.name or "").strip()
    if not person.name:
        raise RecordInvalid("姓名不能为空", field="name")
    person.name_pinyin = name_pinyin(person.name)
    person.name_initials = name_initials(person.name)


# Within this many records of the limit, creates serialize on a per-school lock so that two
# admins cannot both take the last free record; far from it they never wait for each other.
_ROOM_LOCK_MARGIN = 50


def person_room_excess(*, adding: int, lock: bool = False) -> tuple[int, int | None, str]:
    """How many of ``adding`` new records would pass the plan's limit: (excess, limit, plan name)."""
    limits = plan_limits(connection.schema_name)
    if limits.max_alumni is None or adding <= 0:
        return 0, limits.max_alumni, limits.plan_name
    active = Person.objects.filter(merged_into__isnull=True)
    current = active.count()
    if lock and current + adding > limits.max_alumni - _ROOM_LOCK_MARGIN:
        # Held until the caller's transaction ends; the recount then sees every committed create.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"people.room:{connection.schema_name}"]
            )
        current = active.count()
    return max(0, current + adding - limits.max_alumni), limits.max_alumni, limits.plan_name


def person_room_check(*, adding: int = 1, lock: bool = False) -> None:
    """Refuse (code ``plan_limit``) when ``adding`` new records would pass the school's plan limit.

    With ``lock`` (inside the caller's transaction) concurrent creates near the limit serialize.
    """
    excess, limit, plan = person_room_excess(adding=adding, lock=lock)
    if excess:
        raise PlanLimitReached(
            f"已达到当前套餐（{plan}）的校友档案上限 {limit:,} 条，请升级套餐后再新建。"
            if adding == 1
            else f"将新建 {adding:,} 条档案，超出当前套餐（{plan}）的校友档案上限 {limit:,} 条共 {excess:,} 条；"
            f"请升级套餐或减少导入的新校友。"
        )


def person_create(*, actor=None, degrees: list[dict] | None = None, **fields) -> Person:
    """Create a person (with optional degrees) and audit it when an admin did it."""
    with transaction.atomic():
        person_room_check(adding=1, lock=True)
        person = Person(source=fields.pop("source", RecordSource.ADMIN))
        _apply(person, fields)
        person.save()
        for degree in degrees or []:
            _degree_save(Degree(person=person), degree)
        if actor is not None:
            audit_record(
                actor=actor,
                action="person.create",
                target=person,
                summary=f"新建校友档案「{person.name}」",
                after=_snapshot(person),
            )
        persons_changed_after_commit([person.pk])
    return person


def person_update(*, person: Person, actor=None, by_self: bool = False, **changes) -> Person:
    """Change a person's fields; an alumnus editing their own record may touch only contact data."""
    if by_self:
        forbidden = set(changes) - set(SELF_EDITABLE_FIELDS)
        if forbidden:
            raise RecordInvalid(f"这些信息由校友办维护，不能自行修改：{', '.join(sorted(forbidden))}")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = _snapshot(person)
        _apply(person, dict(changes))
        person.save()
        after = _snapshot(person)
        if before != after:
            audit_record(
                actor=actor,
                action="person.self_update" if by_self else "person.update",
                target=person,
                summary=f"{'校友本人' if by_self else ''}修改档案「{person.name}」",
                before={k: v for k, v in before.items() if before[k] != after[k]},
                after={k: v for k, v in after.items() if before[k] != after[k]},
            )
        persons_changed_after_commit([person.pk])
    return person


def person_set_privacy(*, person: Person, choices: dict[str, str]) -> Person:
    """The alumnus chooses who sees each of their fields (everyone / alumni / my chapters / nobody)."""
    allowed = set(PRIVACY_DEFAULTS)
    valid = set(Visibility.values)
    bad = {field for field, value in choices.items() if field not in allowed or value not in valid}
    if bad:
        raise RecordInvalid(f"无效的隐私设置：{', '.join(sorted(bad))}")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        person.privacy = {**person.privacy, **choices}
        person.save(update_fields=["privacy", "updated_at"])
        persons_changed_after_commit([person.pk])
    return person


def _degree_save(degree: Degree, fields: dict[str, Any]) -> Degree:
    unknown = set(fields) - set(DEGREE_FIELDS)
    if unknown:
        raise RecordInvalid(f"未知字段：{', '.join(sorted(unknown))}")
    for name in ("college", "major"):
        if isinstance(fields.get(name), str):
            raise RecordInvalid(f"{name} 需传入目录中的对象，而不是名称", field=name)
    for name, value in fields.items():
        setattr(degree, name, value)
    if degree.major and not degree.major_name:
        degree.major_name = degree.major.name
    if degree.enrollment_year and degree.graduation_year and degree.graduation_year < degree.enrollment_year:
        raise RecordInvalid("毕业年份早于入学年份", field="graduation_year")
    this_year = date.today().year
    for name in ("enrollment_year", "graduation_year"):
        year = getattr(degree, name)
        if year is not None and not 1900 <= year <= this_year + 10:
            raise RecordInvalid(f"年份不合理：{year}", field=name)
    degree.save()
    return degree


def degree_add(*, person: Person, actor=None, **fields) -> Degree:
    """Add a degree to a person (self-reported ones are marked as such)."""
    with transaction.atomic():
        degree = _degree_save(Degree(person=person), fields)
        if actor is not None:
            audit_record(
                actor=actor,
                action="degree.create",
                target=person,
                summary=f"为「{person.name}」添加学历：{degree}",
            )
        persons_changed_after_commit([person.pk])
    return degree


def degree_update(*, degree: Degree, actor=None, **fields) -> Degree:
    """Change a degree."""
    with transaction.atomic():
        degree = Degree.objects.select_for_update().get(pk=degree.pk)
        before = str(degree)
        degree = _degree_save(degree, fields)
        if actor is not None:
            audit_record(
                actor=actor,
                action="degree.update",
                target=degree.person,
                summary=f"修改「{degree.person.name}」的学历",
                before={"degree": before},
                after={"degree": str(degree)},
            )
        persons_changed_after_commit([degree.person_id])
    return degree


def degree_remove(*, degree: Degree, actor=None) -> None:
    """Remove a degree from a person."""
    with transaction.atomic():
        person = degree.person
        summary = str(degree)
        degree.delete()
        if actor is not None:
            audit_record(
                actor=actor,
                action="degree.delete",
                target=person,
                summary=f"删除「{person.name}」的学历：{summary}",
            )
        persons_changed_after_commit([person.pk])


def person_mark_verified(*, person: Person) -> Person:
    """An official record was claimed and matched: it is now verified."""
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(verification=Verification.VERIFIED)
        person.refresh_from_db()
        persons_changed_after_commit([person.pk])
    return person


__all__ = [
    "DEGREE_FIELDS",
    "PERSON_FIELDS",
    "SELF_EDITABLE_FIELDS",
    "degree_add",
    "degree_remove",
    "degree_update",
    "person_create",
    "person_mark_verified",
    "person_room_check",
    "person_room_excess",
    "person_set_privacy",
    "person_update",
]
