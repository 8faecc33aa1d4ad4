# Two commands for people: `make run` and `make test`. The rest are their steps.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal

.PHONY: run test lint format bench clean mutation

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist worksteal -q -rs

# By hand, not in CI: mutmut on the core modules ([tool.mutmut] in pyproject.toml), SQLite only,
# no browser tests, each module against its own tests; then the score per module. Results are
# kept in mutants/: a second run retests only what changed. One child process by default,
# as the machine is shared; `make mutation MUTANTS='portal.reminders.rules.*'` for one module.
MUTATION_CHILDREN ?= 1
MUTANTS ?=
mutation: $(VENV)/.installed-test
	env -u PORTAL_TEST_POSTGRES_URL HYPOTHESIS_PROFILE=mutation \
		$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python tools/mutation_report.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
