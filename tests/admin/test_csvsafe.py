"""Spreadsheet formula injection is neutralised in every CSV cell."""

import pytest

from portal.csvsafe import safe_cell


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_could_start_a_formula_get_an_apostrophe(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    ("value", "expected"), [("Sam", "Sam"), (12, "12"), (None, ""), ("a=b", "a=b")]
)
def test_ordinary_cells_are_unchanged(value, expected):
    assert safe_cell(value) == expected
