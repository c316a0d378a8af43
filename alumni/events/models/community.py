"""What attendees add under an event: comments and photos, both moderated.

Everything an alumnus posts starts pending and is shown to others only once an organizer has
approved it; the author sees their own pending and rejected posts (with the reason) meanwhile.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from alumni.events.models.events import Event


class Moderation(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已拒绝")


class Comment(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="comments"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("校友"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("内容"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=10, choices=Moderation.choices, default=Moderation.PENDING, db_index=True
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发表时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动讨论")
        verbose_name_plural = _("活动讨论")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "status"], name="events_comment_event_status")]

    def __str__(self) -> str:
        return self.text[:30]


class Photo(models.Model):
    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="photos")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("上传者"), on_delete=models.CASCADE, related_name="+"
    )
    image = models.ImageField(_("照片"), upload_to="events/photos/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Moderation.choices, default=Moderation.PENDING, db_index=True
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "status"], name="events_photo_event_status")]

    def __str__(self) -> str:
        return self.caption or f"photo {self.pk}"
