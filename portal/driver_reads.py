"""A reading request's own statements, run straight on the database driver.

SQLAlchemy's path for one statement (an execution context, parameter and result set-up, a
`Result` and its rows) costs about 0.25 million instructions, as much again as SQLite takes
to run most of a page's reads; a page view runs two or three. A reading request (`portal.db`:
GET, HEAD, OPTIONS) runs its page reads (`portal.db.page_rows`) and the user's load here:

- Each statement is compiled once per dialect, on its second run, and kept (`_prepared`):
  its SQL, the order of its parameters, their bind processors, and its columns' result
  processors, all taken from SQLAlchemy's own compilation, so values go in and come out
  exactly as through SQLAlchemy (a date on SQLite, an enum, a boolean). A statement with
  lists expanded into `IN` at execution is expanded by SQLAlchemy once per shape (the
  length of each list: the SQL and its parameters' names depend on nothing else) and kept
  with the statement; each run then only spreads its lists' values over those names.
  A statement built afresh for each call (a search with its words in it) is never seen twice
  and stays on SQLAlchemy's path.
- The statement runs on the connection's driver cursor, in the transaction SQLAlchemy began
  for it (the "begin" event has run: deferred and read-only on SQLite, autocommit on
  PostgreSQL). Listeners of `before_cursor_execute` and `after_cursor_execute` hear it as
  any other statement (the statement-count tests, PostgreSQL's server-cursor guard).
- A driver error is not raised from here: the statement runs again on SQLAlchemy's own path,
  which raises SQLAlchemy's error for it and drops a connection the server closed. A read
  changes nothing, so running it again is safe where a failure spoils nothing: on SQLite, and
  on PostgreSQL in autocommit (a reading request). A PostgreSQL connection in a transaction
  reads through SQLAlchemy.

Rows are named tuples (`row.title`, `row[0]`, unpacking); `Rows` offers the `Result`
methods page reads use: iteration, `all`, `first`, `one` and `scalar`. Anything else (a
request that may write, a command, an echoing engine, a statement's first run) takes
SQLAlchemy's path and gets `Rows` of SQLAlchemy's rows, read the same way.
"""

import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, Executable, exc

#: Statements kept per process (`_prepared`). Page reads are module constants or built once
#: per shape (`functools.cache`), some hundreds in all; the bound keeps statements built
#: afresh for each call from growing the cache.
PREPARED_KEPT = 1024
#: Expansions kept per statement, one per shape of its `IN` lists: a page's lists are
#: constants or a handful of lengths; past this, further shapes are expanded on every run.
SHAPES_KEPT = 32


class Rows:
    """A statement's rows, read whole; the few `Result` methods page reads use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list):
        self._rows = rows

    def __iter__(self) -> Iterator:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def all(self) -> list:
        return self._rows

    def first(self):
        return self._rows[0] if self._rows else None

    def scalar(self):
        """The first row's first value, None without rows."""
        return self._rows[0][0] if self._rows else None

    def one(self):
        if len(self._rows) != 1:
            if not self._rows:
                raise exc.NoResultFound("No row was found when one was required")
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]


class _Expanded(NamedTuple):
    """A statement's SQL with its `IN` lists expanded for one shape (their lengths): the
    names each list's values take, the order of all parameters, their bind processors."""

    sql: str
    names: dict[str, list[str]]
    positions: list[str] | None
    processors: dict[str, Callable]


