"""Declarative base with a naming convention, and the column shapes shared by every domain."""

from datetime import UTC, datetime
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
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


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
