"""校友档案 → 统计, plus the dashboard's record counters.

Charts use ECharts from ``saas/static/vendor/echarts/`` (fetched from npm by ``make install``,
never committed), with the China province map from the ``echarts@4`` package's
``map/json/china.json``. Without those files the page shows the same numbers as tables and a
tile-grid map drawn in HTML.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from alumni.core.stats import Stat, register_stat
from alumni.people.selectors import stats as selectors
from alumni.people.wagtail_hooks.menu import MENU_HOOK, PeopleMenuItem

PERMISSION = ("people.view_person", "people.change_person")
ECHARTS = "vendor/echarts/echarts.min.js"
CHINA_MAP = "vendor/echarts/china.json"

# Tile-grid map of China's provinces (row, column): each province one square, roughly where it
# lies, so the map needs no GeoJSON. Names as alumni records write them (without 省/市 suffix).
PROVINCE_TILES = {
    "黑龙江": (0, 7),
    "吉林": (1, 7),
    "辽宁": (2, 6),
    "内蒙古": (1, 5),
    "北京": (2, 5),
    "新疆": (1, 0),
    "甘肃": (2, 2),
    "宁夏": (2, 3),
    "山西": (3, 4),
    "河北": (3, 5),
    "天津": (3, 6),
    "青海": (3, 1),
    "陕西": (3, 3),
    "河南": (4, 4),
    "山东": (4, 5),
    "西藏": (4, 0),
    "四川": (4, 2),
    "重庆": (4, 3),
    "湖北": (5, 4),
    "安徽": (5, 5),
    "江苏": (4, 6),
    "上海": (5, 7),
    "贵州": (5, 2),
    "湖南": (6, 4),
    "江西": (6, 5),
    "浙江": (5, 6),
    "云南": (6, 1),
    "广西": (6, 2),
    "广东": (7, 4),
    "福建": (6, 6),
    "台湾": (7, 6),
    "海南": (8, 3),
    "香港": (7, 5),
    "澳门": (8, 4),
}
_SUFFIXES = ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区")


def short_province(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def province_tiles(rows: list[tuple[str, int]]) -> list[dict]:
    """The tile grid (8 columns × 9 rows) with each province's count and a 0–1 intensity."""
    counts: dict[str, int] = {}
    for name, n in rows:
        counts[short_province(name)] = counts.get(short_province(name), 0) + n
    peak = max([counts.get(p, 0) for p in PROVINCE_TILES] + [1])
    grid = {pos: name for name, pos in PROVINCE_TILES.items()}
    tiles = []
    for row in range(9):
        for col in range(8):
            name = grid.get((row, col))
            n = counts.get(name, 0) if name else 0
            tiles.append({"name": name, "count": n, "level": round(n / peak, 2) if name else 0})
    return tiles


def _require(request):
    if not any(request.user.has_perm(p) for p in PERMISSION):
        raise PermissionDenied


def stats_view(request):
    _require(request)
    provinces = selectors.by_province()
    charts = [
        ("graduation_year", _("按毕业年份"), "bar", selectors.by_graduation_year()),
        ("college", _("按学院"), "hbar", selectors.by_college()),
        ("level", _("按学历层次"), "pie", selectors.by_level()),
        ("industry", _("按行业"), "hbar", selectors.by_industry()),
        ("city", _("按城市（前 30）"), "hbar", selectors.by_city()),
        ("funnel", _("注册 → 认证"), "funnel", selectors.funnel()),
    ]
    has_echarts = bool(finders.find(ECHARTS))
    return TemplateResponse(
        request,
        "people/admin/stats.html",
        {
            "page_title": _("校友统计"),
            "header_icon": "table",
            "counts": selectors.record_counts(),
            "charts": [
                {"key": k, "title": t, "kind": kind, "rows": rows, "data": [[str(a), b] for a, b in rows]}
                for k, t, kind, rows in charts
            ],
            "provinces": provinces,
            "province_data": [[short_province(a), b] for a, b in provinces],
            "tiles": province_tiles(provinces),
            "has_echarts": has_echarts,
            "has_china_map": has_echarts and bool(finders.find(CHINA_MAP)),
            "echarts_js": ECHARTS,
            "china_map": CHINA_MAP,
        },
    )


@hooks.register("register_admin_urls")
def register_stats_urls():
    return [path("people/stats/", stats_view, name="people_stats")]


@hooks.register(MENU_HOOK)
def register_stats_menu_item():
    return PeopleMenuItem(
        _("统计"), reverse("people_stats"), icon_name="table", order=400, permission=PERMISSION
    )


@register_stat
def record_stats(request):
    counts = selectors.record_counts()
    may_list = any(request.user.has_perm(p) for p in PERMISSION)
    url = reverse("people_records:index") if may_list else ""
    verified_url = f"{url}?verification=verified" if url else ""
    return [
        Stat(_("校友档案"), counts["total"], "group", url, 5),
        Stat(_("已认证校友"), counts["verified"], "success", verified_url, 6),
    ]
