"""Checks for CSV downloads: a spreadsheet must never run what owners typed."""

import csv
import io

#: Text a spreadsheet would run as a formula, one per dangerous first character.
FORMULAS = ['=HYPERLINK("http://evil.example")', "+SUM(A1)", "-2+3", "@cmd|' /C calc'!A0"]


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download, checked to be one."""
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def assert_neutralised(rows: list[list[str]], formula: str) -> None:
    """The formula appears only quoted, and no cell starts like a formula."""
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + formula in cells, cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))], cells
    assert formula not in cells
