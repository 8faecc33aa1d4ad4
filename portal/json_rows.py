"""Several small reads in one statement: each read's rows as one JSON column.

A page made of sections (the owner's home, the community page) reads a few rows for each, a
statement per section. What a statement costs the portal is mostly its trip through
SQLAlchemy and the driver (about 40-60 µs, a round trip on PostgreSQL), not the database's
work on a handful of rows. `JsonRows(select)` turns a read into a column holding its rows as
a JSON array of arrays; `read_together` puts a page's reads side by side in one statement
(`SELECT (rows of a), (rows of b), ...`) and gives back each read's rows as tuples, with the
values the same statement would have read on its own: an aware UTC datetime, a date, a bool.

The rows keep the read's order: each is aggregated from the read as a subquery, whose ORDER
BY and LIMIT stay inside it, and an aggregate over one ordered subquery takes its rows in that
order on both databases (SQLite does not flatten an ordered subquery into an aggregate; a
single sorted input reaches PostgreSQL's aggregate sorted). The tests hold both databases to
the order of the read run on its own.
"""

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.visitors import InternalTraversal

from portal.db import page_rows
from portal.models import utc_from_text


def _as_datetime(value: str | None) -> datetime | None:
    # SQLite keeps "2026-12-04 17:36:02.000000", PostgreSQL writes "2026-12-04T17:36:02":
    # both are ISO 8601, both UTC (the portal stores no other zone).
    return None if value is None else utc_from_text(value)


def _as_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _as_bool(value: bool | int | None) -> bool | None:
    # SQLite writes a boolean as 0 or 1, PostgreSQL as false or true.
    return None if value is None else bool(value)


def _decoder(column_type) -> Callable[[Any], Any] | None:
    """How a JSON value becomes what the column reads as (None: as it is)."""
    impl = getattr(column_type, "impl", column_type)  # a TypeDecorator's stored type
    if isinstance(impl, DateTime):
        return _as_datetime
    if isinstance(impl, Date):
        return _as_date
    if isinstance(impl, Boolean):
        return _as_bool
    if isinstance(impl, Integer | String | Text):
        return None
    raise TypeError(f"a {column_type!r} column does not come back from JSON as it went in")


class JsonRows(ColumnElement[list]):
    """The rows of `read` (a select, ordered and limited as it likes) as one JSON array of
    arrays, a column another statement can carry; `decode` turns it back into the rows the
    select would have given (named tuples: `row.ends_on` reads as on a row of the select).
    Only columns whose values survive JSON unchanged: integers, text, booleans, dates and
    datetimes (no floats, decimals or JSON)."""

    type = JSON()
    inherit_cache = False
    _traverse_internals = [("read", InternalTraversal.dp_clauseelement)]

    def __init__(self, read: Select):
        self.read = read
        names = [column.key or f"_{index}" for index, column in enumerate(read.selected_columns)]
        self._row = namedtuple("JsonRow", names, rename=True)._make
        self._decoders = [
            (index, decode)
            for index, column in enumerate(read.selected_columns)
            if (decode := _decoder(column.type)) is not None
        ]

    def decode(self, value: list | None) -> list[tuple]:
        """The rows, each value as its column reads it."""
        rows = value or []  # PostgreSQL's json_agg over no rows is NULL
        for row in rows:
            for index, decode in self._decoders:
                row[index] = decode(row[index])
        return list(map(self._row, rows))


def _rows_as_json(element: JsonRows, compiler, aggregate: str, array: str, **kw) -> str:
    rows = element.read.subquery("json_rows")
    as_json = select(getattr(func, aggregate)(getattr(func, array)(*rows.c)))
    return compiler.process(as_json.scalar_subquery(), **kw)


@compiles(JsonRows, "sqlite")
def _json_rows_on_sqlite(element, compiler, **kw) -> str:
    return _rows_as_json(element, compiler, "json_group_array", "json_array", **kw)


@compiles(JsonRows, "postgresql")
def _json_rows_on_postgresql(element, compiler, **kw) -> str:
    return _rows_as_json(element, compiler, "json_agg", "json_build_array", **kw)


@functools.cache
def _together(reads: tuple[JsonRows, ...]) -> Select:
    # Built once per set of reads (module constants): the statement is then cached as well.
    return select(*reads)


def read_together(
    session: Session, reads: Sequence[tuple[JsonRows, Mapping[str, Any]]]
) -> list[list[tuple]]:
    """Run each (read, its bound values) in one statement; each read's rows, in order.

    The reads share one set of bound values: a name two reads bind must be given the same
    value by both (a ValueError otherwise, never one read quietly getting the other's)."""
    values: dict[str, Any] = {}
    for _, bound in reads:
        for name, value in bound.items():
            if values.setdefault(name, value) != value:
                raise ValueError(f"two reads bind {name!r} to different values")
    columns = tuple(read for read, _ in reads)
    row = page_rows(session, _together(columns), values).one()
    return [read.decode(value) for read, value in zip(columns, row, strict=True)]
