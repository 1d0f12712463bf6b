"""The declarative base every model shares, and the UTC timestamp type.

Every timestamp column uses :class:`UTCDateTime`: SQLite returns naive datetimes for
``DateTime(timezone=True)`` while PostgreSQL returns aware ones (TRAPS.md), so values are
normalised to aware UTC on the way in and on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (the callable for column defaults)."""
    return datetime.now(UTC)


def enum_values(enum: type[StrEnum]) -> list[str]:
    """The stored strings of ``enum``: its members' values (never their names)."""
    return [member.value for member in enum]


def enum_column(values: type[StrEnum] | Sequence[str], *, name: str, length: int) -> Enum:
    """The type of a column that holds one of a closed set of strings: ``VARCHAR(length)``
    with a CHECK constraint named ``ck_<table>_<name>`` (NAMING_CONVENTION) listing the
    allowed values. ``values``: a StrEnum (the column then loads its members) or plain strings
    (for a column that stores a subset of an enum, e.g. the granted roles).

    Stored as strings, not as a PostgreSQL ENUM type, so that adding a value is a CHECK change
    in a migration and SQLite and PostgreSQL behave alike; a value outside the set raises
    ``LookupError`` (wrapped in ``StatementError``) at flush, before the database sees it.
    """
    options = {
        "name": name,
        "native_enum": False,
        "create_constraint": True,
        "validate_strings": True,
        "length": length,
    }
    if isinstance(values, type):
        return Enum(values, values_callable=enum_values, **options)
    return Enum(*[str(value) for value in values], **options)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    Naive datetimes are refused on the way in (ValueError): a naive value has no known zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: LearnHub stores aware UTC times only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention Alembic needs to diff cleanly."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )
