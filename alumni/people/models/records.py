"""Alumni records: a Person holds several Degrees; catalogs of colleges (with former names) and
majors; custom field definitions; claims of records by accounts; business-card exchanges."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alumni.core.pii import mask_id_number, pii_decrypt, pii_digest, pii_encrypt
from alumni.people.choices import (
    PRIVACY_DEFAULTS,
    CustomFieldType,
    DatePrecision,
    DegreeLevel,
    Gender,
    RecordSource,
    Verification,
    Visibility,
)

_PUBLIC_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: read aloud and typed by hand


def new_public_id() -> str:
    """An opaque id for URLs and QR codes (never a student or ID number): 12 chars, 60 bits."""
    return "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(12))


class College(models.Model):
    """A college (学院) as it is called today; ``aliases`` holds its former and informal names."""

    name = models.CharField(_("学院名称"), max_length=80, unique=True)
    code = models.CharField(_("代码"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("学院")
        verbose_name_plural = _("学院")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CollegeAlias(models.Model):
    """A former or informal name (计算机系 → 计算机科学与技术学院), with the years it was used."""

    college = models.ForeignKey(
        College, verbose_name=_("学院"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("曾用名"), max_length=80, unique=True)
    used_from = models.PositiveSmallIntegerField(_("起始年份"), null=True, blank=True)
    used_until = models.PositiveSmallIntegerField(_("截止年份"), null=True, blank=True)

    class Meta:
        verbose_name = _("学院曾用名")
        verbose_name_plural = _("学院曾用名")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.college.name}"


class Major(models.Model):
    college = models.ForeignKey(
        College, verbose_name=_("学院"), on_delete=models.CASCADE, related_name="majors"
    )
    name = models.CharField(_("专业名称"), max_length=80)
    code = models.CharField(_("代码"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("专业")
        verbose_name_plural = _("专业")
        ordering = ["college__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["college", "name"], name="people_major_unique_per_college")
        ]

    def __str__(self) -> str:
        return f"{self.college.name} · {self.name}"


class CustomFieldDefinition(models.Model):
    """An extra field the school keeps about its alumni (入党时间, 校友会职务 …)."""

    key = models.SlugField(_("字段标识"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=40)
    field_type = models.CharField(
        _("类型"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    choices = models.JSONField(_("选项"), default=list, blank=True, help_text=_("单选类型的选项列表"))
    required = models.BooleanField(_("必填"), default=False)
    default_visibility = models.CharField(
        _("默认可见范围"), max_length=10, choices=Visibility.choices, default=Visibility.ALUMNI
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("自定义字段")
        verbose_name_plural = _("自定义字段")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.label


class AlumniGroup(models.Model):
    """An admin-defined set of alumni (e.g. 2026 校庆嘉宾) used for filters and messaging."""

    name = models.CharField(_("分组名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校友分组")
        verbose_name_plural = _("校友分组")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One human being, whatever number of degrees and accounts they have at this school."""

    public_id = models.CharField(
        _("公开编号"), max_length=16, unique=True, default=new_public_id, editable=False
    )
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    birth_date_precision = models.CharField(
        _("出生日期精度"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    # The ID number is never stored in clear (alumni.core.pii): a keyed digest to find records,
    # the encrypted value for roles allowed to see it, and a mask for lists and exports.
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_cipher = models.TextField(blank=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=20, blank=True, editable=False)
    phones = ArrayField(models.CharField(max_length=20), verbose_name=_("手机号"), default=list, blank=True)
    emails = ArrayField(models.CharField(max_length=254), verbose_name=_("邮箱"), default=list, blank=True)
    wechat_id = models.CharField(_("微信号"), max_length=40, blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True, db_index=True)
    city = models.CharField(_("城市"), max_length=40, blank=True, db_index=True)
    company = models.CharField(_("工作单位"), max_length=120, blank=True, db_index=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    industry = models.CharField(_("行业"), max_length=30, blank=True, db_index=True)
    photo = models.ImageField(_("照片"), upload_to="people/photos/", blank=True)
    tags = ArrayField(models.CharField(max_length=30), verbose_name=_("标签"), default=list, blank=True)
    groups = models.ManyToManyField(AlumniGroup, verbose_name=_("分组"), blank=True, related_name="members")
    is_vip = models.BooleanField(_("重要校友"), default=False, db_index=True)
    verification = models.CharField(
        _("认证状态"),
        max_length=10,
        choices=Verification.choices,
        default=Verification.OFFICIAL,
        db_index=True,
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=RecordSource.choices, default=RecordSource.ADMIN
    )
    note = models.TextField(_("备注"), blank=True)
    custom_fields = models.JSONField(_("自定义字段"), default=dict, blank=True)
    privacy = models.JSONField(
        _("隐私设置"), default=dict, blank=True, help_text=_("字段 → 可见范围；未设置的用默认值")
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("校友")
        verbose_name_plural = _("校友")
        ordering = ["name", "id"]
        # Whole ID numbers and phones in lists, exports and merge screens (others see masks).
        permissions = [("view_pii", "Can view ID number and phone in full")]
        indexes = [
            GinIndex(fields=["phones"], name="people_person_phones_gin"),
            GinIndex(fields=["emails"], name="people_person_emails_gin"),
            GinIndex(fields=["tags"], name="people_person_tags_gin"),
            models.Index(fields=["name", "birth_date"], name="people_person_name_birth"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The ID number in clear: only for roles allowed to see it (see selectors)."""
        return pii_decrypt(self.id_number_cipher)

    def set_id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        self.id_number_digest = pii_digest(value)
        self.id_number_cipher = pii_encrypt(value)
        self.id_number_masked = mask_id_number(value)

    @property
    def is_active_record(self) -> bool:
        return self.merged_into_id is None

    def visibility_of(self, field: str) -> str:
        return self.privacy.get(field) or PRIVACY_DEFAULTS.get(field, Visibility.ALUMNI)


class Degree(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("校友"), on_delete=models.CASCADE, related_name="degrees"
    )
    level = models.CharField(_("学历层次"), max_length=16, choices=DegreeLevel.choices, db_index=True)
    college = models.ForeignKey(
        College,
        verbose_name=_("学院"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="degrees",
    )
    college_name_raw = models.CharField(_("学院（原始）"), max_length=80, blank=True)
    major = models.ForeignKey(
        Major, verbose_name=_("专业"), null=True, blank=True, on_delete=models.PROTECT, related_name="degrees"
    )
    major_name = models.CharField(_("专业名称"), max_length=80, blank=True)
    class_name = models.CharField(_("班级"), max_length=60, blank=True, db_index=True)
    student_number = models.CharField(_("学号"), max_length=30, blank=True, db_index=True)
    enrollment_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True, db_index=True)
    graduation_year = models.PositiveSmallIntegerField(_("毕业年份"), null=True, blank=True, db_index=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=RecordSource.choices, default=RecordSource.ADMIN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学历")
        verbose_name_plural = _("学历")
        ordering = ["enrollment_year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(graduation_year__isnull=True)
                | Q(enrollment_year__isnull=True)
                | Q(graduation_year__gte=models.F("enrollment_year")),
                name="people_degree_graduation_after_enrollment",
            )
        ]

    def __str__(self) -> str:
        years = f"{self.enrollment_year or '?'}–{self.graduation_year or '?'}"
        return f"{self.get_level_display()} {self.college or self.college_name_raw} {years}"


class AccountLink(models.Model):
    """An account (H5 / mini-program user) that is this person. WeChat bindings hang off the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="person_link"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("校友"), on_delete=models.CASCADE, related_name="accounts"
    )
    created_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账号关联")
        verbose_name_plural = _("账号关联")

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"


class Claim(models.Model):
    """An account's claim to be a person in the school's records (registration verification)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    class Method(models.TextChoices):
        STUDENT_NUMBER = "student_number", _("姓名 + 学号")
        PROFILE = "profile", _("姓名 + 入学年份 + 学院 + 出生日期")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请账号"), on_delete=models.CASCADE, related_name="claims"
    )
    method = models.CharField(_("认证方式"), max_length=20, choices=Method.choices)
    name = models.CharField(_("姓名"), max_length=60)
    student_number = models.CharField(_("学号"), max_length=30, blank=True)
    enrollment_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True)
    college = models.ForeignKey(
        College, verbose_name=_("学院"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    level = models.CharField(_("学历层次"), max_length=16, choices=DegreeLevel.choices, blank=True)
    details = models.JSONField(_("其他信息"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("匹配档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    candidates = models.JSONField(
        _("候选档案"), default=list, blank=True, help_text=_("自动匹配到的多个档案 id")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("认证申请")
        verbose_name_plural = _("认证申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="people_claim_one_pending_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class CardExchange(models.Model):
    """交换名片: one alumnus asks another; after acceptance both see each other's contact fields."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回应")
        ACCEPTED = "accepted", _("已交换")
        DECLINED = "declined", _("已婉拒")

    requester = models.ForeignKey(
        Person, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="cards_sent"
    )
    recipient = models.ForeignKey(
        Person, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="cards_received"
    )
    message = models.CharField(_("附言"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("回应时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名片交换")
        verbose_name_plural = _("名片交换")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "recipient"], name="people_card_exchange_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(requester=models.F("recipient")), name="people_card_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient}"


class DuplicateDismissal(models.Model):
    """An admin said these two records are different people: never suggest the pair again."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("非重复标记")
        verbose_name_plural = _("非重复标记")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="people_dismissal_unique_pair"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="people_dismissal_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
