"""Under mutmut only: each core module's mutants face its own tests, on SQLite.

`[tool.mutmut] pytest_add_cli_args` loads this plugin (`-p tests.mutation_scope`); `make test`
never does. mutmut picks, for each mutant, every selected test that ran the mutated function;
this narrows them to the module's own tests (`[tool.portal.mutation_tests]` in pyproject.toml:
node-id prefixes, a folder or the module's test files), so a module is scored by the tests
written for it, as issue #16 measures.
A mutant that none of its own tests reaches ends as "no tests" and counts as not killed.
PostgreSQL variants are always left out: the mutation run is SQLite only. A mutant's tests
run fastest first (by the times mutmut recorded), so a kill usually comes from a quick test.
"""

import json
import os
import tomllib
from pathlib import Path


def own_tests() -> dict[str, list[str]]:
    """Core module path -> prefixes of the tests that may kill its mutants."""
    data = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["portal"]["mutation_tests"]


def module_of(mutant_name: str, modules) -> str | None:
    """'portal.events.services.rsvps.x_take_seats__mutmut_3' -> its file, 'portal/events/...'."""
    for path in modules:
        if mutant_name.startswith(path.removesuffix(".py").replace("/", ".") + "."):
            return path
    return None


def _prefixes_for_current_mutant() -> list[str] | None:
    """The allowed test prefixes while a mutant is under test; None in mutmut's other runs."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return None
    table = own_tests()
    module = module_of(mutant, table)
    return table[module] if module else []


def _recorded_durations() -> dict[str, float]:
    """Seconds each test took in mutmut's stats run (mutants/mutmut-stats.json)."""
    stats = Path("mutmut-stats.json")
    if not stats.exists():
        return {}
    return json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})


def _on_postgres(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database") == "postgresql"


def pytest_collection_modifyitems(config, items) -> None:
    prefixes = _prefixes_for_current_mutant()
    keep, drop = [], []
    for item in items:
        outside = prefixes is not None and not item.nodeid.startswith(tuple(prefixes))
        (drop if outside or _on_postgres(item) else keep).append(item)
    if prefixes is not None:
        durations = _recorded_durations()
        keep.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep
