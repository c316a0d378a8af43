"""Writes to the school's catalogs: colleges and their former names, majors, custom field
definitions and alumni groups. Every write is audited (who, what, before/after)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from alumni.core.services import audit_record
from alumni.people.errors import RecordInvalid
from alumni.people.models import AlumniGroup, College, CollegeAlias, CustomFieldDefinition, Major, Person
from alumni.people.signals import persons_changed_after_commit

_FIELDS: dict[type[Model], tuple[str, ...]] = {
    College: ("name", "code", "sort_order", "is_active"),
    CollegeAlias: ("college", "name", "used_from", "used_until"),
    Major: ("college", "name", "code"),
    CustomFieldDefinition: (
        "key",
        "label",
        "field_type",
        "choices",
        "required",
        "default_visibility",
        "sort_order",
        "is_active",
    ),
    AlumniGroup: ("name", "description"),
}
_CODES = {
    College: "college",
    CollegeAlias: "college_alias",
    Major: "major",
    CustomFieldDefinition: "custom_field",
    AlumniGroup: "alumni_group",
}


def _snapshot(obj: Model) -> dict[str, Any]:
    data = {}
    for name in _FIELDS[type(obj)]:
        value = getattr(obj, name)
        data[name] = str(value) if isinstance(value, Model) else value
    return data


def _check(obj: Model) -> None:
    if isinstance(obj, CollegeAlias):
        if obj.name.strip() == obj.college.name:
            raise RecordInvalid("曾用名与现名相同", field="name")
        if College.objects.filter(name=obj.name.strip()).exists():
            raise RecordInvalid("这是另一个学院的现名，不能作为曾用名", field="name")
        if obj.used_from and obj.used_until and obj.used_until < obj.used_from:
            raise RecordInvalid("截止年份早于起始年份", field="used_until")
    if isinstance(obj, College) and CollegeAlias.objects.filter(name=obj.name.strip()).exists():
        raise RecordInvalid("该名称已登记为某学院的曾用名", field="name")
    if isinstance(obj, CustomFieldDefinition):
        obj.choices = [str(c).strip() for c in obj.choices or [] if str(c).strip()]
        if obj.field_type == "choice" and not obj.choices:
            raise RecordInvalid("单选字段至少需要一个选项", field="choices")


def catalog_save(*, model: type[Model], actor, instance: Model | None = None, **fields) -> Model:
    """Create (no ``instance``) or change a catalog entry of ``model`` and audit it."""
    unknown = set(fields) - set(_FIELDS[model])
    if unknown:
        raise RecordInvalid(f"未知字段：{', '.join(sorted(unknown))}")
    code = _CODES[model]
    with transaction.atomic():
        if instance is not None:
            obj = model.objects.select_for_update().get(pk=instance.pk)
            before = _snapshot(obj)
        else:
            obj, before = model(), None
        for name, value in fields.items():
            setattr(obj, name, value.strip() if isinstance(value, str) else value)
        _check(obj)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError as exc:
            raise RecordInvalid(f"{model._meta.verbose_name}已存在") from exc
        after = _snapshot(obj)
        if before != after:
            verb = "新建" if before is None else "修改"
            audit_record(
                actor=actor,
                action=f"{code}.{'create' if before is None else 'update'}",
                target=obj,
                summary=f"{verb}{model._meta.verbose_name}「{obj}」",
                before=before,
                after=after,
            )
    return obj


def catalog_delete(*, instance: Model, actor) -> None:
    """Delete a catalog entry; colleges and majors that records still use cannot be deleted."""
    model = type(instance)
    with transaction.atomic():
        if isinstance(instance, (College, Major)) and instance.degrees.exists():
            raise RecordInvalid(f"仍有校友学历使用该{model._meta.verbose_name}，不能删除；可改为停用")
        member_ids = []
        if isinstance(instance, AlumniGroup):
            member_ids = list(instance.members.values_list("pk", flat=True))
        before = _snapshot(instance)
        label = str(instance)
        audit_record(
            actor=actor,
            action=f"{_CODES[model]}.delete",
            target=instance,
            summary=f"删除{model._meta.verbose_name}「{label}」",
            before=before,
            after={},
        )
        instance.delete()
        persons_changed_after_commit(member_ids)


def group_set_members(*, group: AlumniGroup, persons: list[Person], add: bool, actor) -> int:
    """Add persons to (or remove them from) an alumni group; returns how many were touched."""
    with transaction.atomic():
        ids = [p.pk for p in persons]
        if add:
            group.members.add(*ids)
        else:
            group.members.remove(*ids)
        audit_record(
            actor=actor,
            action="alumni_group.members",
            target=group,
            summary=f"{'加入' if add else '移出'}分组「{group.name}」：{len(ids)} 人",
            after={"person_ids": ids, "add": add},
        )
        persons_changed_after_commit(ids)
    return len(ids)
