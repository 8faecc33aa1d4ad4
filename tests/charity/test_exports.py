"""The pledge exports neutralise formulas, per drive and for all drives."""

import pytest

from tests.csv_checks import FORMULAS, assert_neutralised, csv_rows


@pytest.mark.parametrize("formula", FORMULAS)
def test_pledge_exports_neutralise_formulas_per_drive_and_for_all(
    client, as_coordinator, make_owner, make_drive, add_contribution, formula
):
    drive = make_drive(formula)
    add_contribution(drive, make_owner(name=formula), 125_50, message=formula)
    other = make_drive("Toy drive", goal_kind="items", goal_amount=300, unit_label="toys")
    add_contribution(other, make_owner(), 4)

    everything = csv_rows(client.get("/admin/charity/contributions.csv"))
    one_drive = csv_rows(client.get(f"/admin/charity/{drive.id}/contributions.csv"))

    assert_neutralised(everything, formula)
    assert_neutralised(one_drive, formula)
    assert len(everything) == 3 and len(one_drive) == 2
    assert one_drive[1][6:8] == ["125.50", "USD"]
    assert everything[2][6:8] == ["4", "toys"]


def test_unknown_drive_export_is_404(client, as_coordinator):
    assert client.get("/admin/charity/999/contributions.csv").status_code == 404
