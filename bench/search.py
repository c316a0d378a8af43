"""Directory search on 500,000 alumni of one school: index build time and query latency.

Generates the records with a fixed seed straight into the school's tables with COPY (common
surnames and given-name characters, companies, cities, industries, one to three degrees each),
builds the search index with ``reindex_all`` (timed), then runs 200 mixed queries through
``search_persons`` — full Chinese names, partial names and surnames, full pinyin, initials, company
words, cities, filters (college + year, college + major, city + industry …) and combinations —
and prints the latency per query shape, EXPLAIN ANALYZE of the slowest queries, and last:

    BENCH search persons=500000 p50_ms=… p95_ms=… build_s=…

Goal: p95 <= 50 ms.    python bench/search.py [PERSONS]   # or: make bench NAME=search
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from _harness import main, median

PERSONS = 500_000
QUERIES = 200
SEED = 20240601

# Common surnames with rough weights (per mille of the population).
SURNAMES = (
    "王72 李71 张67 刘54 陈45 杨31 黄22 赵20 吴20 周19 徐15 孙15 马14 朱13 胡13 郭12 何11 高10 林10 罗10 "
    "郑9 梁9 谢8 宋7 唐7 许6 韩6 冯6 邓6 曹6 彭5 曾5 肖5 田5 董5 袁4 潘4 于4 蒋4 蔡4 余4 杜4 叶4 程4 苏4 "
    "魏3 吕3 丁3 任3 沈3 姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏2 韦2 付2 方2 白2 邹2 孟2 "
    "熊2 秦2 邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃1 武1 "
    "戴1 莫1 孔1 向1 汤1 欧阳1 司马1 诸葛1 上官1"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红文辉建国志鹏飞斌宇浩凯晨阳雪梅琳婷倩颖"
    "欣怡子涵梓轩浩然一诺思远博文俊杰晓东海燕春秋立新永庆德福家豪嘉怡佳琪雨萱诗琪可馨宏伟志强建华"
    "天佑若曦铭泽瑞霖睿哲昊天宸逸嘉懿心怡晨曦沐阳景行书瑶雅静慧敏丹丹璐瑶晶莹冬梅金凤少华振华"
)
CITIES = {
    "北京": "北京",
    "上海": "上海",
    "天津": "天津",
    "重庆": "重庆",
    "深圳": "广东",
    "广州": "广东",
    "东莞": "广东",
    "佛山": "广东",
    "杭州": "浙江",
    "宁波": "浙江",
    "温州": "浙江",
    "南京": "江苏",
    "苏州": "江苏",
    "无锡": "江苏",
    "常州": "江苏",
    "成都": "四川",
    "绵阳": "四川",
    "武汉": "湖北",
    "宜昌": "湖北",
    "西安": "陕西",
    "长沙": "湖南",
    "郑州": "河南",
    "洛阳": "河南",
    "济南": "山东",
    "青岛": "山东",
    "烟台": "山东",
    "合肥": "安徽",
    "福州": "福建",
    "厦门": "福建",
    "南昌": "江西",
    "沈阳": "辽宁",
    "大连": "辽宁",
    "长春": "吉林",
    "哈尔滨": "黑龙江",
    "石家庄": "河北",
    "太原": "山西",
    "昆明": "云南",
    "贵阳": "贵州",
    "南宁": "广西",
    "海口": "海南",
    "兰州": "甘肃",
    "乌鲁木齐": "新疆",
    "呼和浩特": "内蒙古",
    "银川": "宁夏",
    "西宁": "青海",
    "拉萨": "西藏",
    "香港": "香港",
    "新加坡": "海外",
    "旧金山": "海外",
    "伦敦": "海外",
}
BRANDS = [
    "腾讯",
    "华为",
    "阿里巴巴",
    "百度",
    "字节跳动",
    "京东",
    "美团",
    "小米",
    "网易",
    "中兴",
    "联想",
    "海尔",
    "格力",
    "美的",
    "比亚迪",
    "宁德时代",
    "大疆",
    "中国移动",
    "中国联通",
    "中国电信",
    "国家电网",
    "中国石油",
    "中国石化",
    "中国建筑",
    "中国中铁",
    "工商银行",
    "建设银行",
    "农业银行",
    "中国银行",
    "招商银行",
    "平安保险",
    "中信证券",
    "华泰证券",
    "万科",
    "碧桂园",
    "顺丰",
    "中远海运",
    "商飞",
    "航天科技",
    "中芯国际",
    "海康威视",
    "科大讯飞",
    "用友",
    "金蝶",
    "东方财富",
    "恒瑞医药",
    "迈瑞医疗",
    "药明康德",
    "三一重工",
    "徐工",
    "潍柴",
    "上汽",
    "一汽",
    "吉利",
    "长城汽车",
    "蔚来",
    "理想汽车",
    "小鹏",
    "微软",
    "IBM",
    "英特尔",
    "西门子",
    "博世",
    "宝洁",
    "联合利华",
    "麦肯锡",
    "德勤",
    "普华永道",
    "安永",
    "毕马威",
    "金杜",
    "君合",
    "中伦",
    "新华社",
    "人民日报",
    "央视",
    "清华大学",
    "北京大学",
    "中科院",
    "协和医院",
    "华西医院",
]
SUFFIXES = ["有限公司", "股份有限公司", "集团", "研究院", "分公司", "科技有限公司", ""]
WORDS = [
    "华信",
    "中科",
    "新创",
    "远景",
    "恒达",
    "汇通",
    "天成",
    "博雅",
    "瑞丰",
    "鼎盛",
    "金桥",
    "宏图",
    "众联",
    "安捷",
    "东方",
    "长江",
    "启明",
    "智联",
    "云海",
    "星河",
]
COLLEGES = {
    "计算机科学与技术学院": ["计算机科学与技术", "软件工程", "网络工程", "人工智能"],
    "机械工程学院": ["机械设计制造及其自动化", "车辆工程", "工业设计"],
    "经济管理学院": ["工商管理", "会计学", "金融学", "市场营销", "经济学"],
    "外国语学院": ["英语", "日语", "德语"],
    "材料科学与工程学院": ["材料科学与工程", "高分子材料"],
    "土木工程学院": ["土木工程", "建筑学", "给排水科学与工程"],
    "化学化工学院": ["化学工程与工艺", "应用化学"],
    "数学与统计学院": ["数学与应用数学", "统计学", "信息与计算科学"],
    "电气工程学院": ["电气工程及其自动化", "自动化"],
    "法学院": ["法学", "知识产权"],
    "新闻传播学院": ["新闻学", "广告学"],
    "医学院": ["临床医学", "护理学", "药学"],
}
TITLES = [
    "工程师",
    "高级工程师",
    "经理",
    "总监",
    "副总裁",
    "总经理",
    "教授",
    "主任",
    "研究员",
    "律师",
    "医生",
    "",
]


def _weighted_surnames() -> tuple[list[str], list[int]]:
    names, weights = [], []
    for item in SURNAMES.split():
        names.append(item.rstrip("0123456789"))
        weights.append(int(item[len(names[-1]) :]))
    return names, weights


def generate(schema: str, persons: int, rng: random.Random) -> dict:
    """COPY the records into the school's tables; returns what the queries sample from."""
    from django.db import connection
    from django.utils import timezone

    from alumni.people.choices import INDUSTRIES
    from alumni.people.models import College, Major, new_public_id
    from alumni.people.pinyin import name_initials, name_pinyin

    colleges = {name: College.objects.create(name=name, sort_order=i) for i, name in enumerate(COLLEGES)}
    majors = {
        college: [Major.objects.create(college=colleges[college], name=major) for major in names]
        for college, names in COLLEGES.items()
    }
    surnames, weights = _weighted_surnames()
    cities = list(CITIES)
    companies = [
        f"{rng.choice(cities) if rng.random() < 0.3 else ''}{rng.choice(BRANDS)}"
        f"{rng.choice(WORDS) if rng.random() < 0.4 else ''}{rng.choice(SUFFIXES)}"
        for _ in range(30_000)
    ]
    now = timezone.now()
    sample: dict[str, list] = defaultdict(list)
    started = time.perf_counter()
    person_columns = (
        "id, public_id, name, name_pinyin, name_initials, gender, birth_date_precision, id_number_digest, "
        "id_number_cipher, id_number_masked, phones, emails, wechat_id, province, city, company, title, "
        "industry, photo, tags, is_vip, verification, source, note, custom_fields, privacy, created_at, updated_at"
    )
    degree_columns = (
        "person_id, level, college_id, college_name_raw, major_id, major_name, class_name, student_number, "
        "enrollment_year, graduation_year, source, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {schema}.people_person ({person_columns}) FROM STDIN") as copy:
            for pk in range(1, persons + 1):
                surname = rng.choices(surnames, weights)[0]
                given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
                name = surname + given
                city = rng.choice(cities)
                company = rng.choice(companies)
                verification = "verified" if rng.random() < 0.3 else "official"
                tags = "{理事}" if rng.random() < 0.01 else "{}"
                copy.write_row(
                    (
                        pk,
                        new_public_id(),
                        name,
                        name_pinyin(name),
                        name_initials(name),
                        rng.choice("MF"),
                        "day",
                        "",
                        "",
                        "",
                        f"{{1{rng.randrange(3_000_000_000, 9_999_999_999)}}}",
                        "{}",
                        "",
                        CITIES[city],
                        city,
                        company,
                        rng.choice(TITLES),
                        rng.choice(INDUSTRIES),
                        "",
                        tags,
                        rng.random() < 0.02,
                        verification,
                        "import",
                        "",
                        "{}",
                        "{}",
                        now,
                        now,
                    )
                )
                if pk % 997 == 0:
                    sample["names"].append(name)
                    sample["companies"].append(company)
        print(f"  persons copied in {time.perf_counter() - started:.1f}s", flush=True)
        started = time.perf_counter()
        degrees = 0
        with cursor.copy(f"COPY {schema}.people_degree ({degree_columns}) FROM STDIN") as copy:
            for pk in range(1, persons + 1):
                college = rng.choice(list(COLLEGES))
                major = rng.choice(majors[college])
                start = rng.randrange(1978, 2024)
                levels = [("bachelor", start, start + 4)]
                if rng.random() < 0.25:
                    levels.append(("master", start + 4, start + 7))
                    if rng.random() < 0.2:
                        levels.append(("doctor", start + 7, start + 11))
                for level, enrolled, graduated in levels:
                    if level != "bachelor" and rng.random() < 0.5:
                        college = rng.choice(list(COLLEGES))
                        major = rng.choice(majors[college])
                    class_name = (
                        f"{major.name[:2]}{str(enrolled)[2:]}0{rng.randrange(1, 5)}"
                        if level == "bachelor"
                        else ""
                    )
                    copy.write_row(
                        (
                            pk,
                            level,
                            colleges[college].pk,
                            college,
                            major.pk,
                            major.name,
                            class_name,
                            f"{enrolled}{pk:07d}",
                            enrolled,
                            graduated,
                            "import",
                            now,
                            now,
                        )
                    )
                    degrees += 1
                    if pk % 1999 == 0:
                        sample["degrees"].append(
                            (colleges[college].pk, major.pk, level, graduated, class_name)
                        )
        cursor.execute(f"SELECT setval('{schema}.people_person_id_seq', %s)", [persons])
        # As after an import settles: statistics known, pages all-visible (no autovacuum mid-run).
        cursor.execute(f"VACUUM (ANALYZE) {schema}.people_person")
        cursor.execute(f"VACUUM (ANALYZE) {schema}.people_degree")
    print(f"  {degrees} degrees copied in {time.perf_counter() - started:.1f}s", flush=True)
    sample["cities"] = cities
    return sample


