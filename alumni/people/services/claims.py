"""Registration claims: an account says which alumnus it is; the school's records decide.

- ``claim_submit``: exactly one matching official record that no account is linked to yet →
  the account is linked and the record verified at once. Zero matches, several, or a match that
  already belongs to another account (never link one record to two accounts automatically) →
  the claim waits in the review queue with the matches stored as candidates.
- ``claim_approve`` / ``claim_create_person`` / ``claim_reject``: an admin's decision.

Safety: one pending claim per account (a partial unique constraint, and the user row is locked
while a claim is submitted, so a double tap cannot create two); decisions lock the claim row,
so when two admins decide the same claim at once exactly one wins and the other gets
``ClaimDecided``. Every step writes an audit entry.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.people.choices import DegreeLevel, RecordSource, Verification
from alumni.people.errors import AlreadyVerified, ClaimDecided, ClaimInvalid, ClaimPending, RecordInvalid
from alumni.people.models import AccountLink, Claim, College, Person
from alumni.people.selectors.claims import claim_matches, college_resolve
from alumni.people.services.records import person_create, person_mark_verified

# Optional details an alumnus may add to help the reviewer (kept in Claim.details).
DETAIL_FIELDS = ("college_name", "major_name", "class_name", "graduation_year", "note")


def _clean_year(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ClaimInvalid("请输入四位数年份", field=field) from None
    if not 1900 <= year <= timezone.localdate().year + 1:
        raise ClaimInvalid(f"年份不合理：{year}", field=field)
    return year


def _clean(method: str, data: dict) -> dict:
    """Normalise and check the claim input; raise ClaimInvalid naming the first bad field."""
    if method not in Claim.Method.values:
        raise ClaimInvalid("请选择认证方式", field="method")
    unknown = (
        set(data)
        - {"name", "student_number", "enrollment_year", "college", "birth_date", "level"}
        - set(DETAIL_FIELDS)
    )
    if unknown:
        raise ClaimInvalid(f"未知字段：{', '.join(sorted(unknown))}")
    name = "".join((data.get("name") or "").split())
    if not name:
        raise ClaimInvalid("请填写姓名", field="name")
    level = data.get("level") or ""
    if level and level not in DegreeLevel.values:
        raise ClaimInvalid("请选择学历层次", field="level")
    college = data.get("college")
    if isinstance(college, int | str) and str(college).isdigit():
        college = College.objects.filter(pk=int(college)).first()
    college_name = (data.get("college_name") or "").strip()
    if college is None and college_name:
        college = college_resolve(college_name)
    birth_date = data.get("birth_date")
    if birth_date and not isinstance(birth_date, date):
        raise ClaimInvalid("出生日期格式应为 YYYY-MM-DD", field="birth_date")
    if birth_date and birth_date > timezone.localdate():
        raise ClaimInvalid("出生日期不能晚于今天", field="birth_date")
    cleaned = {
        "name": name,
        "student_number": "".join((data.get("student_number") or "").split()),
        "enrollment_year": _clean_year(data.get("enrollment_year"), "enrollment_year"),
        "college": college if isinstance(college, College) else None,
        "college_name": college_name,
        "birth_date": birth_date or None,
        "level": level,
        "graduation_year": _clean_year(data.get("graduation_year"), "graduation_year"),
    }
    if method == Claim.Method.STUDENT_NUMBER and not cleaned["student_number"]:
        raise ClaimInvalid("请填写学号", field="student_number")
    if method == Claim.Method.PROFILE:
        if not cleaned["enrollment_year"]:
            raise ClaimInvalid("请填写入学年份", field="enrollment_year")
        if not (cleaned["college"] or college_name):
            raise ClaimInvalid("请填写学院（现名或曾用名均可）", field="college")
        if not cleaned["birth_date"]:
            raise ClaimInvalid("请填写出生日期", field="birth_date")
    details = {key: data.get(key) for key in DETAIL_FIELDS if data.get(key) not in (None, "")}
    if cleaned["graduation_year"]:
        details["graduation_year"] = cleaned["graduation_year"]
    cleaned["details"] = details
    return cleaned


def _link(*, user, person: Person) -> None:
    if AccountLink.objects.filter(user=user).exists():
        raise AlreadyVerified()
    AccountLink.objects.create(user=user, person=person)
    if person.verification != Verification.VERIFIED:
        person_mark_verified(person=person)


def claim_submit(*, user, method: str, **data) -> Claim:
    """An account claims a record: verified at once on exactly one free match, else queued."""
    if user is None or not user.is_authenticated:
        raise ClaimInvalid("请先登录")
    cleaned = _clean(method, data)
    with transaction.atomic():
        # Serialise one account's submissions (double taps, two devices).
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if AccountLink.objects.filter(user=user).exists():
            raise AlreadyVerified()
        if Claim.objects.filter(user=user, status=Claim.Status.PENDING).exists():
            raise ClaimPending()
        matches = claim_matches(
            method=method,
            name=cleaned["name"],
            student_number=cleaned["student_number"],
            enrollment_year=cleaned["enrollment_year"],
            college=cleaned["college"],
            college_name=cleaned["college_name"],
            birth_date=cleaned["birth_date"],
        )
        claim = Claim(
            user=user,
            method=method,
            name=cleaned["name"],
            student_number=cleaned["student_number"],
            enrollment_year=cleaned["enrollment_year"],
            college=cleaned["college"],
            birth_date=cleaned["birth_date"],
            level=cleaned["level"],
            details=cleaned["details"],
            candidates=[person.pk for person in matches],
        )
        if len(matches) == 1:
            # Lock the record so two accounts claiming it at once cannot both be linked.
            person = Person.objects.select_for_update().get(pk=matches[0].pk)
            if not person.accounts.exists():
                _link(user=user, person=person)
                claim.status = Claim.Status.APPROVED
                claim.person = person
                claim.decided_at = timezone.now()
                claim.save()
                audit_record(
                    actor=user,
                    action="claim.auto_verify",
                    target=claim,
                    summary=f"「{claim.name}」自动认证通过，关联档案 {person.public_id}",
                )
                return claim
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            raise ClaimPending() from None
        audit_record(
            actor=user,
            action="claim.submit",
            target=claim,
            summary=f"「{claim.name}」提交校友认证，匹配到 {len(matches)} 条档案，待审核",
        )
    return claim


def _lock_pending(claim: Claim) -> Claim:
    claim = Claim.objects.select_for_update().select_related("user").get(pk=claim.pk)
    if claim.status != Claim.Status.PENDING:
        raise ClaimDecided(f"该申请已被处理（{claim.get_status_display()}），请刷新")
    return claim


def _decide(claim: Claim, *, status: str, actor, person: Person | None = None, reason: str = "") -> None:
    claim.status = status
    claim.person = person
    claim.reviewer = actor if getattr(actor, "pk", None) else None
    claim.reject_reason = reason
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "person", "reviewer", "reject_reason", "decided_at"])


def claim_approve(*, claim: Claim, person: Person, actor) -> Claim:
    """An admin links the claiming account to an existing record (and verifies the record)."""
    with transaction.atomic():
        claim = _lock_pending(claim)
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.merged_into_id:
            raise RecordInvalid("该档案已合并到其他档案，请选择合并后的档案")
        _link(user=claim.user, person=person)
        _decide(claim, status=Claim.Status.APPROVED, actor=actor, person=person)
        audit_record(
            actor=actor,
            action="claim.approve",
            target=claim,
            summary=f"通过「{claim.name}」的校友认证，关联档案 {person.public_id}",
            after={"person": person.public_id, "user": claim.user.get_username()},
        )
    return claim


def claim_create_person(*, claim: Claim, actor) -> Claim:
    """An admin creates a new record from the claim's data and links the account to it."""
    with transaction.atomic():
        claim = _lock_pending(claim)
        if AccountLink.objects.filter(user=claim.user).exists():
            raise AlreadyVerified("该账号已关联其他档案")
        details = claim.details or {}
        degree = {
            "level": claim.level or DegreeLevel.BACHELOR,
            "college": claim.college,
            "college_name_raw": details.get("college_name", "")
            or (claim.college.name if claim.college else ""),
            "major_name": details.get("major_name", ""),
            "class_name": details.get("class_name", ""),
            "student_number": claim.student_number,
            "enrollment_year": claim.enrollment_year,
            "graduation_year": details.get("graduation_year"),
            "source": RecordSource.SELF,
        }
        has_degree = any(
            degree[k] for k in ("college", "college_name_raw", "student_number", "enrollment_year")
        )
        user = claim.user
        person = person_create(
            actor=actor,
            name=claim.name,
            birth_date=claim.birth_date,
            phones=[user.phone] if user.phone else [],
            emails=[user.email] if user.email else [],
            source=RecordSource.SELF,
            verification=Verification.VERIFIED,
            degrees=[degree] if has_degree else [],
        )
        AccountLink.objects.create(user=user, person=person)
        _decide(claim, status=Claim.Status.APPROVED, actor=actor, person=person)
        audit_record(
            actor=actor,
            action="claim.create_person",
            target=claim,
            summary=f"通过「{claim.name}」的校友认证并新建档案 {person.public_id}",
            after={"person": person.public_id, "user": user.get_username()},
        )
    return claim


def claim_reject(*, claim: Claim, reason: str, actor) -> Claim:
    """An admin rejects a claim with a reason the alumnus will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ClaimInvalid("请填写驳回原因（校友会看到）", field="reason")
    if len(reason) > 200:
        raise ClaimInvalid("驳回原因不超过 200 字", field="reason")
    with transaction.atomic():
        claim = _lock_pending(claim)
        _decide(claim, status=Claim.Status.REJECTED, actor=actor, reason=reason)
        audit_record(
            actor=actor,
            action="claim.reject",
            target=claim,
            summary=f"驳回「{claim.name}」的校友认证：{reason}",
        )
    return claim


__all__ = ["claim_approve", "claim_create_person", "claim_reject", "claim_submit"]
