"""The association as a tree: the head association (校友总会) at the root, chapters and clubs
below it; who belongs where and in which role; join requests; groups inside an organization.

The tree is a materialized path (django-treebeard ``MP_Node``): every organization's ``path``
starts with its ancestors' paths, so "this organization and everything below it" is a prefix
match (``path LIKE 'XXXX%'``), served by the ``varchar_pattern_ops`` index below.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class OrgType(models.TextChoices):
    HEAD = "head", _("校友总会")
    COLLEGE = "college", _("院系校友会")
    REGIONAL = "regional", _("地方校友会")
    INDUSTRY = "industry", _("行业校友会")
    CLUB = "club", _("俱乐部/兴趣组")


class ReviewMode(models.TextChoices):
    OPEN = "open", _("自由加入")
    APPROVAL = "approval", _("审核加入")
    INVITE_ONLY = "invite_only", _("仅限邀请")


class ContentReview(models.TextChoices):
    BEFORE = "before", _("先审后发")
    AFTER = "after", _("先发后审")
    NONE = "none", _("无需审核")


class Role(models.TextChoices):
    PRESIDENT = "president", _("会长")
    VICE_PRESIDENT = "vice_president", _("副会长")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    ADMIN = "admin", _("管理员")
    MEMBER = "member", _("会员")


# Roles that administer an organization and its whole subtree.
OFFICER_ROLES = (Role.PRESIDENT, Role.VICE_PRESIDENT, Role.SECRETARY_GENERAL, Role.ADMIN)


class Organization(MP_Node):
    """One organization of the school's association (the root is the head association)."""

    steplen = 4
    node_order_by = None  # siblings keep the order they were created or moved in

    type = models.CharField(_("类型"), max_length=10, choices=OrgType.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=80)
    logo = models.ImageField(_("标志"), upload_to="network/logos/", blank=True)
    introduction = models.TextField(_("简介"), blank=True)
    join_requirements = models.TextField(_("入会条件"), blank=True)
    # The join application form: [{"key": "reason", "label": "申请理由", "required": true}, …]
    join_form = models.JSONField(_("入会申请表"), default=list, blank=True)
    review_mode = models.CharField(
        _("入会方式"), max_length=12, choices=ReviewMode.choices, default=ReviewMode.APPROVAL
    )
    content_review = models.CharField(
        _("成员发布内容的审核方式"), max_length=8, choices=ContentReview.choices, default=ContentReview.BEFORE
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    city = models.CharField(_("所在城市"), max_length=40, blank=True, db_index=True)
    # Recommendation links: a college chapter → its college, a regional chapter → its cities,
    # an industry chapter → its industries.
    college = models.ForeignKey(
        "people.College",
        verbose_name=_("对应学院"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
    )
    cities = ArrayField(models.CharField(max_length=40), verbose_name=_("对应城市"), default=list, blank=True)
    industries = ArrayField(
        models.CharField(max_length=30), verbose_name=_("对应行业"), default=list, blank=True
    )
    # Sister organizations shown on each other's pages (上海校友会 ↔ 上海交大校友企业家俱乐部),
    # independent of the tree.
    related = models.ManyToManyField("self", verbose_name=_("关联组织"), blank=True, symmetrical=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("校友组织")
        verbose_name_plural = _("校友组织")
        indexes = [
            models.Index(fields=["path"], name="network_org_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # One tree per school: exactly one root, the head association.
            models.UniqueConstraint(
                fields=["depth"], condition=Q(depth=1), name="network_one_head_association"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_head(self) -> bool:
        return self.depth == 1


class Membership(models.Model):
    person = models.ForeignKey(
        "people.Person", verbose_name=_("校友"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("职务"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["organization", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "organization"], name="network_membership_unique"),
            # At most one president per organization, enforced by the database (role_transfer).
            models.UniqueConstraint(
                fields=["organization"], condition=Q(role="president"), name="network_one_president"
            ),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="network_membership_org_role")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization}（{self.get_role_display()}）"


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="join_requests"
    )
    answers = models.JSONField(_("申请表内容"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(_("拒绝理由"), max_length=200, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization"],
                condition=Q(status="pending"),
                name="network_one_pending_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.organization}（{self.get_status_display()}）"


class OrganizationGroup(models.Model):
    """A named group inside an organization (理事会, 名人堂 …) listing some of its members."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("名称"), max_length=40)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    members = models.ManyToManyField(
        "people.Person", verbose_name=_("成员"), blank=True, related_name="organization_groups"
    )

    class Meta:
        verbose_name = _("组织内分组")
        verbose_name_plural = _("组织内分组")
        ordering = ["organization", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="network_group_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class ClubApplication(models.Model):
    """An alumnus's application to found a new club, decided by the head association."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")

    applicant = models.ForeignKey(
        "people.Person", verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="club_applications"
    )
    name = models.CharField(_("拟定名称"), max_length=80)
    introduction = models.TextField(_("俱乐部简介"), blank=True)
    purpose = models.TextField(_("创建理由"))
    # Where the club would sit: the head association, or a chapter the applicant belongs to.
    parent = models.ForeignKey(
        Organization, verbose_name=_("上级组织"), on_delete=models.CASCADE, related_name="club_applications"
    )
    city = models.CharField(_("所在城市"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reject_reason = models.CharField(_("拒绝理由"), max_length=200, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_club = models.ForeignKey(
        Organization,
        verbose_name=_("创建的俱乐部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("创建俱乐部申请")
        verbose_name_plural = _("创建俱乐部申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "name"],
                condition=Q(status="pending"),
                name="network_one_pending_club_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.name}（{self.get_status_display()}）"


class OrgActivity(models.Model):
    """One line of an organization's recent activity (组织动态), written by org_activity_record.

    ``text`` is shown to anyone who can open the organization page, so it never carries more
    about a person than that page does (leaders' names, no contacts; joiners only as a count).
    """

    class Kind(models.TextChoices):
        MEMBER_JOINED = "member_joined", _("新成员加入")
        NOTICE_SENT = "notice_sent", _("发布通知")
        ORG_CREATED = "org_created", _("成立组织")
        OFFICER_CHANGED = "officer_changed", _("负责人变更")
        EVENT = "event", _("活动")

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("内容"), max_length=200)
    actor = models.ForeignKey(
        "people.Person",
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Joins are one line per organization and day: ``count`` grows, the line is rewritten.
    day = models.DateField(_("日期"), default=timezone.localdate)
    count = models.PositiveIntegerField(_("次数"), default=1)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("组织动态")
        verbose_name_plural = _("组织动态")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day"],
                condition=Q(kind="member_joined"),
                name="network_one_join_activity_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.text}"