def queries(sample: dict, rng: random.Random) -> list[tuple[str, dict]]:
    """200 searches an alumni office and its alumni would type, by shape."""
    from alumni.people.pinyin import name_initials, name_pinyin

    names, degrees, cities = (
        sample["names"],
        sample["degrees"],
        sample["cities"],
    )
    shapes: list[tuple[str, dict]] = []

    def add(shape: str, count: int, make) -> None:
        shapes.extend((shape, make()) for _ in range(count))

    add("full_name", 36, lambda: {"query": rng.choice(names)})
    add("partial_name", 14, lambda: {"query": (lambda n: n[:2] if len(n) == 3 else n[1:])(rng.choice(names))})
    add("surname", 6, lambda: {"query": rng.choice(names)[0]})
    add("full_pinyin", 30, lambda: {"query": name_pinyin(rng.choice(names))})
    add("pinyin_prefix", 10, lambda: {"query": name_pinyin(rng.choice(names))[:6]})
    add("initials", 16, lambda: {"query": name_initials(rng.choice([n for n in names if len(n) == 3]))})
    add("company", 20, lambda: {"query": rng.choice(BRANDS)})
    add("city", 8, lambda: {"query": rng.choice(cities)})
    add(
        "college_year",
        16,
        lambda: (lambda d: {"filters": {"college_id": d[0], "graduation_year": d[3]}})(rng.choice(degrees)),
    )
    add(
        "college_major",
        6,
        lambda: (lambda d: {"filters": {"college_id": d[0], "major_id": d[1]}})(rng.choice(degrees)),
    )
    add("class", 6, lambda: (lambda d: {"filters": {"class_name": d[4] or "计算08"}})(rng.choice(degrees)))
    add("city_industry", 6, lambda: {"filters": {"city": rng.choice(cities), "industry": "互联网"}})
    add(
        "name_college",
        10,
        lambda: (
            lambda d: {
                "query": rng.choice(names)[0],
                "filters": {"college_id": d[0], "graduation_year": d[3]},
            }
        )(rng.choice(degrees)),
    )
    add(
        "pinyin_city",
        6,
        lambda: {"query": name_pinyin(rng.choice(names))[:5], "filters": {"city": rng.choice(cities)}},
    )
    add(
        "verified_company_city",
        6,
        lambda: {"query": rng.choice(BRANDS), "filters": {"city": rng.choice(cities)}, "verified_only": True},
    )
    add("page_3", 4, lambda: {"query": rng.choice(names)[0], "offset": 40})
    assert len(shapes) == QUERIES, len(shapes)
    rng.shuffle(shapes)
    return shapes


