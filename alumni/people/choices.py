"""Fixed vocabularies of alumni records: degree levels, sexes, visibility, industries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DegreeLevel(models.TextChoices):
    ASSOCIATE = "associate", _("专科")
    BACHELOR = "bachelor", _("本科")
    SECOND_BACHELOR = "second_bachelor", _("第二学士学位")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")
    POSTDOC = "postdoc", _("博士后")
    STAFF = "staff", _("教职工")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class DatePrecision(models.TextChoices):
    """How much of a birth date the source knew: 1985年12月 is a month, not the 1st."""

    DAY = "day", _("日")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


class RecordSource(models.TextChoices):
    IMPORT = "import", _("导入")
    SELF = "self", _("校友填报")
    ADMIN = "admin", _("管理员录入")


class Verification(models.TextChoices):
    """Where a record stands: official (from the school's records, not yet claimed by an account),
    verified (claimed and matched), pending (self-reported, waiting for review), rejected."""

    OFFICIAL = "official", _("官方档案")
    VERIFIED = "verified", _("已认证")
    PENDING = "pending", _("待审核")
    REJECTED = "rejected", _("未通过")


class Visibility(models.TextChoices):
    EVERYONE = "everyone", _("所有人")
    ALUMNI = "alumni", _("认证校友")
    CHAPTERS = "chapters", _("同一校友组织")
    NOBODY = "nobody", _("仅自己")


# Fields an alumnus chooses the visibility of, with the default for each.
PRIVACY_DEFAULTS: dict[str, str] = {
    "phone": Visibility.NOBODY,
    "email": Visibility.CHAPTERS,
    "wechat_id": Visibility.CHAPTERS,
    "birth_date": Visibility.NOBODY,
    "company": Visibility.ALUMNI,
    "title": Visibility.ALUMNI,
    "city": Visibility.ALUMNI,
    "industry": Visibility.ALUMNI,
    "photo": Visibility.ALUMNI,
    "degrees": Visibility.ALUMNI,
}

# 国民经济行业分类 (GB/T 4754) sections, the vocabulary alumni offices report by.
INDUSTRIES: list[str] = [
    "农林牧渔",
    "采矿",
    "制造",
    "电力热力燃气",
    "建筑",
    "批发零售",
    "交通运输物流",
    "住宿餐饮",
    "互联网",
    "软件与信息技术",
    "通信",
    "金融",
    "房地产",
    "租赁和商务服务",
    "科学研究和技术服务",
    "水利环境",
    "居民服务",
    "教育",
    "卫生医疗",
    "文化体育娱乐",
    "政府机关",
    "社会组织",
    "军队",
    "能源化工",
    "汽车",
    "咨询",
    "法律",
    "传媒",
    "其他",
]


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("单选")
