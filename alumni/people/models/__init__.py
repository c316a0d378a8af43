"""The people app's models, one module per area; Django finds them through these imports."""

from alumni.people.models.records import (
    AccountLink,
    AlumniGroup,
    CardExchange,
    Claim,
    College,
    CollegeAlias,
    CustomFieldDefinition,
    Degree,
    DuplicateDismissal,
    Major,
    Person,
    new_public_id,
)

__all__ = [
    "AccountLink",
    "AlumniGroup",
    "CardExchange",
    "Claim",
    "College",
    "CollegeAlias",
    "CustomFieldDefinition",
    "Degree",
    "DuplicateDismissal",
    "Major",
    "Person",
    "new_public_id",
]

from alumni.people.models.imports import IMPORT_FIELDS, ColumnMapping, ImportJob

__all__ += ["IMPORT_FIELDS", "ColumnMapping", "ImportJob"]

from alumni.people.models.search import PersonSearchDocument  # noqa: E402

__all__ += ["PersonSearchDocument"]
