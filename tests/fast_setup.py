"""What every test's app costs to set up, made cheap without changing what a test sees.

Each test builds its own app on an empty database (tests/conftest.py). Three costs dominated
that set-up, measured with cProfile and `--durations` (see the README's testing section):

- `create_app` spent nearly all its time in Werkzeug compiling a URL builder (an `ast` tree
  turned into Python code) for each of the portal's routes, the same code every time.
  `memoise_url_builders` compiles each distinct builder once per process; a rule still gets
  its own bound builder, and the builder reads the rule's own converters when it is called.
  Then parsing the rules was most of what was left (about 20 of 35 ms of CPU per app):
  `memoise_rule_parsing` parses each distinct rule once per process; a rule still gets
  converters of its own, made by its own map.
- SQLite: `create_all` on each test's fresh file. `copy_sqlite_schema` copies a file that
  holds the schema, built once per process by the same `create_all`.
- PostgreSQL: `TRUNCATE … RESTART IDENTITY` of every table after each test, which gives every
  table and sequence a new file and waits for them on disk (about 25 times the cost of the
  deletes here). `empty_postgres` deletes the rows and sets the used sequences back: the
  same empty tables and ids from 1; TRUNCATE stays as the fallback for rows in a cycle.
  The test databases also commit without waiting for the disk (`synchronous_commit = off`:
  only a crash of the database server could lose a commit, and the data is thrown away).

- Templates: every app has its own Jinja environment, which parsed and compiled each
  template again (the layout, its macros and the page: about 50 ms of CPU for a test's first
  four pages). `share_compiled_templates` gives every environment one bytecode cache, so a
  template is compiled once per process and each later app only loads its code.

- Files: each SQLite test writes its copy of the schema (about 650 KB), its outbox and its
  instance folder under `tmp_path`; on a disk that was over a gigabyte of writes per run, and
  SQLite's write-ahead log index (`-shm`, a memory-mapped file beside the database) was
  written back to disk as well. `temp_files_in_memory` puts the temporary folders on
  `/dev/shm` (a tmpfs: the same files, in memory) where it exists, and pyproject.toml keeps
  only failed tests' folders, so the memory they take stays small.

Then Python's garbage collector: building an app per test allocates so many objects that the
collector ran thousands of times per worker, and each full pass walked every module, test
item and fixture alive since collection (about a third of a worker's CPU time, measured with
`gc.callbacks`). `calm_garbage_collector` moves what exists after collection out of the
collector's sight (`gc.freeze`: it lives for the whole session anyway) and lets more objects
be allocated between passes. Only when unreachable cycles are freed changes; nothing a test
sees or asserts. `forget_compiled_statements` empties each finished test's engine's cache of
compiled statements, the bulk of an engine that outlives its test.
"""

import gc
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import Rule

#: A tmpfs on Linux: files there live in memory.
MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 - a parent for pytest's own private folders


def temp_files_in_memory() -> None:
    """Tests' temporary folders on the tmpfs, unless one was chosen (PYTEST_DEBUG_TEMPROOT,
    pytest's documented setting) or there is none (macOS, Windows): then the usual place."""
    if "PYTEST_DEBUG_TEMPROOT" in os.environ:
        return
    if MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_FOLDER)


_BUILDERS: dict[tuple, object] = {}


def _builder_key(rule: Rule, append_unknown: bool) -> tuple:
    """Everything `Rule._compile_builder` reads from the rule when it writes the builder.

    The builder calls the rule's converters when it runs; it writes in only the URL form of
    a default given for a placeholder, which depends on that converter and its settings.
    """
    defaults = rule.defaults or {}
    converted = tuple(
        (name, type(converter), repr({k: v for k, v in vars(converter).items() if k != "map"}))
        for name, converter in sorted(rule._converters.items())
        if name in defaults
    )
    values = tuple(sorted((str(key), repr(value)) for key, value in defaults.items()))
    return (tuple(rule._trace), values, converted, append_unknown)


def memoise_url_builders() -> None:
    """Compile each distinct URL builder once per process (Werkzeug's code is deterministic)."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "memoised", False):
        return

    def memoised(self: Rule, append_unknown: bool = True):
        key = _builder_key(self, append_unknown)
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = _BUILDERS[key] = compile_builder(self, append_unknown)
        return builder

    memoised.memoised = True
    Rule._compile_builder = memoised


class _CompiledTemplates(BytecodeCache):
    """Compiled template code kept in memory for the process, by template and source digest.

    Jinja asks it before compiling a template and hands it what it compiled; a template whose
    source changed has a new digest, so it is compiled afresh. The code is the same for every
    app: they share one `create_app`, hence one Jinja configuration.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], object] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[(bucket.key, bucket.checksum)] = bucket.code


def share_compiled_templates() -> None:
    """Every app's Jinja environment, built from here on, uses one process-wide cache."""
    create = Flask.create_jinja_environment
    if getattr(create, "shared", False):
        return
    compiled = _CompiledTemplates()

    def with_shared_cache(self: Flask):
        environment = create(self)
        environment.bytecode_cache = compiled
        return environment

    with_shared_cache.shared = True
    Flask.create_jinja_environment = with_shared_cache


_PARSED: dict[tuple, tuple] = {}


def _parse_key(rule: Rule) -> tuple:
    """Everything `Rule.compile` reads besides the rule's text: the map's converter classes."""
    converters = tuple(sorted(rule.map.converters.items()))
    return (
        rule.rule,
        rule.subdomain,
        rule.host,
        rule.map.host_matching,
        rule.merge_slashes,
        converters,
    )


def memoise_rule_parsing() -> None:
    """Parse each distinct URL rule once per process (see the module's docstring).

    The first compile of a rule runs Werkzeug's own and records its parts, its trace and the
    converters it asked for; later rules with the same key take copies of the parts and trace,
    get new converter objects from their own map, and their builders as `compile` makes them.
    """
    compile_rule = Rule.compile
    if getattr(compile_rule, "memoised", False):
        return

    def memoised(self: Rule) -> None:
        key = _parse_key(self)
        parsed = _PARSED.get(key)
        if parsed is None:
            _PARSED[key] = _compile_and_record(self, compile_rule)
            return
        parts, trace, converters = parsed
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = {
            variable: self.get_converter(variable, name, args, kwargs)
            for variable, name, args, kwargs in converters
        }
        self.arguments.update(self._converters)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    memoised.memoised = True
    memoised.original = compile_rule
    Rule.compile = memoised


def _compile_and_record(rule: Rule, compile_rule) -> tuple:
    """Werkzeug's compile of `rule`, and what a later rule with the same key needs of it."""
    asked = []
    make_converter = rule.get_converter

    def recording(variable, name, args, kwargs):
        asked.append((variable, name, args, dict(kwargs)))
        return make_converter(variable, name, args, kwargs)

    rule.get_converter = recording
    try:
        compile_rule(rule)
    finally:
        del rule.get_converter
    return tuple(rule._parts), tuple(rule._trace), tuple(asked)


def calm_garbage_collector() -> None:
    """Freeze what collection built and collect less often (see the module's docstring)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def forget_compiled_statements(engine) -> None:
    """Empty a finished test's engine's cache of compiled statements.

    Many engines outlive their test (about a quarter of them were still alive at the end of
    a run, after full collections), and the cache was most of what each one held: the
    collector walked every compiled statement on each pass. Emptied, a worker's heap stayed
    a third smaller and the collector's time fell by a quarter, its longest pause from 3.4 s
    to 1.1 s (`tests/events` and `tests/rewards` in one process).
    """
    cache = getattr(engine, "_compiled_cache", None)
    if cache is not None:
        cache.clear()


def copy_sqlite_schema(template: Path, target: Path) -> bool:
    """Start `target` as a copy of the schema file; False (nothing done) if it exists already."""
    if target.exists() or not template.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return True


def write_sqlite_template(engine, path: Path) -> None:
    """Close the schema's connections and fold the write-ahead log into the file itself."""
    engine.dispose()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


#: Put back at 1 the sequences a test used (last_value is NULL for a sequence never used).
#: `setval` changes the sequence in place; ALTER SEQUENCE … RESTART would give it a new file.
_RESTART_USED_SEQUENCES = """
SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false)
FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname = current_schema()
"""


def empty_postgres(engine, tables) -> None:
    """Every table empty and every id sequence back at 1, as after TRUNCATE … RESTART IDENTITY.

    `tables` in dependency order (`metadata.sorted_tables`); rows go children first.
    """
    deletes = "".join(f'DELETE FROM "{table.name}";\n' for table in reversed(tables))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off;\n" + deletes)
            connection.exec_driver_sql(_RESTART_USED_SEQUENCES)
    except IntegrityError:  # rows that refer to each other in a cycle: the thorough way
        names = ", ".join(f'"{table.name}"' for table in tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def no_database(test):
    """Mark a test that never reaches the database: it runs once, not once per database.

    Every app test runs on SQLite and on PostgreSQL; one that runs no SQL at all (a visitor
    sent to sign in, a form refused before any query) learns nothing from the second run.
    It runs on SQLite only, and the `app` fixture (tests/conftest.py) fails it as soon as it
    runs any SQL statement: then it reaches the database and needs both runs again.
    """
    once = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
    return pytest.mark.no_database(once(test))
