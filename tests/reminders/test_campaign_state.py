"""The campaign list says Active only inside a campaign's window, and when it runs next."""

import re
from datetime import UTC, date, datetime

import pytest

from portal import clock
from portal.extensions import db
from portal.reminders.campaigns import CampaignState, recall_state, seasonal_state
from portal.reminders.models import RecallCampaign, SeasonalCampaign

WINTER_TYRES = ((10, 15), (11, 30))
SPRING_CHECK = ((3, 1), (4, 30))
NEW_YEAR = ((12, 15), (1, 31))  # a window across the turn of the year


@pytest.mark.parametrize(
    ("window", "today", "expected"),
    [
        (WINTER_TYRES, date(2026, 10, 14), CampaignState("waiting", starts_on=date(2026, 10, 15))),
        (WINTER_TYRES, date(2026, 10, 15), CampaignState("running", until=date(2026, 11, 30))),
        (WINTER_TYRES, date(2026, 11, 30), CampaignState("running", until=date(2026, 11, 30))),
        (WINTER_TYRES, date(2026, 12, 1), CampaignState("waiting", starts_on=date(2027, 10, 15))),
        (SPRING_CHECK, date(2026, 12, 1), CampaignState("waiting", starts_on=date(2027, 3, 1))),
        (NEW_YEAR, date(2027, 1, 10), CampaignState("running", until=date(2027, 1, 31))),
        (NEW_YEAR, date(2026, 12, 20), CampaignState("running", until=date(2027, 1, 31))),
        (NEW_YEAR, date(2027, 2, 1), CampaignState("waiting", starts_on=date(2027, 12, 15))),
        (
            ((2, 29), (3, 10)),
            date(2027, 1, 5),
            CampaignState("waiting", starts_on=date(2027, 2, 28)),
        ),
    ],
)
def test_seasonal_state(window, today, expected):
    assert seasonal_state(*window, True, today) == expected


def test_a_paused_campaign_is_paused_whatever_the_day():
    assert seasonal_state(*WINTER_TYRES, False, date(2026, 11, 1)) == CampaignState("paused")
    assert recall_state(date(2026, 1, 1), False, date(2026, 11, 1)) == CampaignState("paused")


def test_a_recall_runs_from_its_issue_date():
    assert recall_state(date(2026, 12, 1), True, date(2026, 12, 1)) == CampaignState("running")
    assert recall_state(date(2026, 12, 9), True, date(2026, 12, 1)) == CampaignState(
        "waiting", starts_on=date(2026, 12, 9)
    )


def _row(page: str, name: str) -> str:
    [row] = [row for row in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if name in row]
    return row


def test_the_list_on_1_december_says_when_winter_tyres_come_back(client, login, admin_user):
    db.session.add_all(
        [
            SeasonalCampaign(
                name="Winter tyres", start_month=10, start_day=15, end_month=11, end_day=30
            ),
            SeasonalCampaign(
                name="Holiday check", start_month=12, start_day=1, end_month=12, end_day=24
            ),
            RecallCampaign(
                code="26V-100", title="Airbag", make="Honda", model="Civic", year_from=2020,
                year_to=2024, issued_on=date(2026, 12, 9),
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    login(admin_user)
    with clock.frozen(datetime(2026, 12, 1, 15, tzinfo=UTC)):
        page = client.get("/admin/reminders/campaigns").get_data(as_text=True)
    tyres, holiday, recall = (_row(page, name) for name in ("Winter tyres", "Holiday", "26V-100"))
    assert "Winter tyres" in tyres and "Active" not in tyres
    assert 'Next: <time datetime="2027-10-15">15 Oct</time>' in tyres
    assert '<time datetime="10-15">15 Oct</time> – <time datetime="11-30">30 Nov</time>' in tyres
    assert "Holiday check" in holiday and "Active" in holiday
    assert 'until <time datetime="2026-12-24">24 Dec</time>' in holiday
    assert "26V-100" in recall and 'Next: <time datetime="2026-12-09">9 Dec</time>' in recall
