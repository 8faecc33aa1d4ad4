"""The owner's referral pages: only their own friends, in a fixed number of queries."""

import pytest

from portal.accounts.models import Role
from portal.referrals.models import Stage


def test_my_referrals_lists_my_friends_with_stage_and_points(
    client, login, make_owner, make_referral
):
    owner, other = make_owner(), make_owner()
    make_referral(owner, name="Jamie Fraser", stage=Stage.TEST_DRIVE)
    make_referral(other, name="Casey Lund")
    login(owner)
    html = client.get("/referrals").get_data(as_text=True)
    assert "Jamie Fraser" in html and "Test drive" in html and ">25<" in html
    assert "Casey Lund" not in html


def test_another_owners_referral_is_not_found(client, login, make_owner, make_referral):
    owner, other = make_owner(), make_owner()
    mine = make_referral(owner, name="Jamie Fraser", stage=Stage.TEST_DRIVE)
    theirs = make_referral(other)
    login(owner)
    page = client.get(f"/referrals/{mine.id}")
    assert page.status_code == 200 and "Jamie took a test drive" in page.get_data(as_text=True)
    assert client.get(f"/referrals/{theirs.id}").status_code == 404


@pytest.mark.parametrize("path", ["/invite", "/referrals", "/rewards"])
def test_owner_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _statements_for(client, path, count_queries) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_my_referrals_runs_the_same_queries_for_2_and_25_friends(
    client, login, make_owner, make_referral, count_queries
):
    few, many = make_owner(), make_owner()
    for index in range(2):
        make_referral(few, stage=Stage.TEST_DRIVE if index % 2 else Stage.INVITED)
    for index in range(25):
        make_referral(many, stage=Stage.TEST_DRIVE if index % 2 else Stage.INVITED)
    login(few)
    few_count = _statements_for(client, "/referrals", count_queries)
    client.post("/logout")
    login(many)
    assert _statements_for(client, "/referrals", count_queries) == few_count


def test_the_pipeline_runs_the_same_queries_for_2_and_25_referrals(
    client, login, make_user, make_owner, make_referral, count_queries
):
    login(make_user(role=Role.COORDINATOR))
    referrers = [make_owner() for _ in range(25)]
    for referrer in referrers[:2]:
        make_referral(referrer, stage=Stage.CONTACTED)
    two = _statements_for(client, "/admin/referrals", count_queries)
    for referrer in referrers[2:]:
        make_referral(referrer, stage=Stage.CONTACTED)
    assert _statements_for(client, "/admin/referrals", count_queries) == two


def test_the_pipeline_pages_by_its_tabs_counts_without_counting_its_rows(
    client, login, make_user, owner, make_referral, count_queries
):
    login(make_user(role=Role.COORDINATOR))
    for stage in (Stage.CONTACTED,) * 6 + (Stage.INVITED,) * 5:
        make_referral(owner, stage=stage)
    client.get("/admin/referrals")
    with count_queries() as statements:
        everyone = client.get("/admin/referrals?per_page=5").get_data(as_text=True)
    contacted = client.get("/admin/referrals?stage=contacted&per_page=5").get_data(as_text=True)
    assert "Page 1 of 3" in everyone and "Page 1 of 2" in contacted
    # The tabs' counts already say how long the list is: no statement counts the page's rows.
    assert not [sql for sql in statements if "FROM (SELECT" in sql and "count(" in sql.lower()]
