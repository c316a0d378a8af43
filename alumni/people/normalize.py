"""Pure functions that turn the cells of messy alumni exports into clean values.

No database access here: every function takes a cell (str, int, float, date, datetime or None)
and returns a clean value, or raises ``Invalid`` whose ``reason`` is a stable English code the
import reports (and its tests compare against) and whose ``message`` is the Chinese text admins see.

Decisions worth knowing:
- Text goes through NFKC first, so full-width digits and letters (１３８, ＡＢＣ) become ASCII.
- 15-digit (pre-1999) ID numbers are accepted and upgraded to 18 digits (insert "19" before the
  birth year, compute the GB 11643 check digit), so both forms of one person's number give the
  same digest and the same Person.
- Dates keep their precision: 1985年12月 is a month, 1985 a year; identity compares birth dates
  only at the precision both sides know (``dates_compatible``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from alumni.people.choices import DatePrecision, DegreeLevel, Gender


class Invalid(ValueError):
    """A cell that cannot be imported: ``reason`` (stable English code) and ``message`` (Chinese)."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason = reason
        self.message = message


_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (it counts the non-existent 1900-02-29)
_MIN_YEAR = 1900


def text(value) -> str:
    """A cell as clean text: NFKC (full-width → ASCII), trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 880906105.0 from Excel is the student number 880906105
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    cleaned = unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ")
    return " ".join(cleaned.split())


# --- phones ------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[;,/、，；|]+")


def phone(value) -> str:
    """One phone number as digits: '+86-138 1234 5678', '0086…', 13812345678.0 → '13812345678'."""
    raw = text(value)
    if not raw:
        return ""
    if re.fullmatch(r"\d+\.0+|\d(\.\d+)?[eE]\+?\d+", raw):
        raw = str(int(float(raw)))  # an Excel float written out as text: 13812345678.0, 1.3812345678E+10
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+") and digits.startswith("86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not digits:
        raise Invalid("phone has 0 digits", f"手机号无数字：{raw}")
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits  # a landline with its area code (010-62751234)
    if len(digits) != 11:
        raise Invalid(f"phone has {len(digits)} digits", f"手机号位数不对（{len(digits)} 位）：{raw}")
    if not digits.startswith("1"):
        raise Invalid("phone is not a mobile number", f"手机号格式不对：{raw}")
    return digits


def phones(value) -> list[str]:
    """A cell that may hold several numbers separated by ; , / 、."""
    raw = text(value)
    if not raw:
        return []
    found: list[str] = []
    for part in _PHONE_SEPARATORS.split(raw):
        number = phone(part)
        if number and number not in found:
            found.append(number)
    return found


# --- e-mail ------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def email(value) -> str:
    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if not _EMAIL.match(raw):
        raise Invalid("malformed email", f"邮箱格式不对：{raw}")
    return raw.lower()


def emails(value) -> list[str]:
    raw = text(value)
    if not raw:
        return []
    found: list[str] = []
    for part in _PHONE_SEPARATORS.split(raw):
        address = email(part)
        if address and address not in found:
            found.append(address)
    return found


# --- dates and years ---------------------------------------------------------------------------


def _checked(year: int, month: int, day: int, raw: str) -> date:
    try:
        result = date(year, month, day)
    except ValueError:
        raise Invalid("impossible date", f"日期不存在：{raw}") from None
    if not result.year >= _MIN_YEAR or result > date.today():
        raise Invalid("impossible date", f"日期不合理：{raw}")
    return result


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_Y = re.compile(r"^(\d{4})\s*年?$")


def birth_date(value) -> tuple[date | None, str]:
    """(date, precision) from any common form; (None, 'day') when empty.

    Real date cells, Excel serials (30000), 2012/7/1, 2012-07-01, 2012.7.1, 2012年7月1日, 20120701
    → day precision; 2012年7月, 2012-07 → month (stored as the 1st); 1985 → year (stored as 1 Jan).
    """
    if value is None or value == "":
        return None, DatePrecision.DAY
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _checked(value.year, value.month, value.day, value.isoformat()), DatePrecision.DAY
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 1000 <= number <= 9999:
            return _checked(number, 1, 1, str(number)), DatePrecision.YEAR
        if 10_000_000 <= number <= 99_999_999:
            value = str(number)  # 20120701 typed as a number
        elif 1 <= number < 100_000:
            serial = _EXCEL_EPOCH + timedelta(days=number)
            return _checked(serial.year, serial.month, serial.day, str(value)), DatePrecision.DAY
        else:
            raise Invalid("impossible date", f"日期看不懂：{value}")
    raw = text(value)
    if not raw:
        return None, DatePrecision.DAY
    raw = raw.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", raw) else raw  # '2012-07-01 00:00:00'
    if match := _YMD.match(raw):
        year, month, day = map(int, match.groups())
        return _checked(year, month, day, raw), DatePrecision.DAY
    if re.fullmatch(r"\d{8}", raw):
        return _checked(int(raw[:4]), int(raw[4:6]), int(raw[6:]), raw), DatePrecision.DAY
    if match := _YM.match(raw):
        year, month = map(int, match.groups())
        return _checked(year, month, 1, raw), DatePrecision.MONTH
    if match := _Y.match(raw):
        return _checked(int(match.group(1)), 1, 1, raw), DatePrecision.YEAR
    if re.fullmatch(r"\d{1,5}(\.0+)?", raw):
        return birth_date(int(float(raw)))
    raise Invalid("impossible date", f"日期看不懂：{raw}")


def dates_compatible(a: date | None, a_precision: str, b: date | None, b_precision: str) -> bool:
    """Whether two birth dates can be the same day, compared at the precision both sides know."""
    if a is None or b is None:
        return False
    if DatePrecision.YEAR in (a_precision, b_precision):
        return a.year == b.year
    if DatePrecision.MONTH in (a_precision, b_precision):
        return (a.year, a.month) == (b.year, b.month)
    return a == b


_PRECISION_RANK = {DatePrecision.YEAR: 0, DatePrecision.MONTH: 1, DatePrecision.DAY: 2}


def more_precise(precision: str, than: str) -> bool:
    return _PRECISION_RANK.get(precision, 2) > _PRECISION_RANK.get(than, 2)


def year(value) -> int | None:
    """A year from 2012, '2012', 2012.0, '2012级', '2012年', '2012届', '2012-09' (the year part)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        result = value.year
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise Invalid("impossible year", f"年份不对：{value}")
        result = int(value)
    else:
        raw = text(value)
        if not raw:
            return None
        match = re.match(r"^(\d{4})(\.0+)?\s*(级|年|届|年级)?([-/.年]\s*\d{1,2}\s*月?)?$", raw)
        if not match:
            raise Invalid("impossible year", f"年份看不懂：{raw}")
        result = int(match.group(1))
    if not _MIN_YEAR <= result <= date.today().year + 10:
        raise Invalid("impossible year", f"年份不合理：{result}")
    return result


