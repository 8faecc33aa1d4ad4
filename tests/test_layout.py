"""The code's shape: small files, short views, layers that hold, fragments named as such."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
TEMPLATES = PORTAL / "templates"
VENDOR = PORTAL / "static" / "vendor"
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")

MAX_FILE_LINES = 450
MAX_VIEW_LINES = 30
#: The decorators that make a function a view: `@bp.route(...)`, `@bp.get(...)`, ...
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def _portal_files() -> list[Path]:
    return sorted(
        path
        for path in PORTAL.rglob("*")
        if path.is_file() and VENDOR not in path.parents and "__pycache__" not in path.parts
    )


def _line_count(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def test_no_file_in_the_portal_is_over_450_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _portal_files()
        if b"\0" not in path.read_bytes()  # text only: images have no lines
        and (lines := _line_count(path)) > MAX_FILE_LINES
    }
    assert too_long == {}, f"files over {MAX_FILE_LINES} lines (split by role): {too_long}"


def _is_route(decorator: ast.expr) -> bool:
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in ROUTE_DECORATORS
    )


def view_lengths(source: str) -> dict[str, int]:
    """Each view function in the module and its length from `def` to its last line."""
    return {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_is_route(decorator) for decorator in node.decorator_list)
    }


def test_view_lengths_count_from_def_to_the_last_line_without_decorators():
    source = (
        "@bp.get('/a')\n"
        "@login_required\n"
        "def short():\n"
        "    return 1\n"
        "\n"
        "@bp.route('/b', methods=['POST'])\n"
        "def longer():\n" + "    x = 1\n" * 5 + "    return x\n"
        "\n"
        "def helper():\n"
        "    return 2\n"
    )
    assert view_lengths(source) == {"short": 2, "longer": 7}


def test_no_view_is_over_30_lines():
    too_long = {
        f"{path.relative_to(ROOT)}:{name}": lines
        for path in _portal_files()
        if path.suffix == ".py"
        for name, lines in view_lengths(path.read_text()).items()
        if lines > MAX_VIEW_LINES
    }
    assert too_long == {}, f"views over {MAX_VIEW_LINES} lines (parse, call, render): {too_long}"


def _lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess:
    # cwd comes first on the path, so the package checked is the one in `cwd`.
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", str(config)],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_control_an_upward_import_breaks_the_contracts(tmp_path):
    """The check above is real: a copy of the portal where notifications imports rewards."""
    shutil.copytree(
        PORTAL,
        tmp_path / "portal",
        ignore=shutil.ignore_patterns("templates", "static", "__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "portal" / "notifications" / "models.py"
    models.write_text(models.read_text() + "\nimport portal.rewards  # noqa: E402, F401\n")

    result = _lint_imports(tmp_path / "pyproject.toml", tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout, result.stdout + result.stderr
    assert "portal.notifications.models -> portal.rewards" in result.stdout, result.stdout


def test_templates_are_pages_fragments_macros_or_mail():
    """A fragment (rendered for htmx or included) starts with `_`; a page extends a layout."""
    misnamed = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES)
        if name.parts[0] in ("macros", "email") or str(name) == "base.html":
            continue
        is_page = "{% extends" in path.read_text()
        if is_page == path.name.startswith("_"):
            misnamed.append(f"{name} ({'page' if is_page else 'fragment'})")
    assert misnamed == [], f"fragments start with _, pages do not: {misnamed}"
