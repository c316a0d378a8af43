"""Demo events for ``bootstrap_demo``: a homecoming with free and paid ticket types, a chapter
dinner, an online talk, an alumnus's proposal waiting for review, and confirmed registrations,
all made through the real services. Idempotent: a school that already has events is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from alumni.events.models import Event, TicketType, Visibility
from alumni.events.services.events import event_create, event_propose, event_publish
from alumni.events.services.registrations import registration_submit
from alumni.network.models import Organization, OrgType
from alumni.network.selectors import head_association
from alumni.people.models import Person


def _at(days: int, hour: int):
    day = timezone.localtime() + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def demo_events_build(*, school, actor, seed: str) -> dict:
    if Event.objects.exists():
        return {"events": 0, "registrations": 0}
    rng = random.Random(seed)
    head = head_association()
    chapter = Organization.objects.filter(type=OrgType.REGIONAL).order_by("path").first() or head
    homecoming = event_create(
        organization=head,
        actor=actor,
        title=f"{school.short_name or school.name}校友返校日",
        summary="回母校，见老同学：主题论坛、院系开放日与校友晚宴。",
        description="上午主题论坛，下午各学院开放日，晚上校友晚宴（晚宴需购票）。欢迎携家属参加。",
        tags=["返校", "校庆"],
        starts_at=_at(30, 9),
        ends_at=_at(30, 21),
        place="学校大礼堂",
        city="",
        capacity=2000,
        guests_allowed=2,
        visibility=Visibility.PUBLIC,
        cancellation_deadline=_at(28, 0),
        form=[{"key": "class", "label": "毕业年级与班级", "type": "text", "required": True}],
        ticket_types=[
            {"name": "返校日（免费）", "description": "论坛与开放日"},
            {"name": "校友晚宴", "price": 28800, "quota": 600, "description": "含晚宴一席"},
        ],
    )
    dinner = event_create(
        organization=chapter,
        actor=actor,
        title=f"{chapter.name}新春联谊晚宴",
        summary="一年一度的新春相聚。",
        tags=["聚会"],
        starts_at=_at(45, 18),
        ends_at=_at(45, 21),
        place=f"{chapter.city or '市中心'}校友之家",
        city=chapter.city,
        capacity=120,
        guests_allowed=1,
        requires_approval=True,
        visibility=Visibility.MEMBERS,
        ticket_types=[{"name": "晚宴票", "price": 16800}],
    )
    talk = event_create(
        organization=head,
        actor=actor,
        title="校友讲堂：人工智能与职业发展",
        summary="线上直播，校友嘉宾分享。",
        tags=["讲座", "线上"],
        starts_at=_at(10, 19),
        ends_at=_at(10, 21),
        is_online=True,
        online_url="https://live.example.com/alumni-talk",
        visibility=Visibility.ALUMNI,
    )
    for event in (homecoming, dinner, talk):
        event_publish(event=event, actor=actor)
    alumni = list(Person.objects.filter(accounts__isnull=False).order_by("pk")[:40])
    free = TicketType.objects.filter(event=homecoming, price=0).first()
    registered = 0
    for person in rng.sample(alumni, min(len(alumni), 12)):
        guests = [{"name": f"{person.name}的家属"}] if rng.random() < 0.3 else []
        registration_submit(
            event=homecoming,
            person=person,
            ticket_type=free,
            guests=guests,
            answers={"class": f"{rng.randint(1990, 2020)}届"},
        )
        registered += 1
    talk_type = TicketType.objects.filter(event=talk).first()
    for person in alumni[12:20]:
        registration_submit(event=talk, person=person, ticket_type=talk_type)
        registered += 1
    if alumni:
        event_propose(
            person=alumni[-1],
            organization=chapter,
            title="毕业十周年班级聚会",
            summary="十年之约，回来看看。",
            starts_at=_at(60, 14),
            ends_at=_at(60, 20),
            place="老校区食堂二楼",
        )
    return {"events": 4 if alumni else 3, "registrations": registered}
