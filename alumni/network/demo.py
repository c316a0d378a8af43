"""Demo organizations for ``bootstrap_demo``: a head association with college, regional and
industry chapters and clubs, and verified demo alumni as members (some as officers), all made
through the real services. Demo alumni without a city or industry get one of the chapters' (so
"为你推荐" has something to show), and one application to found a club waits for the office.
Idempotent: a school that already has chapters is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from alumni.network.models import JoinRequest, Membership, Organization, OrgType, ReviewMode, Role
from alumni.network.services import (
    club_application_submit,
    head_association_provision,
    join_request_approve,
    join_request_submit,
    org_create,
    role_assign,
    role_transfer,
)
from alumni.people.choices import Verification
from alumni.people.models import College, Person
from alumni.people.services.records import person_update

REGIONS = [("北京校友会", "北京"), ("上海校友会", "上海"), ("深圳校友会", "深圳"), ("杭州校友会", "杭州")]
INDUSTRIES = [("金融校友会", "金融"), ("互联网校友会", "互联网")]
CLUBS = [("校友羽毛球俱乐部", "北京校友会"), ("校友读书会", None)]


def demo_network_build(*, school, actor, seed: str) -> dict:
    head = head_association_provision(school=school)
    if Organization.objects.exclude(pk=head.pk).exists():
        return {"organizations": 0, "members": 0}
    rng = random.Random(seed)
    created: dict[str, Organization] = {}
    for college in College.objects.order_by("sort_order", "pk")[:4]:
        created[college.name] = org_create(
            parent=head,
            actor=actor,
            name=f"{college.name}校友会",
            type=OrgType.COLLEGE,
            college=college,
            review_mode=ReviewMode.APPROVAL,
            introduction=f"{college.name}历届校友的家。",
        )
    for name, city in REGIONS:
        created[name] = org_create(
            parent=head,
            actor=actor,
            name=name,
            type=OrgType.REGIONAL,
            city=city,
            cities=[city],
            review_mode=ReviewMode.OPEN,
            introduction=f"在{city}工作生活的校友，欢迎回家。",
        )
    for name, industry in INDUSTRIES:
        created[name] = org_create(
            parent=head,
            actor=actor,
            name=name,
            type=OrgType.INDUSTRY,
            industries=[industry],
            review_mode=ReviewMode.APPROVAL,
            introduction=f"{industry}行业校友的交流平台。",
        )
    for name, parent_name in CLUBS:
        created[name] = org_create(
            parent=created.get(parent_name, head) if parent_name else head,
            actor=actor,
            name=name,
            type=OrgType.CLUB,
            review_mode=ReviewMode.OPEN,
            introduction="以兴趣会友。",
        )
    members = 0
    verified = list(Person.objects.filter(accounts__isnull=False).order_by("pk"))
    open_orgs = [org for org in created.values() if org.review_mode == ReviewMode.OPEN]
    college_orgs = [org for org in created.values() if org.type == OrgType.COLLEGE]
    # College chapters: alumni of that college, approved by the office (officers below).
    for org in college_orgs:
        alumni = Person.objects.filter(degrees__college=org.college_id).distinct().order_by("pk")[:30]
        for person in alumni:
            join_request_approve(
                join_request=join_request_submit(person=person, organization=org), actor=actor
            )
            members += 1
    for person in verified:
        for org in rng.sample(open_orgs, k=min(2, len(open_orgs))):
            join_request_submit(person=person, organization=org)
            members += 1
    # A few applications wait for the office, to chapters the applicant is not yet in.
    waiting = 0
    for person in verified:
        joined = set(Membership.objects.filter(person=person).values_list("organization_id", flat=True))
        target = next((org for org in college_orgs if org.pk not in joined), None)
        if target is None:
            continue
        if not JoinRequest.objects.filter(person=person, organization=target).exists():
            join_request_submit(person=person, organization=target)
            waiting += 1
        if waiting == 3:
            break
    # Members joined over the past two years, not all on the day the demo was made.
    now = timezone.now()
    for membership in Membership.objects.filter(organization__in=created.values()).only("pk"):
        Membership.objects.filter(pk=membership.pk).update(
            joined_at=now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
        )
    for org in [*college_orgs[:2], *open_orgs[:3]]:
        officers = list(
            Membership.objects.filter(organization=org).select_related("person").order_by("pk")[:2]
        )
        if officers:
            role_transfer(organization=org, to_person=officers[0].person, actor=actor)
        if len(officers) > 1:
            role_assign(membership=officers[1], role=Role.SECRETARY_GENERAL, actor=actor)
    for person in verified:
        if not person.city or not person.industry:
            person_update(
                person=person,
                actor=actor,
                city=person.city or rng.choice(REGIONS)[1],
                industry=person.industry or rng.choice(INDUSTRIES)[1],
            )
    founders = [person for person in verified if person.verification == Verification.VERIFIED]
    if founders:
        club_application_submit(
            person=founders[-1],
            name="校友跑步俱乐部",
            purpose="每周末组织校友晨跑，以跑会友。",
            introduction="面向热爱跑步的校友，不限水平。",
        )
    return {"organizations": len(created), "members": members}
