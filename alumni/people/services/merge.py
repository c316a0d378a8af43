"""Merging two records of one person (duplicates) into a survivor.

The admin picks the surviving value per field; degrees, account links, claims, card exchanges
and group memberships all move to the survivor (identical degrees once); phones, e-mails and tags
are unioned. The other record stays as a tombstone (``merged_into`` = survivor) so its public id
still resolves, but it no longer carries phones, e-mails or an ID digest that lookups could find.
Both rows are locked in id order, so two admins merging the same pair at once cannot interleave:
the second sees the pair already merged and gets ``MergeInvalid``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alumni.core.services import audit_record
from alumni.people.errors import MergeInvalid
from alumni.people.models import AccountLink, CardExchange, Claim, Degree, DuplicateDismissal, Person
from alumni.people.pinyin import name_initials, name_pinyin
from alumni.people.signals import persons_changed_after_commit

# Fields whose surviving value the admin picks ("survivor" or "other"); a field left unchosen
# keeps the survivor's value, or the other's when the survivor's is empty.
CHOOSABLE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "wechat_id",
    "province",
    "city",
    "company",
    "title",
    "industry",
    "photo",
    "verification",
    "source",
    "note",
)
UNION_FIELDS = ("phones", "emails", "tags")
# birth_date carries its precision along; id_number is three stored columns.
_COLUMNS = {
    "birth_date": ("birth_date", "birth_date_precision"),
    "id_number": ("id_number_digest", "id_number_cipher", "id_number_masked"),
}
_CARD_RANK = {
    CardExchange.Status.ACCEPTED: 3,
    CardExchange.Status.PENDING: 2,
    CardExchange.Status.DECLINED: 1,
}


def merge_snapshot(person: Person) -> dict[str, Any]:
    """The record as the audit log keeps it (ID number masked)."""
    return {
        "id": person.pk,
        "public_id": person.public_id,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "id_number": person.id_number_masked,
        "phones": list(person.phones),
        "emails": list(person.emails),
        "wechat_id": person.wechat_id,
        "province": person.province,
        "city": person.city,
        "company": person.company,
        "title": person.title,
        "industry": person.industry,
        "tags": list(person.tags),
        "is_vip": person.is_vip,
        "verification": person.verification,
        "source": person.source,
        "note": person.note,
        "custom_fields": dict(person.custom_fields),
        "degrees": [str(d) for d in person.degrees.all()],
    }


def _is_empty(person: Person, field: str) -> bool:
    if field == "id_number":
        return not person.id_number_digest
    value = getattr(person, field)
    return value in (None, "") or (field == "photo" and not value)


def _union(first: list, second: list) -> list:
    return list(dict.fromkeys([*first, *second]))


def _degree_key(degree: Degree) -> tuple:
    return (degree.level, degree.college_id, degree.enrollment_year, degree.graduation_year)


def _merge_degrees(survivor: Person, other: Person) -> None:
    """Move the other's degrees over; one that is the same degree (level, college, years, and
    student numbers that do not disagree) fills the blanks of the survivor's instead."""
    kept = list(survivor.degrees.all())
    for degree in other.degrees.all():
        twin = next(
            (
                k
                for k in kept
                if _degree_key(k) == _degree_key(degree)
                and (
                    not k.student_number
                    or not degree.student_number
                    or k.student_number == degree.student_number
                )
            ),
            None,
        )
        if twin is None:
            degree.person = survivor
            degree.save(update_fields=["person", "updated_at"])
            kept.append(degree)
            continue
        changed = []
        for name in ("major", "major_name", "class_name", "student_number", "college_name_raw"):
            if not getattr(twin, name) and getattr(degree, name):
                setattr(twin, name, getattr(degree, name))
                changed.append(name)
        if changed:
            twin.save(update_fields=[*changed, "updated_at"])
        degree.delete()


