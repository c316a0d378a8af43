"""Reading alumni spreadsheets: XLSX or CSV (UTF-8 with/without BOM, GBK/GB18030), header row
detection (a title row may sit above it) and column-mapping suggestions from header labels."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from alumni.people.models import IMPORT_FIELDS, ColumnMapping
from alumni.people.normalize import text

# Header labels (after normalize.text, lower-cased, spaces removed) → import field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "校友姓名", "学生姓名", "name", "姓 名"),
    "gender": ("性别", "sex", "gender"),
    "birth_date": ("出生日期", "出生年月", "生日", "出生年月日", "出生时间", "birthday", "birthdate"),
    "id_number": ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "idnumber"),
    "student_number": ("学号", "学生编号", "学籍号", "工号", "学号/工号", "studentnumber", "studentid"),
    "level": ("学历层次", "学历", "层次", "培养层次", "学位", "学生类别", "类别", "degree", "level"),
    "college": ("学院", "院系", "所在院系", "所在学院", "系别", "院(系)", "单位名称", "college"),
    "major": ("专业", "专业名称", "所学专业", "major"),
    "class_name": ("班级", "班级名称", "所在班级", "class"),
    "enrollment_year": ("入学年份", "入学时间", "入学年级", "年级", "入学年月", "入学日期", "入校时间"),
    "graduation_year": ("毕业年份", "毕业时间", "毕业年月", "毕业日期", "届别", "毕业届", "离校时间"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "移动电话", "联系方式", "mobile", "phone"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "e-mail", "email", "mail", "邮件"),
    "company": ("工作单位", "单位", "现工作单位", "所在单位", "公司", "就业单位", "company"),
    "title": ("职务", "职位", "职称", "现任职务", "title"),
    "industry": ("行业", "所属行业", "industry"),
    "city": ("所在城市", "城市", "现居城市", "常住城市", "所在地", "现居地", "city"),
    "wechat_id": ("微信号", "微信", "wechat"),
    "note": ("备注", "说明", "note", "remark"),
}
_LABEL_TO_FIELD = {
    alias.lower().replace(" ", ""): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}
HEADER_SCAN_ROWS = 10  # the header is within the first rows; a title or a note may sit above it
SAMPLE_ROWS = 3


def label_key(label) -> str:
    return text(label).lower().replace(" ", "").replace("（", "(").replace("）", ")").rstrip("*:：")


def field_for_label(label) -> str:
    return _LABEL_TO_FIELD.get(label_key(label), "")


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def iter_rows(handle, name: str) -> Iterator[tuple]:
    """Every row of the file's first sheet as a tuple of raw cell values."""
    if name.lower().endswith(".csv"):
        content = decode_csv(handle.read())
        yield from (tuple(row) for row in csv.reader(io.StringIO(content, newline="")))
        return
    # Calamine (Rust) parses a 100,000-row sheet in about a second; openpyxl's read-only mode
    # needs more than a minute for the same file, longer than the whole import may take.
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(handle)
    yield from (tuple(row) for row in workbook.get_sheet_by_index(0).to_python(skip_empty_area=False))


def header_index(rows: list[tuple]) -> int:
    """The 0-based index of the row with the most cells that are known header labels."""
    best, best_score = 0, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = sum(1 for cell in row if field_for_label(cell))
        if score > best_score:
            best, best_score = index, score
    return best


@dataclass
class SheetHead:
    header_row: int  # 1-based spreadsheet row number of the header
    headers: list[str]
    samples: list[list[str]] = field(default_factory=list)  # per column, a few non-empty values


def sheet_head(handle, name: str) -> SheetHead:
    """Find the header row and collect a few sample values per column."""
    rows = iter_rows(handle, name)
    head: list[tuple] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not head:
        return SheetHead(header_row=1, headers=[])
    index = header_index(head)
    headers = [text(cell) for cell in head[index]]
    while headers and not headers[-1]:
        headers.pop()
    samples: list[list[str]] = [[] for _ in headers]
    following = head[index + 1 :]
    for row in rows:
        if len(following) >= 30:
            break
        following.append(row)
    for row in following:
        for column, cell in enumerate(row[: len(headers)]):
            value = text(cell)
            if value and len(samples[column]) < SAMPLE_ROWS:
                samples[column].append(value)
    return SheetHead(header_row=index + 1, headers=headers, samples=samples)


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """Column index → field: what this school chose last time, else the known labels; one column
    per field (the first wins)."""
    remembered = dict(ColumnMapping.objects.values_list("label", "field"))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column, label in enumerate(headers):
        if not label:
            continue
        chosen = remembered[label] if label in remembered else field_for_label(label)
        if chosen and chosen in IMPORT_FIELDS and chosen not in used:
            mapping[str(column)] = chosen
            used.add(chosen)
    return mapping
