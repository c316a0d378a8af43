"""Demo alumni records: the sample's college catalog and generated export rows (called by
``saas`` ``bootstrap_demo``; ``bench/import.py`` generates its 100,000 rows with the same code).

Rows look like a real old-system export: one row per degree (a person may have bachelor, master
and doctor rows), phones with spaces or +86-, dates in several forms, years like 2012级, sex as
男/女/M/F/1/2, degree names as 学士/硕士, former college names. The generator is seeded, so a demo
school gets the same people on every run and re-running the import changes nothing.
"""

from __future__ import annotations

import io
import random
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction

from alumni.people.models import College, CollegeAlias, Major, Person

# The sample's colleges: today's name, former names, majors.
SAMPLE_CATALOG: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "计算机科学与技术学院",
        ("计算机学院", "计算机系"),
        ("计算机科学与技术", "软件工程", "信息安全", "人工智能"),
    ),
    ("机械工程学院", ("机械系",), ("机械设计制造及其自动化", "车辆工程", "工业设计")),
    ("经济管理学院", ("管理学院", "经管学院"), ("工商管理", "会计学", "金融学", "市场营销")),
    ("外国语学院", ("外语系",), ("英语", "日语", "翻译")),
    ("材料科学与工程学院", ("材料系",), ("材料科学与工程", "高分子材料")),
    ("土木工程学院", ("土木系",), ("土木工程", "给排水科学与工程")),
    ("化学化工学院", ("化工系",), ("化学工程与工艺", "应用化学")),
    ("数学与统计学院", ("数学系",), ("数学与应用数学", "统计学")),
    ("电气工程学院", ("电气系",), ("电气工程及其自动化", "自动化")),
    ("法学院", ("法律系",), ("法学",)),
]

HEADERS = [
    "姓名", "性别", "出生日期", "身份证号", "学号", "学历层次", "学院", "专业", "班级", "入学年份",
    "毕业年份", "手机", "邮箱", "工作单位", "职务", "行业", "所在城市", "微信号", "备注",
]  # fmt: skip

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华文建国志海宇晨欣怡浩然子涵梓萱思雨嘉琪博瑞昊婷慧佳俊鹏晓东雪倩"
_COMPANIES = [
    "华为技术有限公司", "腾讯科技(深圳)有限公司", "阿里巴巴集团", "中国银行", "招商银行", "国家电网有限公司",
    "中国石化", "美的集团", "比亚迪股份有限公司", "中国建筑集团", "上海市第一人民医院", "本校",
]  # fmt: skip
_TITLES = ["工程师", "高级工程师", "经理", "总监", "教授", "研究员", "处长", "副总裁", "创始人", "教师"]
_INDUSTRIES = ["互联网", "金融", "制造", "建筑", "教育", "政府机关", "卫生医疗", "能源化工", "咨询", "其他"]
_CITIES = [
    "北京",
    "上海",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "苏州",
    "天津",
    "新加坡",
]
_REGIONS = [
    "110105",
    "310104",
    "440305",
    "330106",
    "320102",
    "510107",
    "420106",
    "610113",
    "500103",
    "370102",
]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, birth: date, male: bool) -> str:
    sequence = rng.randrange(0, 99) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{rng.choice(_REGIONS)}{birth:%Y%m%d}{sequence:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _birth_cell(rng: random.Random, birth: date):
    form = rng.randrange(6)
    if form == 0:
        return birth  # a real date cell
    if form == 1:
        return f"{birth.year}/{birth.month}/{birth.day}"
    if form == 2:
        return f"{birth:%Y%m%d}"
    if form == 3:
        return f"{birth.year}年{birth.month}月"
    return birth.isoformat()


def _phone_cell(rng: random.Random, phone: str):
    form = rng.randrange(6)
    if form == 0:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if form == 1:
        return f"+86-{phone}"
    if form == 2:
        return int(phone)
    if form == 3:
        return phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return phone


def generate_rows(count: int, *, seed: str = "alumni-import") -> list[list]:
    """``count`` export rows (one per degree) in the sample's column order, always the same."""
    rng = random.Random(seed)
    rows: list[list] = []
    person = 0
    while len(rows) < count:
        person += 1
        male = rng.random() < 0.5
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2, 2])))
        birth = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        id_number = _id_number(rng, birth, male) if rng.random() < 0.7 else ""
        phone = rng.choice(["138", "139", "186", "189", "158", "177"]) + f"{rng.randrange(10**8):08d}"
        email = f"u{person}_{rng.randrange(10**6)}@example.com" if rng.random() < 0.6 else ""
        college, aliases, majors = rng.choice(SAMPLE_CATALOG)
        sex = rng.choice(["男", "M", "1"] if male else ["女", "F", "2"])
        company, title = rng.choice(_COMPANIES), rng.choice(_TITLES)
        industry, city = rng.choice(_INDUSTRIES), rng.choice(_CITIES)
        start = birth.year + 18
        levels = [("本科", "学士", 4)]
        if rng.random() < 0.3:
            levels.append(("硕士研究生", "硕士", 3))
            if rng.random() < 0.3:
                levels.append(("博士研究生", "博士", 4))
        for level, old_level, years in levels:
            if len(rows) >= count:
                break
            end = start + years
            if start > date.today().year:
                break
            college_cell = rng.choice((college, *aliases)) if start < 2005 else college
            major = rng.choice(majors)
            rows.append(
                [
                    name,
                    sex,
                    _birth_cell(rng, birth),
                    id_number,
                    f"{start % 100:02d}{rng.randrange(10**7):07d}",
                    rng.choice([level, level, old_level]),
                    college_cell,
                    major,
                    f"{major[:2]}{start % 100:02d}-{rng.randint(1, 5)}班",
                    rng.choice([start, str(start), f"{start}级", f"{start}年"]),
                    rng.choice([end, str(end), f"{end}年"]),
                    _phone_cell(rng, phone),
                    email,
                    company,
                    title,
                    industry,
                    city,
                    f"wx_{person}" if rng.random() < 0.3 else "",
                    "",
                ]
            )
            start = end
    return rows


