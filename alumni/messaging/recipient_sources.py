"""Where a campaign's recipients come from: a small registry other features add to.

A source is registered with ONE call; the campaign wizard lists every registered source, shows
its form, and the campaign service turns the cleaned form data into recipients::

    # alumni/network/receivers.py (issue 5), for example
    from alumni.messaging.recipient_sources import register_recipient_source

    class ChapterForm(forms.Form):
        chapter = forms.ModelChoiceField(Organization.objects.all(), label="分会")

    register_recipient_source(
        key="chapter",
        label="某个分会的成员",
        form=ChapterForm,
        params=lambda data: {"chapter_id": data["chapter"].pk},
        resolve=lambda params: Membership.objects.filter(
            organization_id=params["chapter_id"]).values_list("person_id", flat=True),
        describe=lambda params: f"分会：{Organization.objects.get(pk=params['chapter_id'])}",
    )

``resolve(params)`` yields person ids (ints) or ``RecipientRow``s (for lists that are not
records, like an uploaded spreadsheet). Person ids are expanded here to name, first e-mail and
the standard placeholders (alumni.messaging.placeholders.person_context). Sources for a chapter
(alumni.network) and an event's registrants (alumni.events) are registered by those features.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from alumni.messaging.errors import CampaignInvalid
from alumni.messaging.placeholders import person_context
from alumni.people.normalize import Invalid
from alumni.people.normalize import phone as normalize_phone
from alumni.people.services.import_read import iter_rows

PAGE = 200  # search_persons' largest page
EXPAND_CHUNK = 2000
UPLOAD_MAX_ROWS = 200_000
NAME_HEADERS = ("姓名", "name", "名字")
EMAIL_HEADERS = ("邮箱", "email", "e-mail", "电子邮箱", "邮件")
PHONE_HEADERS = ("手机", "手机号", "phone", "mobile", "电话")


def mobile_of(raw: str) -> str:
    """A Chinese mobile number (11 digits starting with 1) or raise Invalid."""
    number = normalize_phone(raw)
    if not (len(number) == 11 and number.startswith("1")):
        raise Invalid("not a mobile", f"不是手机号（无法接收短信）：{raw}")
    return number


def first_mobile(phones: list[str]) -> str:
    """The record's first number that can receive SMS, else its first number (so a campaign can
    say why it was skipped), else ""."""
    phones = [p for p in phones or [] if p]
    for raw in phones:
        try:
            return mobile_of(raw)
        except Invalid:
            continue
    return phones[0] if phones else ""


@dataclass
class RecipientRow:
    name: str = ""
    email: str = ""
    phone: str = ""
    person_id: int | None = None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecipientSource:
    key: str
    label: str
    resolve: Callable[[dict], Iterable[int | RecipientRow]]
    form: type[forms.Form] | None = None
    params: Callable[[dict], dict] | None = None  # cleaned form data → JSON-able params
    describe: Callable[[dict], str] | None = None
    order: int = 100

    def params_from(self, data: dict) -> dict:
        return self.params(data) if self.params else dict(data)

    def description(self, params: dict) -> str:
        return self.describe(params) if self.describe else str(self.label)


_SOURCES: dict[str, RecipientSource] = {}


def register_recipient_source(
    *,
    key: str,
    label: str,
    resolve: Callable[[dict], Iterable[int | RecipientRow]],
    form: type[forms.Form] | None = None,
    params: Callable[[dict], dict] | None = None,
    describe: Callable[[dict], str] | None = None,
    order: int = 100,
) -> RecipientSource:
    """Add a recipient source to the campaign wizard (registering a key again replaces it)."""
    source = RecipientSource(
        key=key, label=label, resolve=resolve, form=form, params=params, describe=describe, order=order
    )
    _SOURCES[key] = source
    return source


def recipient_sources() -> list[RecipientSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def recipient_source(key: str) -> RecipientSource:
    try:
        return _SOURCES[key]
    except KeyError:
        raise CampaignInvalid(f"未知的收件人来源：{key}", field="source") from None


def source_form(source: RecipientSource, request, prefix: str | None = None) -> forms.Form | None:
    """The source's form, bound on POST: the e-mail wizard and the SMS screen share this."""
    if not source.form:
        return None
    if request.method == "POST":
        return source.form(request.POST, request.FILES or None, prefix=prefix)
    return source.form(prefix=prefix)


def resolve_rows(key: str, params: dict) -> Iterator[RecipientRow]:
    """Every recipient of a source as rows (person ids expanded in chunks)."""
    pending: list[int] = []
    for item in recipient_source(key).resolve(params):
        if isinstance(item, RecipientRow):
            yield item
            continue
        pending.append(int(item))
        if len(pending) >= EXPAND_CHUNK:
            yield from _expand(pending)
            pending = []
    if pending:
        yield from _expand(pending)


