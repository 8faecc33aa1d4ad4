"""The redemptions export neutralises formulas."""

import pytest

from tests.csv_checks import FORMULAS, assert_neutralised, csv_rows


@pytest.mark.parametrize("formula", FORMULAS)
def test_redemptions_export_neutralises_formulas(
    client, as_coordinator, make_owner, make_reward, make_redemption, formula
):
    person = make_owner(name=formula)
    make_redemption(person, make_reward(name=formula), cause=formula)

    rows = csv_rows(client.get("/admin/rewards/redemptions/export.csv"))

    assert rows[0][:4] == ["id", "owner", "email", "reward"]
    assert_neutralised(rows, formula)