class _Prepared:
    """One statement compiled for one dialect, with what running it on the driver needs."""

    __slots__ = (
        "compiled",
        "sql",
        "positions",
        "expands",
        "lists",
        "shapes",
        "row",
        "results",
        "direct",
    )

    def __init__(self, statement: Executable, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.sql = compiled.string
        self.positions = compiled.positiontup if compiled.positional else None
        self.expands = bool(compiled.literal_execute_params or compiled.post_compile_params)
        #: The names of the lists expanded into `IN`, when their shape alone decides the SQL
        #: (None: values written into the SQL itself, or lists of tuples; expanded each run).
        self.lists: list[str] | None = None
        if self.expands and not compiled.literal_execute_params:
            parameters = compiled.post_compile_params
            if not any(parameter.type._is_tuple_type for parameter in parameters):
                escaped = compiled.escaped_bind_names or {}
                self.lists = [
                    escaped.get(name, name)
                    for name in (compiled.bind_names[parameter] for parameter in parameters)
                ]
        self.shapes: dict[tuple[int, ...], _Expanded] = {}
        names = [entry.keyname for entry in compiled._result_columns]
        self.row: Callable = namedtuple("Row", names, rename=True)._make
        #: False once the driver's columns turned out not to be the compiled ones (text
        #: without declared columns, say): SQLAlchemy's path then matches them by name.
        self.direct = bool(names)
        #: (index, processor, whether NULL stays None) of the columns whose driver value
        #: needs converting; known once the first run shows the driver's column types.
        self.results: list[tuple[int, Callable, bool]] | None = None

    def parameters(self, values: dict) -> tuple[str, Any]:
        """The SQL to run and the driver's parameters for `values`."""
        compiled = self.compiled
        if self.lists is not None:
            bound = compiled.construct_params(values, _no_postcompile=True)
            expanded = self._expanded(bound)
            for name, names in expanded.names.items():
                bound.update(zip(names, bound.pop(name), strict=True))
            sql, positions, processors = expanded.sql, expanded.positions, expanded.processors
        elif self.expands:
            state = compiled.construct_expanded_state(values)
            sql, bound, positions = state.statement, state.parameters, state.positiontup
            processors = {**compiled._bind_processors, **state.processors}
        else:
            sql, positions = self.sql, self.positions
            bound, processors = compiled.construct_params(values), compiled._bind_processors
        for name, process in processors.items():
            if name in bound:
                bound[name] = process(bound[name])
        if positions is not None:
            return sql, [bound[name] for name in positions]
        return sql, bound

    def _expanded(self, bound: dict) -> _Expanded:
        """The expansion for the shape of the lists in `bound`, worked out by SQLAlchemy the
        first time that shape is seen."""
        shape = tuple(len(bound[name]) for name in self.lists)
        expanded = self.shapes.get(shape)
        if expanded is None:
            state = self.compiled._process_parameters_for_postcompile(dict(bound))
            expanded = _Expanded(
                state.statement,
                state.parameter_expansion,
                state.positiontup,
                # The statement's own processors, and each list value's (SQLAlchemy's
                # execution context merges them the same way).
                {**self.compiled._bind_processors, **state.processors},
            )
            if len(self.shapes) < SHAPES_KEPT:
                self.shapes[shape] = expanded
        return expanded

    def learn_results(self, dialect: Dialect, description) -> bool:
        """Note which columns' values need converting, from the driver's first answer;
        False (and never direct again) when its columns are not the compiled ones."""
        entries = self.compiled._result_columns
        if description is None or len(entries) != len(description):
            self.direct = False
            return False
        self.results = [
            (index, process, _keeps_null(process))
            for index, (entry, column) in enumerate(zip(entries, description, strict=True))
            if (process := entry.type._cached_result_processor(dialect, column[1])) is not None
        ]
        return True

    def rows(self, raw: list) -> list:
        make, results = self.row, self.results
        if not results:
            return list(map(make, raw))
        rows = []
        for values in raw:
            values = list(values)
            for index, process, keeps_null in results:
                value = values[index]
                # A NULL its processor would give back as None is left as it is: most
                # columns of a page's union of reads are NULL in most of its rows.
                if value is not None or not keeps_null:
                    values[index] = process(value)
            rows.append(make(values))
        return rows


def _keeps_null(process: Callable) -> bool:
    """Whether a result processor gives None for NULL (SQLAlchemy's own do; a type of the
    portal's might not), so that NULLs need not be handed to it."""
    try:
        return process(None) is None
    except Exception:  # noqa: BLE001 - a processor that cannot take None is always called
        return False


_kept: OrderedDict[tuple[Executable, Dialect], "_Prepared | None"] = OrderedDict()
_kept_lock = threading.Lock()
_UNSEEN = object()


def _prepared(statement: Executable, dialect: Dialect) -> "_Prepared | None":
    """`statement` prepared for the driver, from its second run on; None on its first.

    A page's reads are module constants or built once per shape, and run on the driver from
    their second run. A statement built afresh for each call (a search's, with the words in
    it) is never run twice: it stays on SQLAlchemy's path, whose own cache knows it by its
    shape, instead of being compiled here every time."""
    key = (statement, dialect)
    with _kept_lock:
        prepared = _kept.get(key, _UNSEEN)
        if prepared is not _UNSEEN:
            _kept.move_to_end(key)
        else:
            _kept[key] = None
            if len(_kept) > PREPARED_KEPT:
                _kept.popitem(last=False)
    if prepared is None:
        prepared = _Prepared(statement, dialect)
        with _kept_lock:
            if key in _kept:
                _kept[key] = prepared
    return None if prepared is _UNSEEN else prepared


def driver_rows(connection: Connection, statement: Executable, values: dict) -> Rows:
    """`statement`'s rows for `values`, run on the driver (see the module's notes)."""
    dialect = connection.dialect
    prepared = _prepared(statement, dialect)
    if (
        prepared is None
        or not prepared.direct
        or connection._echo
        or not _a_failure_spoils_nothing(connection)
    ):
        return sqlalchemy_rows(connection, statement, values)
    sql, parameters = prepared.parameters(values)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        dispatch = connection.dispatch
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, sql, parameters, None, False)
        try:
            cursor.execute(sql, parameters)
            raw = cursor.fetchall()
        except Exception:  # noqa: BLE001 - SQLAlchemy's path raises its own error for it
            return sqlalchemy_rows(connection, statement, values)
        if prepared.results is None and not prepared.learn_results(dialect, cursor.description):
            return sqlalchemy_rows(connection, statement, values)
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, parameters, None, False)
    finally:
        cursor.close()
    return Rows(prepared.rows(raw))


def _a_failure_spoils_nothing(connection: Connection) -> bool:
    """Whether a statement that fails leaves the connection as it was, so that it can run
    again on SQLAlchemy's path: always on SQLite (a failed read ends no transaction), on
    PostgreSQL only in autocommit (in a transaction, a failure aborts it)."""
    if connection.dialect.name == "sqlite":
        return True
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", False))


def sqlalchemy_rows(connection: Connection, statement: Executable, values: dict) -> Rows:
    """`statement`'s rows for `values` through SQLAlchemy's own path: for a request that may
    write, for commands, and for what the driver does not run. Its rows are SQLAlchemy's,
    named and indexed as the driver's are."""
    return Rows(connection.execute(statement, values).all())
