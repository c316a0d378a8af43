"""What alumni add under an event — discussion and photos, both moderated — and favourites.

Anyone who may see an event and is linked to an alumni record may comment; only attendees
(a confirmed registration) and the event's organizers may upload photos. Posts by alumni start
pending; posts by someone who manages the event are approved at once. Organizers approve or
reject (with a reason the author is told); every decision is audited.
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from alumni.core.services import audit_record
from alumni.events.errors import (
    AlreadyModerated,
    CommentInvalid,
    EventNotVisible,
    ModerationForbidden,
    NotAttendee,
    PhotoInvalid,
    TooManyPending,
)
from alumni.events.models import Comment, Event, EventStatus, Favourite, Moderation, Photo
from alumni.events.selectors.community import is_attendee, pending_by
from alumni.events.selectors.events import can_manage_event, events_visible_to
from alumni.messaging.message import Message
from alumni.messaging.selectors.recipients import recipient_for_person
from alumni.messaging.services.send import message_send

COMMENT_MAX = 1000
# Unmoderated posts one alumnus may have waiting per event: enough for a conversation, not a flood.
PENDING_LIMIT = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2560
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _check_visible(event: Event, actor) -> None:
    visible = events_visible_to(actor).filter(pk=event.pk, status=EventStatus.PUBLISHED).exists()
    if not visible or event.is_deleted:
        raise EventNotVisible()


def comment_post(*, event: Event, person, text: str, actor) -> Comment:
    """Post a comment under an event (pending until an organizer approves it)."""
    text = (text or "").strip()
    if not text or len(text) > COMMENT_MAX:
        raise CommentInvalid(field="text")
    _check_visible(event, actor)
    organizer = can_manage_event(actor, event)
    with transaction.atomic():
        if not organizer and pending_by(Comment, event=event, person=person) >= PENDING_LIMIT:
            raise TooManyPending()
        return Comment.objects.create(
            event=event,
            person=person,
            text=text,
            status=Moderation.APPROVED if organizer else Moderation.PENDING,
            moderated_at=timezone.now() if organizer else None,
        )


def _clean_image(upload) -> ContentFile:
    """Re-encode the upload: proves it is an image, rotates it upright, drops EXIF (GPS) data."""
    if upload is None or upload.size > PHOTO_MAX_BYTES:
        raise PhotoInvalid(field="image")
    try:
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        kind = image.format
        if kind not in PHOTO_FORMATS:
            raise PhotoInvalid(field="image")
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        if kind == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = BytesIO()
        image.save(out, format=kind, **({"quality": 85} if kind != "PNG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PhotoInvalid(field="image") from error
    return ContentFile(out.getvalue(), name=f"photo.{PHOTO_FORMATS[kind]}")


def photo_upload(*, event: Event, person, image, caption: str = "", actor) -> Photo:
    """Add a photo to an event's album (attendees and organizers; pending for attendees)."""
    _check_visible(event, actor)
    organizer = can_manage_event(actor, event)
    if not organizer and not is_attendee(person, event):
        raise NotAttendee()
    content = _clean_image(image)
    with transaction.atomic():
        if not organizer and pending_by(Photo, event=event, person=person) >= PENDING_LIMIT * 4:
            raise TooManyPending()
        photo = Photo(
            event=event,
            person=person,
            caption=(caption or "").strip()[:100],
            status=Moderation.APPROVED if organizer else Moderation.PENDING,
            moderated_at=timezone.now() if organizer else None,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
        return photo


_LABELS = {Comment: "讨论", Photo: "照片"}


def _moderate(item: Comment | Photo, *, actor, approve: bool, reason: str) -> Comment | Photo:
    model = type(item)
    if not can_manage_event(actor, item.event):
        raise ModerationForbidden()
    target = Moderation.APPROVED if approve else Moderation.REJECTED
    reason = "" if approve else (reason or "").strip()[:200]
    with transaction.atomic():
        # Locked so two organizers deciding at once produce one decision and one audit entry.
        locked = model.objects.select_for_update().select_related("event", "person").get(pk=item.pk)
        if locked.status == target:
            raise AlreadyModerated()
        before = locked.status
        locked.status = target
        locked.reject_reason = reason
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["status", "reject_reason", "moderated_at"])
        label = _LABELS[model]
        audit_record(
            actor=actor,
            action=f"events.{model._meta.model_name}_{'approve' if approve else 'reject'}",
            target=locked,
            summary=f"{'通过' if approve else '拒绝'}「{locked.event.title}」的活动{label}（{locked.person.name}）"
            + (f"：{reason}" if reason else ""),
            before={"status": before},
            after={"status": target, "reason": reason},
        )
        if not approve:
            # Told in-app once per decision, so the author knows why their post is not shown.
            message_send(
                recipient=recipient_for_person(locked.person),
                message=Message(
                    purpose="notice",
                    subject=f"你在「{locked.event.title}」的{label}未通过审核",
                    text=f"原因：{reason}" if reason else "如有疑问请联系活动组织者。",
                    url=f"/events/{locked.event.public_id}/",
                ),
                channels=["inapp"],
                idempotency_key=f"events-{model._meta.model_name}-rejected:{locked.pk}:{locked.moderated_at:%s}",
            )
    return locked


def comment_moderate(*, comment: Comment, actor, approve: bool, reason: str = "") -> Comment:
    """Approve or reject (with a reason the author is told) a comment; an approved one can be taken down."""
    return _moderate(comment, actor=actor, approve=approve, reason=reason)


def photo_moderate(*, photo: Photo, actor, approve: bool, reason: str = "") -> Photo:
    """Approve or reject (with a reason the author is told) a photo; an approved one can be taken down."""
    return _moderate(photo, actor=actor, approve=approve, reason=reason)


def favourite_set(*, event: Event, person, on: bool) -> bool:
    """Add or remove the event from the person's favourites (idempotent); returns the new state."""
    with transaction.atomic():
        if on:
            Favourite.objects.get_or_create(event=event, person=person)
        else:
            Favourite.objects.filter(event=event, person=person).delete()
    return on


def favourite_toggle(*, event: Event, person) -> bool:
    """Flip the favourite; returns True when the event is now a favourite."""
    with transaction.atomic():
        deleted, _ = Favourite.objects.filter(event=event, person=person).delete()
        if deleted:
            return False
        Favourite.objects.get_or_create(event=event, person=person)
        return True
