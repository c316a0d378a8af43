"""School plans (public schema): the plan catalogue, each school's subscription, its history and
the Stripe events already applied (so a redelivered event is never applied twice)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Feature codes other apps ask about through selectors.feature_enabled(); labels for display.
FEATURES = {
    "events": _("活动报名"),
    "giving": _("捐赠"),
    "cards": _("校友卡"),
    "crawlers": _("校友发现（网络采集）"),
    "elasticsearch": _("全文检索（Elasticsearch）"),
}


class Plan(models.Model):
    """A priced package of limits and features; prices are yearly, in fen."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    price_fen = models.PositiveIntegerField(_("年费（分）"), default=0)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    # None = no limit on alumni records.
    max_alumni = models.PositiveIntegerField(_("校友档案上限"), null=True, blank=True)
    sms_per_year = models.PositiveIntegerField(_("每年短信条数"))
    storage_mb = models.PositiveIntegerField(_("存储空间（MB）"))
    features = models.JSONField(_("功能"), default=list, blank=True)
    trial_days = models.PositiveSmallIntegerField(_("试用天数"), default=0)
    stripe_price_id = models.CharField(_("Stripe 价格 ID"), max_length=100, blank=True)
    is_public = models.BooleanField(_("可自助订阅"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("套餐")
        verbose_name_plural = _("套餐")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def price_yuan(self) -> str:
        yuan, fen = divmod(self.price_fen, 100)
        return f"{yuan:,}" if not fen else f"{yuan:,}.{fen:02d}"

    @property
    def feature_labels(self) -> list[str]:
        return [str(FEATURES.get(code, code)) for code in self.features]


class Subscription(models.Model):
    """One school's plan and where it stands: trial, paid, unpaid (grace), suspended, canceled."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("试用中")
        ACTIVE = "active", _("正常")
        PAST_DUE = "past_due", _("付款失败")
        GRACE = "grace", _("宽限期")
        SUSPENDED = "suspended", _("欠费停用")
        CANCELED = "canceled", _("已取消")

    school = models.OneToOneField(
        "tenants.School", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, verbose_name=_("套餐"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
    trial_ends_at = models.DateTimeField(_("试用截止"), null=True, blank=True)
    # None while active = paid outside Stripe with no fixed end (demo schools, contracts).
    current_period_end = models.DateTimeField(_("本期截止"), null=True, blank=True)
    grace_ends_at = models.DateTimeField(_("宽限期截止"), null=True, blank=True)
    stripe_customer_id = models.CharField(_("Stripe 客户 ID"), max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(_("Stripe 订阅 ID"), max_length=100, blank=True, db_index=True)
    cancel_at_period_end = models.BooleanField(_("到期后取消"), default=False)
    # True only when our enforcement suspended the school; payment may then undo it.
    suspended_by_billing = models.BooleanField(_("因欠费停用"), default=False)
    # `created` of the newest Stripe event applied: older ones arriving late are ignored.
    stripe_synced_at = models.DateTimeField(_("Stripe 同步时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学校订阅")
        verbose_name_plural = _("学校订阅")

    def __str__(self) -> str:
        return f"{self.school_id} {self.plan_id} {self.status}"


class SubscriptionChange(models.Model):
    """History of a subscription: every change of plan or status, by whom or by which event."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    from_plan = models.CharField(_("原套餐"), max_length=30, blank=True)
    to_plan = models.CharField(_("新套餐"), max_length=30)
    source = models.CharField(_("来源"), max_length=120)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("订阅变更")
        verbose_name_plural = _("订阅变更")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status}->{self.to_status} ({self.source})"


class StripeEvent(models.Model):
    """A platform Stripe event already received; its id is unique, so a replay is a no-op."""

    event_id = models.CharField(_("事件 ID"), max_length=100, unique=True)
    type = models.CharField(_("类型"), max_length=80)
    created = models.DateTimeField(_("Stripe 创建时间"))
    school = models.ForeignKey(
        "tenants.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("处理结果"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe 事件")
        verbose_name_plural = _("Stripe 事件")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.event_id