# --- sex, degree level -------------------------------------------------------------------------

_SEXES = {
    "男": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "1": Gender.MALE,
    "男性": Gender.MALE,
    "女": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "2": Gender.FEMALE,
    "0": Gender.FEMALE,
    "女性": Gender.FEMALE,
}


def sex(value) -> str:
    """男/女/M/F/1/2/male/female → 'M' / 'F'; '' when empty or unknown (not worth rejecting a row)."""
    return _SEXES.get(text(value).lower(), Gender.UNKNOWN)


_LEVELS = {
    DegreeLevel.BACHELOR: ("本科", "学士", "大学本科", "本科生", "学士学位", "bachelor"),
    DegreeLevel.SECOND_BACHELOR: ("第二学士", "第二学士学位", "双学位", "二学位"),
    DegreeLevel.MASTER: (
        "硕士",
        "硕士研究生",
        "研究生",
        "硕士学位",
        "专业硕士",
        "学术硕士",
        "工程硕士",
        "mba",
        "emba",
        "mpa",
        "master",
    ),
    DegreeLevel.DOCTOR: ("博士", "博士研究生", "博士学位", "phd", "doctor"),
    DegreeLevel.POSTDOC: ("博士后", "postdoc"),
    DegreeLevel.ASSOCIATE: ("大专", "专科", "高职", "高职高专", "associate"),
    DegreeLevel.STAFF: ("教职工", "教师", "职工", "教工", "staff", "faculty"),
    DegreeLevel.OTHER: ("其他", "进修", "培训", "other"),
}
_LEVEL_BY_LABEL = {label: level for level, labels in _LEVELS.items() for label in labels}
_LEVEL_BY_LABEL.update({str(level.label): level for level in DegreeLevel})
_LEVEL_BY_LABEL.update({level.value: level for level in DegreeLevel})


def degree_level(value) -> str:
    """学士/本科 → bachelor, 硕士/硕士研究生 → master, 博士 → doctor, 大专 → associate, 教师 → staff."""
    raw = text(value).lower().replace(" ", "")
    if not raw:
        return ""
    level = _LEVEL_BY_LABEL.get(raw)
    if level is None:
        raise Invalid("unknown degree level", f"学历层次不认识：{text(value)}")
    return str(level)


# --- ID numbers (GB 11643) ---------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number(value) -> str:
    """A valid 18-character ID number ('' when empty); 15-digit old numbers are upgraded."""
    raw = text(value).replace(" ", "").upper()
    if not raw:
        return ""
    if re.fullmatch(r"\d{15}", raw):
        first17 = f"{raw[:6]}19{raw[6:]}"
        _id_birth(first17, raw)
        return first17 + id_check_digit(first17)
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise Invalid("ID number format", f"身份证号格式不对：{raw}")
    if id_check_digit(raw[:17]) != raw[17]:
        raise Invalid("ID number checksum", f"身份证号校验位错误：{raw}")
    _id_birth(raw, raw)
    return raw


def _id_birth(number: str, raw: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise Invalid("ID number birth date", f"身份证号中的出生日期不存在：{raw}") from None


def id_birth_date(number: str) -> date | None:
    """The birth date an (already valid, 18-digit) ID number carries."""
    return _id_birth(number, number) if len(number) == 18 else None


def id_sex(number: str) -> str:
    return (Gender.MALE if int(number[16]) % 2 else Gender.FEMALE) if len(number) == 18 else ""


# --- names -------------------------------------------------------------------------------------


def person_name(value) -> str:
    """A name without stray spaces; Chinese names lose inner spaces too (张 伟 → 张伟)."""
    raw = text(value)
    if not raw:
        raise Invalid("missing name", "缺少姓名")
    if any("\u4e00" <= char <= "\u9fff" for char in raw):
        raw = raw.replace(" ", "")
    return raw[:60]


def college_key(value) -> str:
    """The form college names are compared in: NFKC, no spaces, ASCII brackets."""
    return text(value).replace(" ", "").replace("（", "(").replace("）", ")")
