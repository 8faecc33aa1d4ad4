"""The referrals export neutralises formulas and follows the stage filter."""

import pytest

from portal.referrals.models import Stage
from tests.csv_checks import FORMULAS, assert_neutralised, csv_rows


@pytest.mark.parametrize("formula", FORMULAS)
def test_referrals_export_neutralises_formulas(
    client, as_coordinator, owner, make_referral, formula
):
    make_referral(owner, name=formula, note=formula, stage=Stage.CONTACTED)

    rows = csv_rows(client.get("/admin/referrals/export.csv"))

    assert rows[0][:3] == ["id", "name", "email"]
    assert_neutralised(rows, formula)


def test_referrals_export_follows_the_stage_filter(client, as_coordinator, owner, make_referral):
    make_referral(owner, name="Cora Contacted", stage=Stage.CONTACTED)
    make_referral(owner, name="Ivan Invited", stage=Stage.INVITED)

    rows = csv_rows(client.get("/admin/referrals/export.csv?stage=contacted"))

    assert [row[1] for row in rows[1:]] == ["Cora Contacted"]
    assert rows[1][9] == owner.name
