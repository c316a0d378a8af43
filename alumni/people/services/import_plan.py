"""The import engine: validate rows, resolve who each row is, and write the differences in bulk.

``ImportPlan`` loads the school's persons and degrees into dict indexes once, then takes rows one
by one (``add_row``): each valid row is matched to a person — same ID number (by digest); else
same name + student number; else same name + birth date compared at the precision both sides
know — never when both sides carry different ID numbers. Within that person the row's degree is
matched by (level, student number) or (level, enrollment year, college). All of it happens in
memory, so the preview (``summary``) and the run (``write``) share it; ``write`` then creates and
updates rows with bulk_create/bulk_update in batches, touching only what really changed (a
re-import of the same file writes nothing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from alumni.core.pii import mask_id_number, pii_digest, pii_encrypt
from alumni.people import normalize
from alumni.people.choices import DatePrecision, DegreeLevel, RecordSource, Verification
from alumni.people.models import College, CollegeAlias, Degree, Major, Person
from alumni.people.pinyin import name_initials, name_pinyin
from alumni.people.signals import persons_changed_after_commit

BATCH = 2000
WARNINGS_KEPT = 200
# Person fields an import sets (besides name, birth date and ID number) and compares.
SCALARS = ("gender", "wechat_id", "city", "company", "title", "industry", "note")
PERSON_COMPARED = (
    "name",
    *SCALARS,
    "birth_date",
    "birth_date_precision",
    "id_number_digest",
    "phones",
    "emails",
)
DEGREE_COMPARED = (
    "level",
    "college_id",
    "college_name_raw",
    "major_id",
    "major_name",
    "class_name",
    "student_number",
    "enrollment_year",
    "graduation_year",
)
_MAX_LENGTHS = {"wechat_id": 40, "city": 40, "company": 120, "title": 60, "industry": 30}


@dataclass
class RowError:
    row: int
    reasons: list[str]
    messages: list[str]
    cells: list

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "reason": self.reasons[0],
            "reasons": self.reasons,
            "message": "；".join(self.messages),
        }


@dataclass
class PersonState:
    """A person as the import wants it; ``original`` is what the database held (None: new)."""

    pk: int | None
    values: dict
    original: dict | None = None
    id_clear: str = ""
    file_phones: list[str] = field(default_factory=list)
    file_emails: list[str] = field(default_factory=list)
    degrees: list[DegreeState] = field(default_factory=list)
    obj: Person | None = None


@dataclass
class DegreeState:
    pk: int | None
    person: PersonState
    values: dict
    original: dict | None = None


class Catalog:
    """Colleges by current name and former names, and majors by (college, name)."""

    def __init__(self):
        self.colleges: dict[str, int] = {}
        for pk, name in College.objects.values_list("pk", "name"):
            self.colleges[normalize.college_key(name)] = pk
        for college_id, name in CollegeAlias.objects.values_list("college_id", "name"):
            self.colleges.setdefault(normalize.college_key(name), college_id)
        self.majors: dict[tuple[int, str], int] = {
            (college_id, normalize.college_key(name)): pk
            for pk, college_id, name in Major.objects.values_list("pk", "college_id", "name")
        }
        self.majors_by_name: dict[str, int] = {}
        for (_college, name), pk in self.majors.items():
            self.majors_by_name.setdefault(name, pk)

    def college(self, raw: str) -> int | None:
        return self.colleges.get(normalize.college_key(raw)) if raw else None

    def major(self, college_id: int | None, raw: str) -> int | None:
        if not raw:
            return None
        key = normalize.college_key(raw)
        if college_id is not None:
            return self.majors.get((college_id, key))
        return self.majors_by_name.get(key)


def _cell(cells: tuple, columns: dict[str, int], name: str):
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def parse_row(
    cells: tuple, columns: dict[str, int], catalog: Catalog
) -> tuple[dict, list[tuple[str, str]], list[str]]:
    """(clean values, errors as (reason, message), warnings) of one row."""
    values: dict = {}
    errors: list[tuple[str, str]] = []
    warnings: list[str] = []

    def attempt(key: str, function, raw):
        try:
            values[key] = function(raw)
        except normalize.Invalid as invalid:
            errors.append((invalid.reason, invalid.message))
            values[key] = None

    attempt("name", normalize.person_name, _cell(cells, columns, "name"))
    attempt("id_number", normalize.id_number, _cell(cells, columns, "id_number"))
    attempt("phones", normalize.phones, _cell(cells, columns, "phone"))
    attempt("emails", normalize.emails, _cell(cells, columns, "email"))
    attempt("birth", normalize.birth_date, _cell(cells, columns, "birth_date"))
    attempt("enrollment_year", normalize.year, _cell(cells, columns, "enrollment_year"))
    attempt("graduation_year", normalize.year, _cell(cells, columns, "graduation_year"))
    attempt("level", normalize.degree_level, _cell(cells, columns, "level"))
    enrolled, graduated = values["enrollment_year"], values["graduation_year"]
    if enrolled and graduated and graduated < enrolled:
        errors.append(("graduation before enrollment", f"毕业年份（{graduated}）早于入学年份（{enrolled}）"))
    birth = values.pop("birth") or (None, DatePrecision.DAY)
    values["birth_date"], values["birth_date_precision"] = birth
    if values["id_number"] and values["birth_date"] is None:
        # The ID number carries the birth date: use it, so rows without one still match by name.
        values["birth_date"] = normalize.id_birth_date(values["id_number"])
        values["birth_date_precision"] = DatePrecision.DAY
    if values["birth_date"] and enrolled and enrolled < values["birth_date"].year:
        errors.append(("enrollment before birth", f"入学年份（{enrolled}）早于出生年份"))
    values["gender"] = normalize.sex(_cell(cells, columns, "gender"))
    if not values["gender"] and values["id_number"]:
        values["gender"] = normalize.id_sex(values["id_number"])
    for name in ("wechat_id", "city", "company", "title", "industry", "note"):
        value = normalize.text(_cell(cells, columns, name))
        values[name] = value[: _MAX_LENGTHS[name]] if name in _MAX_LENGTHS else value
    college_raw = normalize.text(_cell(cells, columns, "college"))[:80]
    values["college_name_raw"] = college_raw
    values["college_id"] = catalog.college(college_raw)
    if college_raw and values["college_id"] is None:
        warnings.append(f"学院「{college_raw}」不在学院目录中，已按原文保存")
    major_raw = normalize.text(_cell(cells, columns, "major"))[:80]
    values["major_name"] = major_raw
    values["major_id"] = catalog.major(values["college_id"], major_raw)
    values["class_name"] = normalize.text(_cell(cells, columns, "class_name"))[:60]
    values["student_number"] = normalize.text(_cell(cells, columns, "student_number")).replace(" ", "")[:30]
    return values, errors, warnings


def _has_degree(values: dict) -> bool:
    return bool(
        values["level"]
        or values["student_number"]
        or values["college_name_raw"]
        or values["enrollment_year"]
        or values["graduation_year"]
    )


class ImportPlan:
    """Everything an import would do, computed in memory before anything is written."""

    def __init__(self):
        self.catalog = Catalog()
        self.by_digest: dict[str, PersonState] = {}
        self.by_name: dict[str, list[PersonState]] = {}
        self.by_student: dict[tuple[str, str], PersonState] = {}
        self.persons: list[PersonState] = []
        self.errors: list[RowError] = []
        self.warnings: list[dict] = []
        self.warning_count = 0
        self.rows_read = 0
        self._load()

    # --- loading what the school has ----------------------------------------------------------

    def _load(self) -> None:
        states: dict[int, PersonState] = {}
        rows = Person.objects.filter(merged_into__isnull=True).values_list("pk", *PERSON_COMPARED)
        for pk, *fields in rows.iterator(chunk_size=5000):
            values = dict(zip(PERSON_COMPARED, fields, strict=True))
            state = PersonState(pk=pk, values=dict(values), original=values)
            states[pk] = state
            self._index(state)
        degrees = Degree.objects.filter(person_id__in=states.keys()) if len(states) < 1000 else Degree.objects
        for pk, person_id, *fields in degrees.values_list("pk", "person_id", *DEGREE_COMPARED).iterator(
            chunk_size=5000
        ):
            person = states.get(person_id)
            if person is None:
                continue
            values = dict(zip(DEGREE_COMPARED, fields, strict=True))
            person.degrees.append(DegreeState(pk=pk, person=person, values=dict(values), original=values))
            if values["student_number"]:
                self.by_student.setdefault((person.values["name"], values["student_number"]), person)

    def _index(self, state: PersonState) -> None:
        digest = state.values["id_number_digest"]
        if digest:
            self.by_digest.setdefault(digest, state)
        self.by_name.setdefault(state.values["name"], []).append(state)

    # --- rows ---------------------------------------------------------------------------------

    def add_row(self, number: int, cells: tuple, columns: dict[str, int]) -> None:
        """Validate one spreadsheet row (``number`` as the spreadsheet shows it) and plan it."""
        self.rows_read += 1
        values, errors, warnings = parse_row(cells, columns, self.catalog)
        if errors:
            self.errors.append(
                RowError(
                    number, [r for r, _ in errors], [m for _, m in errors], [normalize.text(c) for c in cells]
                )
            )
            return
        for message in warnings:
            self.warning_count += 1
            if len(self.warnings) < WARNINGS_KEPT:
                self.warnings.append({"row": number, "message": message})
        digest = pii_digest(values["id_number"]) if values["id_number"] else ""
        person = self._match(values, digest)
        if person is None:
            person = PersonState(
                pk=None,
                values={
                    "name": values["name"],
                    "birth_date": None,
                    "birth_date_precision": DatePrecision.DAY,
                    "id_number_digest": "",
                    "phones": [],
                    "emails": [],
                    **dict.fromkeys(SCALARS, ""),
                },
            )
            self.persons.append(person)
            self.by_name.setdefault(values["name"], []).append(person)
        self._merge_person(person, values, digest)
        if _has_degree(values):
            self._merge_degree(person, values)

    def _match(self, values: dict, digest: str) -> PersonState | None:
        if digest and digest in self.by_digest:
            return self.by_digest[digest]
        name = values["name"]

        def compatible(candidate: PersonState) -> bool:
            other = candidate.values["id_number_digest"]
            return not (digest and other and other != digest)

        if values["student_number"]:
            candidate = self.by_student.get((name, values["student_number"]))
            if candidate is not None and compatible(candidate):
                known = candidate.values["birth_date"]
                if (
                    known is None
                    or values["birth_date"] is None
                    or normalize.dates_compatible(
                        known,
                        candidate.values["birth_date_precision"],
                        values["birth_date"],
                        values["birth_date_precision"],
                    )
                ):
                    return candidate
        if values["birth_date"] is None:
            return None
        matches = [
            candidate
            for candidate in self.by_name.get(name, ())
            if compatible(candidate)
            and normalize.dates_compatible(
                candidate.values["birth_date"],
                candidate.values["birth_date_precision"],
                values["birth_date"],
                values["birth_date_precision"],
            )
        ]
        if len(matches) > 1:  # prefer the exact day, then a record with a matching ID number
            exact = [m for m in matches if m.values["birth_date"] == values["birth_date"]]
            matches = exact or matches
        return matches[0] if matches else None

    def _merge_person(self, person: PersonState, values: dict, digest: str) -> None:
        current = person.values
        current["name"] = values["name"]
        for name in SCALARS:
            if values[name]:
                current[name] = values[name]
        birth, precision = values["birth_date"], values["birth_date_precision"]
        if birth is not None and (
            current["birth_date"] is None
            or precision == current["birth_date_precision"]
            or normalize.more_precise(precision, current["birth_date_precision"])
        ):
            current["birth_date"], current["birth_date_precision"] = birth, precision
        if digest and not current["id_number_digest"]:
            current["id_number_digest"] = digest
            person.id_clear = values["id_number"]
            self.by_digest.setdefault(digest, person)
        for number in values["phones"]:
            if number not in person.file_phones:
                person.file_phones.append(number)
        for address in values["emails"]:
            if address not in person.file_emails:
                person.file_emails.append(address)
        if values["student_number"]:
            self.by_student.setdefault((values["name"], values["student_number"]), person)

    def _merge_degree(self, person: PersonState, values: dict) -> None:
        level = values["level"] or DegreeLevel.OTHER
        wanted = {
            "level": level,
            "college_id": values["college_id"],
            "college_name_raw": values["college_name_raw"],
            "major_id": values["major_id"],
            "major_name": values["major_name"],
            "class_name": values["class_name"],
            "student_number": values["student_number"],
            "enrollment_year": values["enrollment_year"],
            "graduation_year": values["graduation_year"],
        }
        degree = self._find_degree(person, wanted)
        if degree is None:
            person.degrees.append(DegreeState(pk=None, person=person, values=wanted))
            return
        for name, value in wanted.items():
            if value not in (None, ""):
                degree.values[name] = value

    @staticmethod
    def _find_degree(person: PersonState, wanted: dict) -> DegreeState | None:
        for degree in person.degrees:
            if degree.values["level"] != wanted["level"]:
                continue
            if wanted["student_number"] and degree.values["student_number"] == wanted["student_number"]:
                return degree
        college = wanted["college_id"] or wanted["college_name_raw"]
        for degree in person.degrees:
            if degree.values["level"] != wanted["level"] or not wanted["enrollment_year"]:
                continue
            if (
                degree.values["enrollment_year"] == wanted["enrollment_year"]
                and (degree.values["college_id"] or degree.values["college_name_raw"]) == college
            ):
                return degree
        return None

    # --- results ------------------------------------------------------------------------------

    def _final_person(self, person: PersonState) -> dict:
        values = person.values
        existing = person.original or {}
        values["phones"] = person.file_phones + [
            p for p in existing.get("phones") or [] if p not in person.file_phones
        ]
        values["emails"] = person.file_emails + [
            e for e in existing.get("emails") or [] if e not in person.file_emails
        ]
        return values

    def changes(self) -> tuple[list[PersonState], list[PersonState], list[DegreeState], list[DegreeState]]:
        """(persons to create, persons to update, degrees to create, degrees to update)."""
        new_persons, changed_persons, new_degrees, changed_degrees = [], [], [], []
        touched = [*self.persons, *{id(p): p for p in self.by_name_states() if p.pk is not None}.values()]
        for person in touched:
            values = self._final_person(person)
            if person.pk is None:
                new_persons.append(person)
            elif any(values[name] != person.original[name] for name in PERSON_COMPARED):
                changed_persons.append(person)
            for degree in person.degrees:
                if degree.pk is None:
                    new_degrees.append(degree)
                elif degree.values != degree.original:
                    changed_degrees.append(degree)
        return new_persons, changed_persons, new_degrees, changed_degrees

    def by_name_states(self):
        for states in self.by_name.values():
            yield from states

    def summary(self) -> dict:
        new_persons, changed_persons, new_degrees, changed_degrees = self.changes()
        return {
            "rows_read": self.rows_read,
            "rows_valid": self.rows_read - len(self.errors),
            "rows_invalid": len(self.errors),
            "persons_created": len(new_persons),
            "persons_updated": len(changed_persons),
            "degrees_created": len(new_degrees),
            "degrees_updated": len(changed_degrees),
            "invalid_rows": [error.as_dict() for error in self.errors],
            "warnings": self.warnings,
            "warning_count": self.warning_count,
        }

    # --- writing ------------------------------------------------------------------------------

    def write(self, progress: Callable[[int, int], None] | None = None) -> dict:
        """Create and update what changed, batch by batch; returns the summary."""
        summary = self.summary()
        new_persons, changed_persons, new_degrees, changed_degrees = self.changes()
        total = len(new_persons) + len(changed_persons) + len(new_degrees) + len(changed_degrees)
        done = 0
        now = timezone.now()
        for start in range(0, len(new_persons), BATCH):
            chunk = new_persons[start : start + BATCH]
            with transaction.atomic():
                ids = copy_insert(Person, [_new_person(state) for state in chunk], now)
                for state, pk in zip(chunk, ids, strict=True):
                    state.pk = pk
                persons_changed_after_commit(ids)
            done += len(chunk)
            if progress:
                progress(done, total)
        fields = [*PERSON_COMPARED, "name_pinyin", "name_initials", "updated_at"]
        for start in range(0, len(changed_persons), BATCH):
            chunk = changed_persons[start : start + BATCH]
            with transaction.atomic():
                Person.objects.bulk_update([_updated_person(state, now) for state in chunk], fields)
                # An ID number the record did not have yet: its cipher and mask, for those only.
                with_id = [Person(pk=state.pk, **_id_fields(state)) for state in chunk if state.id_clear]
                Person.objects.bulk_update(with_id, ["id_number_cipher", "id_number_masked"])
                persons_changed_after_commit([state.pk for state in chunk])
            done += len(chunk)
            if progress:
                progress(done, total)
        for start in range(0, len(new_degrees), BATCH):
            chunk = new_degrees[start : start + BATCH]
            with transaction.atomic():
                copy_insert(
                    Degree,
                    [{"person_id": d.person.pk, "source": RecordSource.IMPORT, **d.values} for d in chunk],
                    now,
                )
                persons_changed_after_commit([d.person.pk for d in chunk])
            done += len(chunk)
            if progress:
                progress(done, total)
        for start in range(0, len(changed_degrees), BATCH):
            chunk = changed_degrees[start : start + BATCH]
            with transaction.atomic():
                Degree.objects.bulk_update(
                    [Degree(pk=d.pk, person_id=d.person.pk, updated_at=now, **d.values) for d in chunk],
                    [*DEGREE_COMPARED, "updated_at"],
                )
                persons_changed_after_commit([d.person.pk for d in chunk])
            done += len(chunk)
            if progress:
                progress(done, total)
        return summary


def _id_fields(state: PersonState) -> dict:
    if not state.id_clear:
        return {}
    return {
        "id_number_cipher": pii_encrypt(state.id_clear),
        "id_number_masked": mask_id_number(state.id_clear),
    }


def _new_person(state: PersonState) -> dict:
    values = state.values
    return {
        **values,
        **_id_fields(state),
        "name_pinyin": name_pinyin(values["name"]),
        "name_initials": name_initials(values["name"]),
        "source": RecordSource.IMPORT,
        "verification": Verification.OFFICIAL,
    }


def copy_insert(model, rows: list[dict], now) -> list[int]:
    """Insert rows with PostgreSQL COPY (ids drawn from the sequence first); returns their ids.

    bulk_create builds one INSERT with ~50,000 parameters per 2,000 persons and spends most of
    an import's time there; COPY streams the same rows ten times faster. Columns not given take
    the model field's default, so the rows are what ``Model(**row).save()`` would have written.
    """
    if not rows:
        return []
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(["id", *(connection.ops.quote_name(f.column) for f in fields)])
        defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = lambda now=now: now
            else:
                defaults[f.attname] = f.get_default  # "" for blank text fields, None when nullable
        json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for f in fields:
                    name = f.attname
                    value = row[name] if name in row else defaults[name]()
                    if name in json_fields:
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)
    return ids


def _updated_person(state: PersonState, now) -> Person:
    person = Person(pk=state.pk, **state.values, updated_at=now)
    person.name_pinyin = name_pinyin(person.name)
    person.name_initials = name_initials(person.name)
    return person
