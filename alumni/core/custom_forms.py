"""Forms an admin designs (join applications, event registrations): their fields and the answers.

A form is a list of fields ``{"key", "label", "type", "required", "options"}``; an answer set is a
dict key → string. Each app passes its own error class so the messages keep its stable code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

FIELD_TYPES = ("text", "textarea", "choice", "number", "date")


def _options(options) -> list[str]:
    if isinstance(options, str):
        options = options.splitlines()
    return list(dict.fromkeys(str(o).strip()[:40] for o in options or [] if str(o).strip()))


def form_fields_clean(form, *, error: type[Exception], field: str, title: str) -> list[dict]:
    """The fields of a designed form, normalised; `title` names the form in messages (入会申请表)."""
    if not isinstance(form, list):
        raise error(f"{title}格式不正确", field=field)
    cleaned, keys = [], set()
    for item in form:
        key = str(item.get("key", "")).strip() if isinstance(item, dict) else ""
        label = str(item.get("label", "")).strip() if key else ""
        if not key or not label or key in keys:
            raise error(f"{title}的每一项需要唯一的标识和名称", field=field)
        keys.add(key)
        kind = item.get("type") or "text"
        if kind not in FIELD_TYPES:
            raise error(f"{title}“{label}”的类型不正确", field=field)
        entry = {"key": key, "label": label[:60], "type": kind, "required": bool(item.get("required"))}
        if kind == "choice":
            entry["options"] = _options(item.get("options"))
            if len(entry["options"]) < 2:
                raise error(f"选择题“{label}”至少需要两个选项", field=field)
        cleaned.append(entry)
    return cleaned


def _answer(item: dict, value: str, error: type[Exception]) -> str:
    """One answer checked against its field's type; '' stays '' (required is checked by the caller)."""
    kind, label, key = item.get("type", "text"), item["label"], item["key"]
    if not value:
        return ""
    if kind == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(value) > 30:
            raise error(f"“{label}”请填写数字", field=key)
        return value
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise error(f"“{label}”请填写日期（如 2020-09-01）", field=key) from None
    if kind == "choice" and value not in item.get("options", []):
        raise error(f"“{label}”请从选项中选择", field=key)
    return value[:1000]


def form_answers_clean(form: list[dict], answers, *, error: type[Exception]) -> dict:
    """The answers to `form`: required ones present, each of its field's type, nothing extra kept."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise error()
    cleaned = {}
    for item in form:
        value = str(answers.get(item["key"], "") or "").strip()
        if item.get("required") and not value:
            raise error(f"请填写：{item['label']}", field=item["key"])
        cleaned[item["key"]] = _answer(item, value, error)
    return cleaned
