"""CSV cells a spreadsheet would run as formulas get a leading apostrophe."""

from datetime import date

import pytest

from portal.csvsafe import csv_text, safe_cell


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Sam", "Sam"),
        ("a=b", "a=b"),
        (None, ""),
        (-3, -3),
        (2.5, 2.5),
        (True, "yes"),
        (date(2026, 3, 1), "2026-03-01"),
    ],
)
def test_ordinary_values_are_kept(value, cell):
    assert safe_cell(value) == cell


def test_csv_text_escapes_header_and_rows():
    assert csv_text(["=Name"], [["-x"]]) == "'=Name\r\n'-x\r\n"
