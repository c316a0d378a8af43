"""Shapes of the alumni API (claims, my record, directory, business cards). Serializers never save."""

from __future__ import annotations

from rest_framework import serializers

from alumni.people.choices import INDUSTRIES, PRIVACY_DEFAULTS, DegreeLevel, Visibility
from alumni.people.models import Claim, College, Degree, Person
from alumni.people.selectors.claims import claim_college_label
from tenants.users.phones import normalize_phone


class CollegeSerializer(serializers.ModelSerializer):
    aliases = serializers.SerializerMethodField(help_text="曾用名（认证时填曾用名也可以）")

    class Meta:
        model = College
        fields = ["id", "name", "aliases"]
        read_only_fields = fields

    def get_aliases(self, college) -> list[str]:
        return [alias.name for alias in college.aliases.all()]


class ClaimSubmitSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=Claim.Method.choices,
        help_text="student_number：姓名 + 学号；profile：姓名 + 入学年份 + 学院 + 出生日期",
    )
    name = serializers.CharField(max_length=60)
    student_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    enrollment_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )
    college_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="colleges/ 返回的学院 id"
    )
    college_name = serializers.CharField(
        max_length=80, required=False, allow_blank=True, help_text="或填学院名称（现名或曾用名）"
    )
    birth_date = serializers.DateField(required=False, allow_null=True)
    level = serializers.ChoiceField(choices=DegreeLevel.choices, required=False, allow_blank=True)
    major_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    graduation_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )

    def service_data(self) -> dict:
        data = {k: v for k, v in self.validated_data.items() if v not in (None, "")}
        if "college_id" in data:
            data["college"] = data.pop("college_id")
        data.pop("method")
        return data


class ClaimSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    college = serializers.SerializerMethodField()
    person = serializers.SlugRelatedField(
        slug_field="public_id", read_only=True, help_text="通过后关联档案的公开编号"
    )

    class Meta:
        model = Claim
        fields = [
            "status",
            "status_label",
            "method",
            "method_label",
            "name",
            "student_number",
            "enrollment_year",
            "college",
            "birth_date",
            "reject_reason",
            "person",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_college(self, claim) -> str:
        return claim_college_label(claim)


class ClaimStatusSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="账号已关联并认证校友档案")
    person = serializers.CharField(allow_null=True, help_text="我的档案公开编号；未认证时为 null")
    claim = ClaimSerializer(allow_null=True, help_text="最近一次认证申请（审核中、已通过或已驳回）")


class DegreeSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    college = serializers.SerializerMethodField()
    major = serializers.SerializerMethodField()

    class Meta:
        model = Degree
        fields = [
            "level",
            "level_label",
            "college",
            "major",
            "class_name",
            "student_number",
            "enrollment_year",
            "graduation_year",
            "source",
        ]
        read_only_fields = fields

    def get_college(self, degree) -> str:
        return degree.college.name if degree.college else degree.college_name_raw

    def get_major(self, degree) -> str:
        return degree.major.name if degree.major else degree.major_name


class DegreeCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=DegreeLevel.choices)
    college_id = serializers.IntegerField(required=False, allow_null=True)
    major_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    class_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    student_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    enrollment_year = serializers.IntegerField(min_value=1900, max_value=2100)
    graduation_year = serializers.IntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True
    )

    def validate_college_id(self, value):
        if value is not None and not College.objects.filter(pk=value, is_active=True).exists():
            raise serializers.ValidationError("学院不存在")
        return value


class MyRecordSerializer(serializers.ModelSerializer):
    gender_label = serializers.CharField(source="get_gender_display", read_only=True)
    degrees = DegreeSerializer(many=True, read_only=True)
    privacy = serializers.SerializerMethodField(help_text="每项信息的可见范围（含默认值）")

    class Meta:
        model = Person
        fields = [
            "public_id",
            "name",
            "gender",
            "gender_label",
            "birth_date",
            "verification",
            "phones",
            "emails",
            "wechat_id",
            "province",
            "city",
            "company",
            "title",
            "industry",
            "degrees",
            "privacy",
        ]
        read_only_fields = fields

    def get_privacy(self, person) -> dict[str, str]:
        return {name: person.visibility_of(name) for name in PRIVACY_DEFAULTS}


