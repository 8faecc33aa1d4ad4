"""The stylesheet stays well-formed: one unclosed block silently drops every rule after it."""

from pathlib import Path

import pytest

import portal

STYLESHEETS = sorted((Path(portal.__file__).parent / "static" / "css").glob("*.css"))
#: The stylesheets and scripts every page loads (`base.html` draws them).
HEAD_ASSETS = Path(portal.__file__).parent / "templates" / "_head_assets.html"


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda path: path.name)
def test_every_block_in_the_stylesheet_is_closed(stylesheet):
    depth = 0
    for number, line in enumerate(stylesheet.read_text().splitlines(), start=1):
        if line.startswith("/* ") and depth:
            raise AssertionError(f"line {number} starts a section inside an unclosed block")
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {number} closes a block that was never opened"
    assert depth == 0


def test_every_stylesheet_is_linked_from_the_layout():
    head = HEAD_ASSETS.read_text()
    assert [path.stem for path in STYLESHEETS if f'"{path.stem}"' not in head] == []


def test_no_inline_styles_in_templates():
    """The CSP forbids style attributes: a page that uses one renders unstyled."""
    templates = Path(portal.__file__).parent / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if " style=" in path.read_text() and "email" not in path.parts
    ]
    assert offenders == []
