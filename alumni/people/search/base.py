"""What every search backend promises, and the filter vocabulary they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from alumni.core.errors import ValidationFailed
from alumni.people.choices import DegreeLevel, Verification


class SearchInvalid(ValidationFailed):
    code = "search_invalid"
    default_message = "搜索条件有误"


@dataclass(frozen=True)
class SearchResult:
    """Person ids of one page in rank order, and how many active records match in all."""

    ids: list[int] = field(default_factory=list)
    total: int = 0


# Filter key → type of its value. Degree filters match when one degree satisfies all of them
# (计算机学院 + 2010届 is not someone who studied computing in 2003 and law in 2010).
INT_FILTERS = ("college_id", "major_id", "enrollment_year", "graduation_year", "group_id")
TEXT_FILTERS = ("level", "class_name", "city", "province", "industry", "company", "verification", "tag")
BOOL_FILTERS = ("is_vip",)
FILTER_KEYS = INT_FILTERS + TEXT_FILTERS + BOOL_FILTERS
DEGREE_FILTERS = ("college_id", "major_id", "level", "enrollment_year", "graduation_year", "class_name")
MAX_LIMIT = 200


def clean_filters(filters: dict[str, Any] | None, *, verified_only: bool = False) -> dict[str, Any]:
    """Validated filters without the empty ones (an empty form field means "any")."""
    cleaned: dict[str, Any] = {}
    unknown = set(filters or {}) - set(FILTER_KEYS)
    if unknown:
        raise SearchInvalid(f"未知的筛选条件：{', '.join(sorted(unknown))}")
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key in INT_FILTERS:
            try:
                cleaned[key] = int(value)
            except (TypeError, ValueError):
                raise SearchInvalid(f"筛选条件 {key} 应为数字", field=key) from None
        elif key in BOOL_FILTERS:
            cleaned[key] = (
                value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
            )
        else:
            cleaned[key] = str(value).strip()
            if not cleaned[key]:
                del cleaned[key]
    if "level" in cleaned and cleaned["level"] not in DegreeLevel.values:
        raise SearchInvalid(f"未知的学历层次：{cleaned['level']}", field="level")
    if verified_only:
        cleaned["verification"] = Verification.VERIFIED
    elif "verification" in cleaned and cleaned["verification"] not in Verification.values:
        raise SearchInvalid(f"未知的认证状态：{cleaned['verification']}", field="verification")
    return cleaned


def clean_page(offset: int, limit: int) -> tuple[int, int]:
    offset, limit = int(offset), int(limit)
    if offset < 0 or limit < 1:
        raise SearchInvalid("分页参数有误")
    return offset, min(limit, MAX_LIMIT)


class SearchBackend(ABC):
    """One school's person index: the current schema's. Only active (unmerged) records are found."""

    name = ""

    @abstractmethod
    def search(self, *, query: str, filters: dict[str, Any], offset: int, limit: int) -> SearchResult:
        """Filters are already cleaned (clean_filters); verified_only is folded into them."""

    @abstractmethod
    def reindex(self, ids: Iterable[int]) -> None:
        """Bring these persons' entries up to date: add, refresh, or drop (merged or deleted)."""

    @abstractmethod
    def reindex_all(self) -> int:
        """Rebuild the school's whole index; returns the number of persons indexed."""