class ContactUpdateSerializer(serializers.Serializer):
    phones = serializers.ListField(child=serializers.CharField(max_length=20), max_length=3, required=False)
    emails = serializers.ListField(child=serializers.EmailField(max_length=254), max_length=3, required=False)
    wechat_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    province = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=120, required=False, allow_blank=True)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True)
    industry = serializers.ChoiceField(
        choices=[("", "—")] + [(i, i) for i in INDUSTRIES], required=False, allow_blank=True
    )

    def validate_phones(self, value: list[str]) -> list[str]:
        phones = []
        for raw in value:
            phone = normalize_phone(raw)
            if phone is None:
                raise serializers.ValidationError(f"请输入正确的 11 位手机号：{raw}")
            if phone not in phones:
                phones.append(phone)
        return phones

    def validate_emails(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(email.lower() for email in value))


def _privacy_fields() -> dict:
    return {
        name: serializers.ChoiceField(choices=Visibility.choices, required=False) for name in PRIVACY_DEFAULTS
    }


PrivacySerializer = type(
    "PrivacySerializer",
    (serializers.Serializer,),
    {
        "__doc__": "每项信息的可见范围：everyone 所有人 / alumni 认证校友 / chapters 同一校友组织 / nobody 仅自己",
        **_privacy_fields(),
    },
)


class CardDegreeSerializer(serializers.Serializer):
    level = serializers.CharField()
    level_label = serializers.CharField()
    college = serializers.CharField()
    major = serializers.CharField()
    class_name = serializers.CharField()
    enrollment_year = serializers.IntegerField(allow_null=True)
    graduation_year = serializers.IntegerField(allow_null=True)


class PersonCardSerializer(serializers.Serializer):
    """A person as the viewer may see them: fields the person's privacy hides are absent."""

    public_id = serializers.CharField()
    name = serializers.CharField()
    is_verified = serializers.BooleanField()
    relation = serializers.ChoiceField(
        choices=["self", "admin", "partner", "chapter", "alumni", "public"],
        help_text="我与此人的关系，决定可见字段：self 本人 / admin 管理员 / partner 已交换名片 / chapter 同学院 / alumni 认证校友 / public",
    )
    company = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    province = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    industry = serializers.CharField(required=False)
    photo_url = serializers.CharField(required=False)
    degrees = CardDegreeSerializer(many=True, required=False)
    # No allow_null here: DRF would then emit null for an absent (hidden) field instead of omitting it.
    birth_date = serializers.DateField(required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    wechat_id = serializers.CharField(required=False)
    phones = serializers.ListField(child=serializers.CharField(), required=False, help_text="列表中始终打码")
    phones_masked = serializers.BooleanField(required=False)


class DirectoryPageSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    results = PersonCardSerializer(many=True)


class DirectoryQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="姓名（中文、全拼、首字母）、单位、城市、行业"
    )
    college_id = serializers.IntegerField(required=False)
    major_id = serializers.IntegerField(required=False)
    level = serializers.ChoiceField(choices=DegreeLevel.choices, required=False)
    enrollment_year = serializers.IntegerField(required=False)
    graduation_year = serializers.IntegerField(required=False)
    class_name = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    province = serializers.CharField(required=False)
    industry = serializers.CharField(required=False)
    company = serializers.CharField(required=False)
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


class FacetItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class FacetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClassFacetSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class YearFacetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["colleges", "majors", "classes"], help_text="items 是哪一级")
    college = FacetRefSerializer(required=False)
    major = FacetRefSerializer(required=False)
    items = FacetItemSerializer(many=True, help_text="下一级：学院或专业，count 为认证校友人数")
    classes = ClassFacetSerializer(many=True, required=False)
    years = YearFacetSerializer(many=True, required=False, help_text="入学年份")


class FacetsQuerySerializer(serializers.Serializer):
    college_id = serializers.IntegerField(required=False)
    major_id = serializers.IntegerField(required=False)


class CardRequestSerializer(serializers.Serializer):
    public_id = serializers.CharField(max_length=16, help_text="对方的公开编号")
    message = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CardExchangeSerializer(serializers.Serializer):
    person = PersonCardSerializer(help_text="对方")
    status = serializers.ChoiceField(choices=["pending", "accepted", "declined"])
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)


class CardsSerializer(serializers.Serializer):
    received = CardExchangeSerializer(many=True, help_text="待我回应的请求")
    sent = CardExchangeSerializer(many=True, help_text="我发出、尚未被接受的请求")
    partners = PersonCardSerializer(many=True, help_text="已交换名片的校友（可见完整联系方式）")
