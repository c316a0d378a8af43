"""The pure normalisation functions of alumni.people.normalize."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from alumni.people import normalize
from alumni.people.normalize import Invalid


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("0086 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        ("13812345678.0", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-62751234", "01062751234"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone(cell, expected):
    assert normalize.phone(cell) == expected


@pytest.mark.parametrize("cell, digits", [("138123456733", 12), ("1381234567", 10)])
def test_phone_wrong_digit_count(cell, digits):
    with pytest.raises(Invalid) as caught:
        normalize.phone(cell)
    assert caught.value.reason == f"phone has {digits} digits"


def test_phones_cell_with_several_numbers():
    assert normalize.phones("13812345678；139 1234 5678") == ["13812345678", "13912345678"]


@pytest.mark.parametrize(
    "cell, expected",
    [
        (date(2012, 7, 1), (date(2012, 7, 1), "day")),
        (datetime(2012, 7, 1, 0, 0), (date(2012, 7, 1), "day")),
        (41091, (date(2012, 7, 1), "day")),  # Excel serial
        ("2012/7/1", (date(2012, 7, 1), "day")),
        ("2012-07-01", (date(2012, 7, 1), "day")),
        ("2012.7.1", (date(2012, 7, 1), "day")),
        ("2012年7月1日", (date(2012, 7, 1), "day")),
        ("20120701", (date(2012, 7, 1), "day")),
        ("２０１２年７月", (date(2012, 7, 1), "month")),
        ("2012年7月", (date(2012, 7, 1), "month")),
        ("1985", (date(1985, 1, 1), "year")),
        (1985, (date(1985, 1, 1), "year")),
        ("2012-07-01 00:00:00", (date(2012, 7, 1), "day")),
        ("", (None, "day")),
    ],
)
def test_birth_date(cell, expected):
    assert normalize.birth_date(cell) == expected


@pytest.mark.parametrize("cell", ["2012/2/30", "20121301", "1850-01-01", "2999-01-01", "明年"])
def test_impossible_dates(cell):
    with pytest.raises(Invalid) as caught:
        normalize.birth_date(cell)
    assert caught.value.reason == "impossible date"


def test_dates_compatible_at_common_precision():
    assert normalize.dates_compatible(date(1985, 12, 1), "month", date(1985, 12, 3), "day")
    assert normalize.dates_compatible(date(1985, 1, 1), "year", date(1985, 12, 3), "day")
    assert not normalize.dates_compatible(date(1985, 12, 1), "month", date(1985, 11, 3), "day")
    assert not normalize.dates_compatible(date(1985, 12, 2), "day", date(1985, 12, 3), "day")
    assert not normalize.dates_compatible(None, "day", date(1985, 12, 3), "day")


@pytest.mark.parametrize(
    "cell", [2012, "2012", 2012.0, "2012级", "2012年", "2012届", "２０１２级", "2012-09"]
)
def test_year(cell):
    assert normalize.year(cell) == 2012


def test_bad_year():
    with pytest.raises(Invalid):
        normalize.year("去年")
    with pytest.raises(Invalid):
        normalize.year(1066)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("男", "M"),
        ("女", "F"),
        ("M", "M"),
        ("f", "F"),
        ("1", "M"),
        ("2", "F"),
        ("male", "M"),
        ("Female", "F"),
        ("", ""),
    ],
)
def test_sex(cell, expected):
    assert normalize.sex(cell) == expected


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("学士", "bachelor"),
        ("本科", "bachelor"),
        ("硕士", "master"),
        ("硕士研究生", "master"),
        ("博士", "doctor"),
        ("博士研究生", "doctor"),
        ("大专", "associate"),
        ("专科", "associate"),
        ("教职工", "staff"),
        ("教师", "staff"),
        ("职工", "staff"),
    ],
)
def test_degree_level(cell, expected):
    assert normalize.degree_level(cell) == expected


def test_unknown_degree_level():
    with pytest.raises(Invalid) as caught:
        normalize.degree_level("幼儿园")
    assert caught.value.reason == "unknown degree level"


def test_id_numbers():
    assert normalize.id_number("11010519491231002x") == "11010519491231002X"
    assert normalize.id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    # 15-digit numbers are upgraded to the 18-digit form (same digest as the new card).
    assert normalize.id_number("110105491231002") == "11010519491231002X"
    with pytest.raises(Invalid) as caught:
        normalize.id_number("110105194912310021")
    assert caught.value.reason == "ID number checksum"
    with pytest.raises(Invalid) as caught:
        normalize.id_number("12345")
    assert caught.value.reason == "ID number format"
    assert normalize.id_birth_date("11010519491231002X") == date(1949, 12, 31)


def test_email():
    assert normalize.email(" Someone@Example.COM ") == "someone@example.com"
    for bad in ("someone@@example", "someone@example", "no-at-sign.com"):
        with pytest.raises(Invalid) as caught:
            normalize.email(bad)
        assert caught.value.reason == "malformed email"


def test_names_and_text():
    assert normalize.person_name(" 张 伟 ") == "张伟"
    assert normalize.person_name("John  Smith") == "John Smith"
    with pytest.raises(Invalid) as caught:
        normalize.person_name("  ")
    assert caught.value.reason == "missing name"
    assert normalize.text(880906105.0) == "880906105"
    assert normalize.text("ＡＢＣ　１２３") == "ABC 123"
