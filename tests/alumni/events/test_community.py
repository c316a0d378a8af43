"""Discussion and photos under an event (moderated), favourites, and the back-office queue."""

from __future__ import annotations

import threading
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from alumni.core.models import AuditEntry
from alumni.events.errors import (
    AlreadyModerated,
    CommentInvalid,
    EventNotVisible,
    ModerationForbidden,
    NotAttendee,
    PhotoInvalid,
    TooManyPending,
)
from alumni.events.models import Comment, Event, Moderation, Photo, Visibility
from alumni.events.selectors.community import event_comments, event_photos, moderation_pending_count
from alumni.events.services.community import (
    PENDING_LIMIT,
    comment_moderate,
    comment_post,
    favourite_set,
    photo_moderate,
    photo_upload,
)
from alumni.events.services.registrations import registration_submit
from alumni.messaging.models import MessageLog
from alumni.network.models import Organization
from alumni.people.models import Person
from tests.alumni.events.support import *  # noqa: F403
from tests.alumni.events.support import make_event, ticket
from tests.alumni.network.support import build_tree, make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def jpeg(*, gps: bool = False, size=(64, 48)) -> SimpleUploadedFile:
    buffer = BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {2: (39.0, 54.0, 0.0), 1: "N"}  # GPSInfo: where the photo was taken
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def event(etree):
    return make_event(etree.a, title="计算机学院年会", visibility=Visibility.ALUMNI)


def test_comment_is_pending_seen_by_its_author_until_approved(etree, event):
    author, other = etree.persons["alumnus"], etree.persons["outsider"]
    comment = comment_post(event=event, person=author, text="  期待！  ", actor=etree.users["alumnus"])
    assert comment.status == Moderation.PENDING and comment.text == "期待！"
    assert [c.pk for c in event_comments(event, author)] == [comment.pk]
    assert list(event_comments(event, other)) == [] and list(event_comments(event, None)) == []
    comment_moderate(comment=comment, actor=etree.users["admin_a"], approve=True)
    assert [c.pk for c in event_comments(event, other)] == [comment.pk]
    assert [c.pk for c in event_comments(event, None)] == [comment.pk]
    entry = AuditEntry.objects.get(action="events.comment_approve", object_id=str(comment.pk))
    assert entry.after == {"status": "approved", "reason": ""}


def test_rejection_tells_the_author_why_and_can_take_down_an_approved_post(etree, event):
    author = etree.persons["alumnus"]
    comment = comment_post(event=event, person=author, text="广告：低价代购", actor=etree.users["alumnus"])
    comment_moderate(comment=comment, actor=etree.users["president_a"], approve=False, reason="与活动无关")
    comment.refresh_from_db()
    assert comment.status == Moderation.REJECTED and comment.reject_reason == "与活动无关"
    notice = MessageLog.objects.filter(subject__contains="未通过审核").latest("pk")
    assert "与活动无关" in notice.body and notice.person_id == author.pk
    with pytest.raises(AlreadyModerated):
        comment_moderate(comment=comment, actor=etree.users["president_a"], approve=False, reason="再拒一次")
    # An organizer replying is published at once; a published post can still be taken down.
    reply = comment_post(
        event=event, person=etree.persons["admin_a"], text="欢迎大家", actor=etree.users["admin_a"]
    )
    assert reply.status == Moderation.APPROVED
    comment_moderate(comment=reply, actor=etree.users["school_admin"], approve=False, reason="重复")
    assert list(event_comments(event, etree.persons["outsider"])) == []


def test_who_may_moderate(etree, event):
    comment = comment_post(
        event=event, person=etree.persons["alumnus"], text="好", actor=etree.users["alumnus"]
    )
    for role in ("member_a", "outsider", "alumnus"):
        with pytest.raises(ModerationForbidden):
            comment_moderate(comment=comment, actor=etree.users[role], approve=True)
    event_b = make_event(etree.b, title="上海酒会", visibility=Visibility.ALUMNI)
    other = comment_post(
        event=event_b, person=etree.persons["alumnus"], text="好", actor=etree.users["alumnus"]
    )
    with pytest.raises(ModerationForbidden):
        comment_moderate(comment=other, actor=etree.users["admin_a"], approve=True)
    assert moderation_pending_count(etree.users["admin_a"]) == 1
    assert moderation_pending_count(etree.users["school_admin"]) == 2
    assert moderation_pending_count(etree.users["member_a"]) == 0


def test_comment_rules_visibility_length_and_flood(etree, event):
    user, person = etree.users["alumnus"], etree.persons["alumnus"]
    for text in ("", "   ", "长" * 1001):
        with pytest.raises(CommentInvalid):
            comment_post(event=event, person=person, text=text, actor=user)
    members_only = make_event(etree.a, title="内部会议", visibility=Visibility.MEMBERS)
    with pytest.raises(EventNotVisible):
        comment_post(event=members_only, person=person, text="我也想来", actor=user)
    for n in range(PENDING_LIMIT):
        comment_post(event=event, person=person, text=f"第{n}条", actor=user)
    with pytest.raises(TooManyPending):
        comment_post(event=event, person=person, text="再来一条", actor=user)


