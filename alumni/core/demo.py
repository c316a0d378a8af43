"""Demo alumni accounts for a demo school (called by ``saas`` ``bootstrap_demo``).

Names, phones and e-mails are generated from a random generator seeded with the school's
subdomain, so a rerun produces exactly the same people and creates none twice. E-mails use the
reserved example.* domains (RFC 2606) so nothing can ever be delivered to a real mailbox.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from alumni.core.services import audit_record

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
    ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"), ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"), ("傅", "fu"),
    ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"), ("欧阳", "ouyang"), ("司马", "sima"),
]  # fmt: skip

GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("文", "wen"),
    ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("海", "hai"), ("宇", "yu"), ("晨", "chen"),
    ("欣", "xin"), ("怡", "yi"), ("浩", "hao"), ("然", "ran"), ("子", "zi"), ("涵", "han"),
    ("梓", "zi"), ("萱", "xuan"), ("思", "si"), ("雨", "yu"), ("嘉", "jia"), ("琪", "qi"),
    ("博", "bo"), ("瑞", "rui"), ("昊", "hao"), ("婷", "ting"), ("慧", "hui"), ("佳", "jia"),
    ("俊", "jun"), ("鹏", "peng"), ("晓", "xiao"), ("东", "dong"), ("雪", "xue"), ("倩", "qian"),
]  # fmt: skip

PHONE_PREFIXES = ["133", "135", "136", "138", "139", "150", "152", "158", "177", "180", "186", "188", "199"]
MAIL_DOMAINS = ["example.com", "example.net", "example.org", "example.cn"]


def _person(rng: random.Random) -> tuple[str, str, str]:
    """(汉字姓名, pinyin for the e-mail, phone)."""
    surname, surname_py = rng.choice(SURNAMES)
    given = rng.sample(GIVEN, rng.choice([1, 2, 2, 2]))
    name = surname + "".join(g for g, _ in given)
    pinyin = "".join(p for _, p in given) + "." + surname_py
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return name, pinyin, phone


def demo_people(subdomain: str, count: int) -> list[dict]:
    """The same ``count`` made-up alumni every time for a given school: unique phones and e-mails."""
    rng = random.Random(f"alumni-demo-{subdomain}")
    people: list[dict] = []
    phones: set[str] = set()
    emails: set[str] = set()
    while len(people) < count:
        name, pinyin, phone = _person(rng)
        year = rng.randint(1978, 2024)
        email = f"{pinyin}{year % 100:02d}@{rng.choice(MAIL_DOMAINS)}"
        if phone in phones or email in emails:
            continue
        phones.add(phone)
        emails.add(email)
        people.append({"name": name, "phone": phone, "email": email, "class_year": year})
    return people


def demo_alumni_build(*, school, count: int, password: str, actor=None) -> int:
    """Create the school's demo alumni accounts that do not exist yet; return how many were created."""
    user_model = get_user_model()
    people = demo_people(school.subdomain, count)
    existing = set(
        user_model.objects.filter(phone__in=[p["phone"] for p in people]).values_list("phone", flat=True)
    )
    missing = [p for p in people if p["phone"] not in existing]
    if not missing:
        return 0
    # One hash for all: hashing each password separately would take most of the run.
    password_hash = make_password(password)
    now = timezone.now()
    rng = random.Random(f"joined-{school.subdomain}")
    users = [
        user_model(
            username=person["phone"],
            name=person["name"],
            phone=person["phone"],
            email=person["email"],
            password=password_hash,
            date_joined=now - timedelta(days=rng.randint(1, 720), minutes=rng.randint(0, 1440)),
        )
        for person in missing
    ]
    with transaction.atomic():
        user_model.objects.bulk_create(users, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="user.import",
            summary=f"导入演示校友账号 {len(users)} 个",
            after={"count": len(users)},
        )
    return len(users)
