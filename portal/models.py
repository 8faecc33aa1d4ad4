"""Declarative base with a naming convention, and the column shapes shared by every domain."""

from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import DateTime, ForeignKey, MetaData, TypeDecorator, orm
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both SQLite (stored naive) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return _as_utc(value)

    def result_processor(self, dialect, coltype):
        """What `process_result_value` gives, at a sixth of the cost: on SQLite the text
        SQLAlchemy stored is read as UTC in one step, and elsewhere the zone is set without
        `datetime.replace` (its keyword parsing cost ~0.7 µs a value, five times the
        parsing: a page of a few dozen rows spent a quarter of a million instructions).
        """
        if dialect.name == "sqlite":
            return partial(
                _utc_from_sqlite_text, self.impl_instance.result_processor(dialect, coltype)
            )
        stored = self.impl_instance.result_processor(dialect, coltype)
        if stored is None:
            return _as_utc
        return lambda value: _as_utc(stored(value))


def _as_utc(value: datetime | None) -> datetime | None:
    """The stored moment, read as UTC (it is stored without a zone)."""
    if value is None:
        return None
    return datetime.combine(value, value.timetz(), UTC)


def utc_from_text(value: str) -> datetime:
    """The ISO 8601 text of a stored moment, without a zone ("2026-12-04 17:36:02.000000" as
    SQLAlchemy writes it on SQLite, "2026-12-04T17:36:02" as PostgreSQL's JSON does), as an
    aware UTC datetime, read in one step (`datetime.replace` costs five times the parsing).
    A ValueError for text that is not one."""
    moment = datetime.fromisoformat(value + "+00:00")
    # A date alone comes back without the zone.
    return moment if moment.tzinfo is not None else _as_utc(moment)


def _utc_from_sqlite_text(parse, value: str | None) -> datetime | None:
    """SQLite's text of a moment (`utc_from_text`, also as SQLite's own `datetime()` writes
    it) as an aware UTC datetime; anything else as SQLAlchemy's own `parse` reads it."""
    if value is None:
        return None
    try:
        return utc_from_text(value)
    except (TypeError, ValueError):
        return _as_utc(parse(value))


def utcnow() -> datetime:
    """The current time in UTC; the default for created/updated columns."""
    from portal import clock

    return clock.now()


class Base(DeclarativeBase):
    """Every model's base: one metadata with predictable constraint names.

    A `Mapped[datetime]` column is a `UTCDateTime` without saying so: the portal stores no
    naive times.
    """

    registry = orm.registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


class IdMixin:
    """An integer primary key `id`, the table's first column."""

    #: A negative sort order puts the key before the model's own columns, as in the migrations.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class TimestampMixin:
    """`created_at` and `updated_at`, kept by the ORM."""

    #: When the row was first written.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the row last changed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def user_fk(**column_options: Any) -> MappedColumn[Any]:
    """A key to the person a row belongs to: the row is deleted with their account."""
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), **column_options)


def optional_user_fk(**column_options: Any) -> MappedColumn[Any]:
    """A key to a person a row mentions (who did it); if their account goes, it becomes NULL."""
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), **column_options)