def rows_to_xlsx(rows: list[list], *, title: str = "") -> bytes:
    """An XLSX with the sample's header (and an optional title row above it, as exports have)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("校友")
    if title:
        sheet.append([title])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def catalog_seed() -> int:
    """Create the sample's colleges, former names and majors that are missing; how many colleges."""
    created = 0
    with transaction.atomic():
        for order, (name, aliases, majors) in enumerate(SAMPLE_CATALOG, start=1):
            college, made = College.objects.get_or_create(name=name, defaults={"sort_order": order * 10})
            created += made
            for alias in aliases:
                CollegeAlias.objects.get_or_create(name=alias, defaults={"college": college})
            for major in majors:
                Major.objects.get_or_create(college=college, name=major)
    return created


def demo_records_build(*, school, actor=None, count: int = 300) -> dict:
    """Seed the catalog and import ``count`` generated rows through the real import pipeline."""
    from alumni.people.services.imports import import_upload

    catalog_seed()
    if Person.objects.exists():
        return {"persons_created": 0, "rows_read": 0}
    rows = generate_rows(count, seed=f"alumni-demo-records-{school.subdomain}")
    upload = ContentFile(rows_to_xlsx(rows, title=f"{school.name}校友信息导出"), name="演示校友档案.xlsx")
    return import_upload(upload=upload, actor=actor)


def demo_verified_links(*, seed: str, pending: int = 3, unverified: int = 5) -> dict:
    """Give the demo's alumni accounts records and verify them the way alumni do: by claiming.

    For each account without a record, the office's records get an official entry with the
    account's name and a student number; the account then claims it with name + student number
    (``claim_submit``), which verifies it at once. The last ``unverified`` accounts stay
    unverified, and ``pending`` of them claim with a student number the records do not have, so
    the back office's verification queue has work in it.
    """
    from django.contrib.auth import get_user_model

    from alumni.people.choices import DegreeLevel, RecordSource
    from alumni.people.models import AccountLink, Claim
    from alumni.people.services.claims import claim_submit
    from alumni.people.services.records import person_create

    if Claim.objects.exists():  # already done on an earlier run: the demo stays as it was
        return {"verified": 0, "pending": 0}
    rng = random.Random(seed)
    users = list(
        get_user_model()
        .objects.filter(is_staff=False, is_superuser=False, person_link__isnull=True)
        .exclude(claims__isnull=False)
        .order_by("pk")
    )
    colleges = list(College.objects.prefetch_related("majors").order_by("pk"))
    if not users or not colleges:
        return {"verified": 0, "pending": 0}
    to_verify, rest = users[: max(0, len(users) - unverified)], users[max(0, len(users) - unverified) :]
    verified = 0
    for user in to_verify:
        college = rng.choice(colleges)
        majors = list(college.majors.all())
        year = rng.randrange(1985, 2020)
        number = f"{year % 100:02d}{rng.randrange(10**6, 10**7)}"
        person_create(
            name=user.name,
            phones=[user.phone] if user.phone else [],
            emails=[user.email] if user.email else [],
            source=RecordSource.IMPORT,
            degrees=[
                {
                    "level": DegreeLevel.BACHELOR,
                    "college": college,
                    "major": rng.choice(majors) if majors else None,
                    "student_number": number,
                    "enrollment_year": year,
                    "graduation_year": year + 4,
                    "class_name": f"{college.name[:2]}{year % 100:02d}-{rng.randrange(1, 6)}班",
                }
            ],
        )
        claim = claim_submit(
            user=user,
            method=Claim.Method.STUDENT_NUMBER,
            name=user.name,
            student_number=number,
            level=DegreeLevel.BACHELOR,
        )
        verified += claim.status == Claim.Status.APPROVED
    queued = 0
    for user in rest[:pending]:
        claim_submit(
            user=user,
            method=Claim.Method.STUDENT_NUMBER,
            name=user.name,
            student_number=f"99{rng.randrange(10**6, 10**7)}",
            level=DegreeLevel.BACHELOR,
        )
        queued += 1
    return {"verified": verified, "pending": queued, "linked": AccountLink.objects.count()}