def _expand(person_ids: list[int]) -> Iterator[RecipientRow]:
    from alumni.people.models import Person

    persons = (
        Person.objects.filter(pk__in=person_ids, merged_into__isnull=True)
        .prefetch_related("degrees__college", "degrees__major")
        .in_bulk()
    )
    for pk in person_ids:
        person = persons.get(pk)
        if person is None:
            continue
        yield RecipientRow(
            name=person.name,
            email=(person.emails or [""])[0],
            phone=first_mobile(person.phones),
            person_id=person.pk,
            context=person_context(person),
        )


# --- alumni filters ----------------------------------------------------------------------


class AlumniFilterForm(forms.Form):
    query = forms.CharField(label=_("关键词"), required=False, help_text=_("姓名、拼音、单位、城市…"))
    college_id = forms.IntegerField(label=_("学院"), required=False, widget=forms.Select)
    enrollment_year = forms.IntegerField(label=_("入学年份"), required=False, min_value=1900)
    graduation_year = forms.IntegerField(label=_("毕业年份"), required=False, min_value=1900)
    class_name = forms.CharField(label=_("班级"), required=False)
    city = forms.CharField(label=_("城市"), required=False)
    industry = forms.CharField(label=_("行业"), required=False)
    tag = forms.CharField(label=_("标签"), required=False, max_length=30)
    is_vip = forms.BooleanField(label=_("仅重要校友"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from alumni.people.models import College

        self.fields["college_id"].widget.choices = [
            ("", _("全部学院")),
            *list(College.objects.filter(is_active=True).values_list("pk", "name")),
        ]


def _filter_params(data: dict) -> dict:
    params = {k: v for k, v in data.items() if v not in (None, "", False)}
    return params


def _resolve_filters(params: dict) -> Iterator[int]:
    from alumni.people.models import Person
    from alumni.people.search import search_persons

    filters = {k: v for k, v in params.items() if k != "query"}
    query = params.get("query", "")
    if not query and not filters:
        # Everyone: straight from the table (paging the search index 200 at a time is wasted work).
        yield from (
            Person.objects.filter(merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .iterator(chunk_size=5000)
        )
        return
    offset = 0
    while True:
        result = search_persons(query=query, filters=filters, offset=offset, limit=PAGE)
        yield from result.ids
        offset += PAGE
        if not result.ids or offset >= result.total:
            return


def _describe_filters(params: dict) -> str:
    if not params:
        return "全部校友"
    labels = {name: str(f.label) for name, f in AlumniFilterForm.base_fields.items()}
    parts = []
    for key, value in params.items():
        if key == "college_id":
            from alumni.people.models import College

            value = College.objects.filter(pk=value).values_list("name", flat=True).first() or value
        if key == "is_vip":
            value = "是"
        parts.append(f"{labels.get(key, key)}：{value}")
    return "校友筛选（" + "；".join(parts) + "）"


register_recipient_source(
    key="alumni",
    label=_("按条件筛选校友"),
    form=AlumniFilterForm,
    params=_filter_params,
    resolve=_resolve_filters,
    describe=_describe_filters,
    order=10,
)


# --- uploaded list ------------------------------------------------------------------------


@dataclass
class UploadedList:
    rows: list[dict[str, Any]]  # {"name", "email", "phone", "context": {extra column: value}}
    bad_rows: list[dict[str, Any]]  # {"line", "reason", "values"}
    extra_columns: list[str]
    filename: str = ""


def _cell(value) -> str:
    # Excel keeps phone numbers as numbers: 13800138000.0 must come back as "13800138000".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _read_table(upload) -> list[list[str]]:
    """The upload's first sheet as text cells, read by the alumni import's reader (XLSX, UTF-8/GBK CSV)."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise CampaignInvalid("请上传 .xlsx 或 .csv 文件", field="file")
    try:
        return [[_cell(value) for value in row] for row in iter_rows(upload, name)]
    except Exception as exc:  # a broken workbook or an undecodable CSV: say so, never a 500
        raise CampaignInvalid(f"无法读取文件：{exc.__class__.__name__}", field="file") from exc


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in headers]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None


def _email_problem(email: str, seen: set[str], email_col: int | None) -> str:
    if not email:
        return "缺少邮箱" if email_col is not None else ""
    try:
        validate_email(email)
    except ValidationError:
        return "邮箱格式不正确"
    return "邮箱重复" if email.lower() in seen else ""


def _phone_problem(phone: str) -> str:
    if not phone:
        return "缺少手机号"
    try:
        normalize_phone(phone)
    except Invalid as error:
        return error.message
    return ""


def parse_uploaded_list(upload) -> UploadedList:
    """Read an XLSX/CSV with 姓名/邮箱/手机 columns (邮箱 or 手机 required) for e-mail and SMS
    campaigns alike; a row is kept when its address or its number is usable, other rows are
    reported with the reason, not dropped silently."""
    table = [row for row in _read_table(upload) if any(row)]
    if not table:
        raise CampaignInvalid("文件是空的", field="file")
    headers = [h.strip() for h in table[0]]
    name_col, email_col = _column(headers, NAME_HEADERS), _column(headers, EMAIL_HEADERS)
    phone_col = _column(headers, PHONE_HEADERS)
    if email_col is None and phone_col is None:
        raise CampaignInvalid("第一行应是表头，且包含“邮箱”或“手机”列（可选：姓名）", field="file")
    if len(table) - 1 > UPLOAD_MAX_ROWS:
        raise CampaignInvalid(f"一次最多上传 {UPLOAD_MAX_ROWS} 行", field="file")
    standard = {name_col, email_col, phone_col}
    extra = [(i, h) for i, h in enumerate(headers) if i not in standard and h]
    rows, bad, seen = [], [], set()
    for line, row in enumerate(table[1:], start=2):
        row = row + [""] * (len(headers) - len(row))

        def cell(index, row=row):
            return row[index].strip() if index is not None else ""

        email, name, phone = cell(email_col), cell(name_col), cell(phone_col)
        email_problem = _email_problem(email, seen, email_col) if email_col is not None else ""
        phone_problem = _phone_problem(phone) if phone_col is not None else ""
        email_ok = email_col is not None and not email_problem
        phone_ok = phone_col is not None and not phone_problem
        if not (email_ok or phone_ok):
            # Neither channel can reach this row. (A kept row whose other channel is unusable —
            # a bad e-mail next to a good number — is reported by the campaign that needs it.)
            reason = email_problem or phone_problem
            bad.append(
                {"line": line, "reason": reason, "values": {"姓名": name, "邮箱": email, "手机": phone}}
            )
            continue
        if email and not email_problem:
            seen.add(email.lower())
        rows.append(
            {
                "name": name,
                "email": email,
                "phone": phone,
                "context": {header: row[i] for i, header in extra},
            }
        )
    if not rows:
        raise CampaignInvalid("文件中没有可用的收件人（每行需要有效的邮箱或手机号）", field="file")
    return UploadedList(
        rows=rows, bad_rows=bad, extra_columns=[h for _, h in extra], filename=getattr(upload, "name", "")
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("名单文件"),
        help_text=_("Excel（.xlsx）或 CSV，表头含“邮箱”或“手机”列，可选“姓名”及其他列（用作占位符）"),
    )

    def clean_file(self):
        try:
            uploaded = parse_uploaded_list(self.cleaned_data["file"])
        except CampaignInvalid as error:
            raise forms.ValidationError(error.message) from None
        if not uploaded.rows:
            raise forms.ValidationError(_("文件中没有可用的收件人"))
        return uploaded  # parsed once; the params function below takes it as is


def _upload_params(data: dict) -> dict:
    uploaded = data["file"]
    if not isinstance(uploaded, UploadedList):
        uploaded = parse_uploaded_list(uploaded)
    return {
        "filename": uploaded.filename,
        "rows": uploaded.rows,
        "bad_rows": uploaded.bad_rows,
        "extra_columns": uploaded.extra_columns,
    }


def _resolve_upload(params: dict) -> Iterator[RecipientRow]:
    from alumni.messaging.placeholders import person_context as blank_context

    base = blank_context(None)
    for row in params.get("rows", []):
        context = {**base, "姓名": row["name"], "称呼": f"{row['name']}校友" if row["name"] else "校友"}
        yield RecipientRow(
            name=row["name"],
            email=row["email"],
            phone=row.get("phone", ""),
            context={**context, **row["context"]},
        )


def _describe_upload(params: dict) -> str:
    bad = len(params.get("bad_rows", []))
    text = f"上传名单 {params.get('filename', '')}：{len(params.get('rows', []))} 人"
    return text + (f"，{bad} 行有误未导入" if bad else "")


register_recipient_source(
    key="upload",
    label=_("上传 Excel 名单"),
    form=UploadForm,
    params=_upload_params,
    resolve=_resolve_upload,
    describe=_describe_upload,
    order=20,
)