def _merge_card_exchanges(survivor: Person, other: Person) -> None:
    """Re-point the other's exchanges; drop the ones with the survivor itself, and when both had
    one with the same alumnus keep the more advanced (accepted > pending > declined)."""
    for field, counter in (("requester", "recipient"), ("recipient", "requester")):
        for card in CardExchange.objects.filter(**{field: other}):
            counterpart_id = getattr(card, f"{counter}_id")
            if counterpart_id == survivor.pk:
                card.delete()
                continue
            existing = CardExchange.objects.filter(
                **{field: survivor, f"{counter}_id": counterpart_id}
            ).first()
            if existing is not None:
                if _CARD_RANK[card.status] > _CARD_RANK[existing.status]:
                    existing.delete()
                else:
                    card.delete()
                    continue
            setattr(card, field, survivor)
            card.save(update_fields=[field])


def person_merge(*, survivor: Person, other: Person, field_choices: dict, actor) -> Person:
    """Merge ``other`` into ``survivor`` with the chosen field values; ``other`` becomes a tombstone."""
    if survivor.pk == other.pk:
        raise MergeInvalid("不能把档案与自身合并")
    bad = {
        f
        for f, side in field_choices.items()
        if f not in CHOOSABLE_FIELDS or side not in ("survivor", "other")
    }
    if bad:
        raise MergeInvalid(f"无效的合并选项：{', '.join(sorted(bad))}")
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk]).order_by("pk")
        }
        if len(locked) != 2:
            raise MergeInvalid("档案不存在")
        survivor, other = locked[survivor.pk], locked[other.pk]
        if survivor.merged_into_id or other.merged_into_id:
            raise MergeInvalid("其中一条档案已被合并，请刷新后再试")
        before = {"survivor": merge_snapshot(survivor), "other": merge_snapshot(other)}

        for field in CHOOSABLE_FIELDS:
            side = field_choices.get(field)
            take_other = side == "other" or (
                side is None and _is_empty(survivor, field) and not _is_empty(other, field)
            )
            if take_other:
                for column in _COLUMNS.get(field, (field,)):
                    setattr(survivor, column, getattr(other, column))
        for field in UNION_FIELDS:
            setattr(survivor, field, _union(getattr(survivor, field), getattr(other, field)))
        survivor.is_vip = survivor.is_vip or other.is_vip
        survivor.custom_fields = {**other.custom_fields, **survivor.custom_fields}
        survivor.privacy = {**other.privacy, **survivor.privacy}
        survivor.name = survivor.name.strip()
        survivor.name_pinyin = name_pinyin(survivor.name)
        survivor.name_initials = name_initials(survivor.name)
        survivor.save()

        _merge_degrees(survivor, other)
        survivor.groups.add(*other.groups.all())
        AccountLink.objects.filter(person=other).update(person=survivor)
        Claim.objects.filter(person=other).update(person=survivor)
        _merge_card_exchanges(survivor, other)
        # Records merged into the other earlier now point straight at the survivor.
        Person.objects.filter(merged_into=other).update(merged_into=survivor)

        other.merged_into = survivor
        other.phones, other.emails = [], []
        other.id_number_digest = ""
        other.save()
        other.groups.clear()

        audit_record(
            actor=actor,
            action="person.merge",
            target=survivor,
            summary=f"合并档案：「{other.name}」({other.public_id}) 并入「{survivor.name}」({survivor.public_id})",
            before=before,
            after={"survivor": merge_snapshot(survivor), "choices": dict(field_choices)},
        )
        persons_changed_after_commit([survivor.pk, other.pk])
    return survivor


def duplicate_dismiss(*, first: Person, second: Person, actor) -> DuplicateDismissal:
    """An admin says the two records are different people: never suggest the pair again."""
    if first.pk == second.pk:
        raise MergeInvalid("同一条档案")
    low, high = sorted([first, second], key=lambda p: p.pk)
    with transaction.atomic():
        dismissal, created = DuplicateDismissal.objects.get_or_create(
            first=low, second=high, defaults={"dismissed_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="person.not_duplicate",
                target=low,
                summary=f"标记「{low.name}」({low.public_id}) 与「{high.name}」({high.public_id}) 不是同一人",
            )
    return dismissal