def explain(kwargs: dict) -> str:
    """EXPLAIN ANALYZE of the page query the postgres backend runs for these arguments."""
    from django.db import connection

    from alumni.people.search import search_persons

    captured = []
    real = connection.cursor

    class Spy:
        def __init__(self, cursor):
            self.cursor = cursor

        def __enter__(self):
            self.cursor.__enter__()
            return self

        def __exit__(self, *exc):
            return self.cursor.__exit__(*exc)

        def execute(self, sql, params=None):
            captured.append((sql, params))
            return self.cursor.execute(sql, params)

        def __getattr__(self, name):
            return getattr(self.cursor, name)

    connection.cursor = lambda: Spy(real())
    try:
        search_persons(**kwargs)
    finally:
        connection.cursor = real
    lines = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines.extend("      " + row[0] for row in cursor.fetchall())
    return "\n".join(lines)


def body(args: list[str]) -> str:
    from django.db import connection

    from alumni.people.search import reindex_all, search_persons
    from tenants.services import SchoolAdmin, school_create

    persons = int(args[0]) if args else PERSONS
    rng = random.Random(SEED)
    school = school_create(
        name="基准搜索大学",
        short_name="搜索",
        subdomain="bench-search",
        admin=SchoolAdmin(email="admin@search.edu.cn", password="Bench-pass-2024", name="管理员"),  # noqa: S106
    )
    connection.set_tenant(school)
    sample = generate(school.schema_name, persons, rng)

    started = time.perf_counter()
    indexed = reindex_all()
    build_s = time.perf_counter() - started
    print(f"  index built: {indexed} persons in {build_s:.1f}s", flush=True)

    workload = queries(sample, rng)
    started = time.perf_counter()
    for _, kwargs in workload:  # one untimed pass: a running server's caches are warm
        search_persons(**kwargs)
    print(f"  warm-up pass (cold caches): {time.perf_counter() - started:.1f}s for {len(workload)} queries")
    timings: list[tuple[float, str, dict, int]] = []
    for shape, kwargs in workload:
        started = time.perf_counter()
        result = search_persons(**kwargs)
        timings.append(((time.perf_counter() - started) * 1000, shape, kwargs, result.total))
    by_shape: dict[str, list[float]] = defaultdict(list)
    for ms, shape, _, _ in timings:
        by_shape[shape].append(ms)
    for shape, values in sorted(by_shape.items(), key=lambda item: -max(item[1])):
        print(
            f"  {shape:<22} n={len(values):<3} p50={median(values):6.1f}ms max={max(values):6.1f}ms",
            flush=True,
        )
    slowest = sorted(timings, key=lambda item: -item[0])[:3]
    for ms, shape, kwargs, total in slowest:
        print(f"  slow: {ms:.1f}ms {shape} {kwargs} total={total}\n{explain(kwargs)}", flush=True)
    values = sorted(ms for ms, *_ in timings)
    p50, p95 = median(values), values[int(len(values) * 0.95) - 1]
    return f"BENCH search persons={persons} p50_ms={p50:.1f} p95_ms={p95:.1f} build_s={build_s:.0f} queries={len(values)}"


if __name__ == "__main__":
    main("search", body)