def test_photos_only_from_attendees_re_encoded_without_location(etree, event):
    person, user = etree.persons["alumnus"], etree.users["alumnus"]
    with pytest.raises(NotAttendee):
        photo_upload(event=event, person=person, image=jpeg(), actor=user)
    registration_submit(event=event, person=person, ticket_type=ticket(event))
    photo = photo_upload(event=event, person=person, image=jpeg(gps=True), caption="合影", actor=user)
    assert photo.status == Moderation.PENDING and photo.caption == "合影"
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 48)
        assert 0x8825 not in stored.getexif()
    assert [p.pk for p in event_photos(event, person)] == [photo.pk]
    assert list(event_photos(event, etree.persons["outsider"])) == []
    photo_moderate(photo=photo, actor=etree.users["admin_a"], approve=True)
    assert [p.pk for p in event_photos(event, etree.persons["outsider"])] == [photo.pk]
    # Organizers add photos without being registered, published at once.
    official = photo_upload(
        event=event, person=etree.persons["admin_a"], image=jpeg(), actor=etree.users["admin_a"]
    )
    assert official.status == Moderation.APPROVED


def test_not_an_image_is_refused(etree, event):
    person, user = etree.persons["alumnus"], etree.users["alumnus"]
    registration_submit(event=event, person=person, ticket_type=ticket(event))
    fake = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(PhotoInvalid):
        photo_upload(event=event, person=person, image=fake, actor=user)
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("a.gif", buffer.getvalue(), content_type="image/gif")
    with pytest.raises(PhotoInvalid):
        photo_upload(event=event, person=person, image=gif, actor=user)
    assert not Photo.objects.filter(event=event).exists()


def test_favourite_set_is_idempotent(etree, event):
    person = etree.persons["alumnus"]
    assert favourite_set(event=event, person=person, on=True) is True
    assert favourite_set(event=event, person=person, on=True) is True
    assert event.favourites.count() == 1
    assert favourite_set(event=event, person=person, on=False) is False
    assert event.favourites.count() == 0


def test_back_office_queue_approves_and_rejects_per_scope(client_a, etree, event):
    comment = comment_post(
        event=event, person=etree.persons["alumnus"], text="求拼车", actor=etree.users["alumnus"]
    )
    event_b = make_event(etree.b, title="上海酒会", visibility=Visibility.ALUMNI)
    other = comment_post(
        event=event_b, person=etree.persons["alumnus"], text="上海见", actor=etree.users["alumnus"]
    )
    client_a.force_login(etree.users["school_admin"])
    page = client_a.get("/admin/events/moderation/").content.decode()
    assert "求拼车" in page and "上海见" in page
    response = client_a.post(
        f"/admin/events/moderation/comment/{comment.pk}/reject/", {"reason": "请到群里约"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Moderation.REJECTED and comment.reject_reason == "请到群里约"
    dashboard = client_a.get("/admin/").content.decode()
    assert "待审核的活动讨论与照片" in dashboard
    # Chapter A's admin (with back-office access) sees only A's events, and cannot decide B's.
    from django.contrib.auth.models import Permission

    chapter_admin = etree.users["admin_a"]
    chapter_admin.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client_a.force_login(get_user_model().objects.get(pk=chapter_admin.pk))
    page = client_a.get("/admin/events/moderation/").content.decode()
    assert "上海见" not in page
    client_a.post(f"/admin/events/moderation/comment/{other.pk}/approve/")
    other.refresh_from_db()
    assert other.status == Moderation.PENDING
    client_a.force_login(etree.users["outsider"])
    assert client_a.get("/admin/events/moderation/").status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_two_organizers_deciding_one_comment_at_once_make_one_decision(school_a):
    try:
        with inside(school_a):
            tree = build_tree()
            author, _ = make_person("摄影者", user=False)
            event = make_event(tree.a, title="并发审核", visibility=Visibility.ALUMNI)
            comment = Comment.objects.create(event=event, person=author, text="照片在此")
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def decide(role: str, approve: bool):
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    comment_moderate(
                        comment=comment, actor=tree.users[role], approve=approve, reason="不合适"
                    )
                outcomes.append("approved" if approve else "rejected")
            except AlreadyModerated:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=decide, args=("president_a", True)),
            threading.Thread(target=decide, args=("admin_a", True)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["approved", "refused"]
        with inside(school_a):
            assert Comment.objects.get(pk=comment.pk).status == Moderation.APPROVED
            assert (
                AuditEntry.objects.filter(action="events.comment_approve", object_id=str(comment.pk)).count()
                == 1
            )
    finally:
        with inside(school_a):
            AuditEntry.objects.filter(action__startswith="events.").delete()
            Event.objects.all().delete()
            Organization.objects.filter(depth__gt=1).delete()
            Person.objects.filter(name__startswith="摄影者").delete()
            for key in ("president_a", "admin_a", "member_a", "outsider"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
