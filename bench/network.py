"""Alumni network: 2,000 organizations and 300,000 memberships in one school.

Builds a tree under the head association (90 top-level chapters, 1,000 sub-organizations below
them, 909 more one level deeper) with the real ``org_create``-equivalent treebeard calls, COPYs
100,000 alumni and 300,000 memberships (three distinct organizations each), then measures:

- roll-up counts: ``subtree_member_counts`` for a page of 50 organizations (the head association
  included, i.e. all 300,000 rows) — one query, median of 5 runs;
- "my organizations": the queries ``my_organizations`` makes for an alumnus in 3 and in 30
  organizations (must not grow with the number).

    BENCH network orgs=2000 members=300000 subtree_count_ms=… my_orgs_queries=…

    python bench/network.py [MEMBERSHIPS]   # or: make bench NAME=network
"""

from __future__ import annotations

import random
import time

from _harness import main, median

ORGS = 2000
MEMBERSHIPS = 300_000
SEED = 20240605


def build_tree(rng: random.Random) -> list[int]:
    from alumni.network.models import Organization, OrgType
    from alumni.network.selectors import head_association

    head = head_association()
    kinds = [(OrgType.COLLEGE, "院系校友会")] * 40 + [(OrgType.REGIONAL, "地方校友会")] * 30
    kinds += [(OrgType.INDUSTRY, "行业校友会")] * 20
    top = []
    for i, (kind, label) in enumerate(kinds):
        # Re-read the parent each time: treebeard places a child from the parent's numchild.
        parent = Organization.objects.get(pk=head.pk)
        top.append(parent.add_child(type=kind, name=f"{label}{i}"))
    second = []
    for i in range(1000):
        parent = Organization.objects.get(pk=rng.choice(top).pk)
        second.append(parent.add_child(type=OrgType.CLUB, name=f"俱乐部{i}"))
    for i in range(ORGS - 1 - len(top) - len(second)):
        parent = Organization.objects.get(pk=rng.choice(second).pk)
        parent.add_child(type=OrgType.CLUB, name=f"兴趣组{i}")
    return list(Organization.objects.values_list("pk", flat=True))


def generate(schema: str, org_ids: list[int], memberships: int, rng: random.Random) -> int:
    from django.db import connection
    from django.utils import timezone

    from alumni.people.models import new_public_id

    persons = memberships // 3
    now = timezone.now()
    columns = (
        "id, public_id, name, name_pinyin, name_initials, gender, birth_date_precision, id_number_digest, "
        "id_number_cipher, id_number_masked, phones, emails, wechat_id, province, city, company, title, "
        "industry, photo, tags, is_vip, verification, source, note, custom_fields, privacy, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {schema}.people_person ({columns}) FROM STDIN") as copy:
            for pk in range(1, persons + 1):
                copy.write_row(
                    (
                        pk,
                        new_public_id(),
                        f"校友{pk}",
                        "",
                        "",
                        "",
                        "day",
                        "",
                        "",
                        "",
                        "{}",
                        "{}",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "{}",
                        False,
                        "verified",
                        "admin",
                        "",
                        "{}",
                        "{}",
                        now,
                        now,
                    )
                )
        with cursor.copy(
            f"COPY {schema}.network_membership (person_id, organization_id, role, joined_at) FROM STDIN"
        ) as copy:
            for pk in range(1, persons + 1):
                for org_id in rng.sample(org_ids, 3):
                    copy.write_row((pk, org_id, "member", now))
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{schema}.people_person', 'id'), %s)", [persons]
        )
        cursor.execute(f"ANALYZE {schema}.people_person")
        cursor.execute(f"ANALYZE {schema}.network_membership")
        cursor.execute(f"ANALYZE {schema}.network_organization")
    return persons * 3


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        fn()
    return len([q for q in context.captured_queries if not q["sql"].startswith("SET search_path")])


def body(args: list[str]) -> str:
    from django.db import connection

    from alumni.network.models import Membership, Organization
    from alumni.network.selectors import my_organizations, subtree_member_counts
    from alumni.people.models import Person
    from tenants.services import SchoolAdmin, school_create

    memberships = int(args[0]) if args else MEMBERSHIPS
    rng = random.Random(SEED)
    school = school_create(
        name="基准组织大学",
        short_name="组织",
        subdomain="bench-network",
        admin=SchoolAdmin(email="admin@network.edu.cn", password="Bench-pass-2024", name="管理员"),  # noqa: S106
    )
    connection.set_tenant(school)
    started = time.perf_counter()
    org_ids = build_tree(rng)
    print(f"  tree: {len(org_ids)} organizations in {time.perf_counter() - started:.1f}s", flush=True)
    started = time.perf_counter()
    members = generate(school.schema_name, org_ids, memberships, rng)
    print(f"  copied {members} memberships in {time.perf_counter() - started:.1f}s", flush=True)

    head = Organization.get_root_nodes().get()
    page = [head.pk, *rng.sample([pk for pk in org_ids if pk != head.pk], 49)]
    subtree_member_counts(page)  # warm caches, as a running server's are
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        counts = subtree_member_counts(page)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"  page of 50: head counts {counts[head.pk]} distinct members; runs {[round(t) for t in timings]} ms"
    )
    top = list(Organization.objects.filter(depth=2).values_list("pk", flat=True))
    started = time.perf_counter()
    subtree_member_counts(top)
    print(f"  all {len(top)} top-level chapters: {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)

    few = Person.objects.get(pk=1)
    many = Person.objects.get(pk=2)
    Membership.objects.bulk_create(
        [Membership(person=many, organization_id=pk) for pk in rng.sample(org_ids, 40)], ignore_conflicts=True
    )
    queries_few = count_queries(lambda: my_organizations(few))
    queries_many = count_queries(lambda: my_organizations(many))
    print(
        f"  my_organizations: {queries_few} queries for 3 organizations, {queries_many} for {len(my_organizations(many))}"
    )
    return (
        f"BENCH network orgs={len(org_ids)} members={members} subtree_count_ms={median(timings):.1f} "
        f"my_orgs_queries={max(queries_few, queries_many)}"
    )


if __name__ == "__main__":
    main("network", body)
