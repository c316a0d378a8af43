"""Placeholders such as {{姓名}} in message subjects and bodies, filled per recipient.

Unknown placeholders are replaced by "" (a recipient must never see raw braces) and reported
beforehand by `placeholders_unknown` so the editor can fix the template before sending.
"""

from __future__ import annotations

import re
from datetime import date

# {{ 姓名 }} with optional inner spaces; names are Chinese words or ASCII identifiers.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}\s]{1,20})\s*\}\}")

# The standard placeholders (name → what it is), shown to editors next to the template.
STANDARD_PLACEHOLDERS: dict[str, str] = {
    "姓名": "校友姓名",
    "称呼": "姓名 + 校友（如：张三校友）",
    "学院": "第一学历的学院",
    "专业": "第一学历的专业",
    "班级": "第一学历的班级",
    "入学年份": "第一学历的入学年份",
    "毕业年份": "第一学历的毕业年份",
    "工作单位": "工作单位",
    "城市": "所在城市",
    "学校": "学校名称",
    "日期": "发送当天的日期",
}


def placeholders_in(text: str) -> list[str]:
    """Every placeholder name used in `text`, in order of first appearance."""
    seen: list[str] = []
    for match in PLACEHOLDER_RE.finditer(text or ""):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def placeholders_unknown(text: str, known: set[str] | None = None) -> list[str]:
    """Placeholders in `text` that would render empty (not standard and not in `known`)."""
    allowed = set(STANDARD_PLACEHOLDERS) | set(known or ())
    return [name for name in placeholders_in(text) if name not in allowed]


def render_placeholders(text: str, context: dict) -> str:
    """Replace {{名称}} with context values; unknown names become ""."""
    if not text:
        return text or ""

    def replace(match: re.Match) -> str:
        value = context.get(match.group(1))
        return "" if value is None else str(value)

    return PLACEHOLDER_RE.sub(replace, text)


def _first_degree(person):
    degrees = getattr(person, "_prefetched_objects_cache", {}).get("degrees")
    if degrees is None:
        degrees = person.degrees.select_related("college", "major").all()
    degrees = sorted(degrees, key=lambda d: (d.enrollment_year or 9999, d.id))
    return degrees[0] if degrees else None


def person_context(person) -> dict:
    """The standard placeholders for one person (empty strings where unknown)."""
    from django.db import connection

    context = {name: "" for name in STANDARD_PLACEHOLDERS}
    context["日期"] = date.today().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月")
    tenant = getattr(connection, "tenant", None)
    context["学校"] = getattr(tenant, "name", "") or ""
    if person is None:
        return context
    context["姓名"] = person.name or ""
    context["称呼"] = f"{person.name}校友" if person.name else "校友"
    context["工作单位"] = person.company or ""
    context["城市"] = person.city or ""
    degree = _first_degree(person)
    if degree is not None:
        context["学院"] = str(degree.college.name if degree.college_id else degree.college_name_raw or "")
        context["专业"] = degree.major.name if degree.major_id else (degree.major_name or "")
        context["班级"] = degree.class_name or ""
        context["入学年份"] = str(degree.enrollment_year or "")
        context["毕业年份"] = str(degree.graduation_year or "")
    return context
