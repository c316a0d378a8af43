"""Pinyin for Chinese names, so that "zhangwei" and "zw" find 张伟.

Surnames with a special reading (单 shan, 曾 zeng, 解 xie …) are read as surnames; the rest of
the name goes through pypinyin's phrase dictionary. Output is lower-case ASCII without tones.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose common reading differs from their reading as a surname.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "尉": "yu",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "黑": "he",
    "种": "chong",
    "瞿": "qu",
    "繁": "po",
    "折": "she",
    "召": "shao",
    "员": "yun",
    "宓": "mi",
    "长孙": "zhangsun",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "澹台": "tantai",
}


def _split_surname(name: str) -> tuple[str, str]:
    if name[:2] in _SURNAME_READINGS:
        return name[:2], name[2:]
    return name[:1], name[1:]


@lru_cache(maxsize=65536)
def name_syllables(name: str) -> tuple[str, ...]:
    """Each character's pinyin, surname-aware: 曾小贤 → ('zeng', 'xiao', 'xian')."""
    name = (name or "").strip()
    if not name:
        return ()
    if not any("\u4e00" <= char <= "\u9fff" for char in name):  # a Latin name: its own words
        return tuple(word.lower() for word in name.replace("-", " ").split())
    surname, given = _split_surname(name)
    head = (
        [_SURNAME_READINGS[surname]]
        if surname in _SURNAME_READINGS
        else lazy_pinyin(surname, style=Style.NORMAL)
    )
    tail = lazy_pinyin(given, style=Style.NORMAL, errors="ignore") if given else []
    return tuple(part.lower() for part in [*head, *tail] if part.strip())


def name_pinyin(name: str) -> str:
    """张伟 → zhangwei."""
    return "".join(name_syllables(name))


def name_initials(name: str) -> str:
    """张伟 → zw."""
    return "".join(part[0] for part in name_syllables(name) if part)
