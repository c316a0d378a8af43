"""Read an uploaded invitation list (XLSX or CSV): one row per person, columns 姓名 / 手机号 / 邮箱
(and optionally openid for WeChat). The header row is found the way the alumni import finds it,
so a title row above it and the usual label variants (手机、联系电话、电子邮箱 …) are fine."""

from __future__ import annotations

from itertools import islice

from alumni.people.normalize import text
from alumni.people.services.import_read import field_for_label, header_index, iter_rows, label_key

MAX_ROWS = 5000  # a larger list belongs in an e-mail campaign, not one invitation per person
_FIELDS = ("name", "phone", "email")


class SheetInvalid(ValueError):
    """The file cannot be read as an invitation list (message is shown to the admin)."""


def invite_rows_read(handle, filename: str) -> list[dict]:
    """Rows as {"row": spreadsheet row number, "name", "phone", "email", "openid"}; empty rows dropped."""
    try:
        rows = list(islice(iter_rows(handle, filename), MAX_ROWS + 11))
    except Exception as exc:  # calamine/csv raise many types for a broken or non-spreadsheet file
        raise SheetInvalid("无法读取该文件，请上传 .xlsx 或 .csv 格式的名单") from exc
    if not rows:
        raise SheetInvalid("文件是空的")
    head = header_index(rows)
    columns: dict[str, int] = {}
    for index, label in enumerate(rows[head]):
        field = "openid" if label_key(label) == "openid" else field_for_label(label)
        if field in (*_FIELDS, "openid") and field not in columns:
            columns[field] = index
    if "name" not in columns or not ({"phone", "email", "openid"} & columns.keys()):
        raise SheetInvalid("表头应包含“姓名”，以及“手机号”“邮箱”中的至少一列")
    result = []
    for number, row in enumerate(rows[head + 1 :], start=head + 2):
        values = {field: text(row[i]) if i < len(row) else "" for field, i in columns.items()}
        if not any(values.values()):
            continue
        result.append({"row": number, "name": "", "phone": "", "email": "", "openid": ""} | values)
    if len(result) > MAX_ROWS:
        raise SheetInvalid(f"一次最多邀请 {MAX_ROWS} 人，请拆分名单")
    return result
