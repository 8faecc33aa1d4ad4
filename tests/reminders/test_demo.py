"""The demo seeder: a winter-tyres season and a recall that matches some demo cars."""

import random
from datetime import date

from sqlalchemy import select

from portal.accounts.demo import DemoData
from portal.extensions import db
from portal.reminders.demo import seed
from portal.reminders.models import RecallCampaign, SeasonalCampaign
from portal.reminders.queries.pages import owner_reminders


def test_demo_adds_winter_tyres_and_a_recall_for_the_commonest_model(make_owner, make_vehicle):
    owner = make_owner()
    for year in (2019, 2020, 2021):
        make_vehicle(owner, make="Toyota", model="RAV4", year=year)
    make_vehicle(owner, make="Honda", model="Civic", year=2022)
    seed(DemoData(rng=random.Random(1)))
    db.session.commit()
    winter = db.session.scalar(select(SeasonalCampaign))
    assert (
        winter.name,
        winter.start_month,
        winter.start_day,
        winter.end_month,
        winter.end_day,
    ) == (
        "Winter tyres",
        10,
        15,
        11,
        30,
    )
    recall = db.session.scalar(select(RecallCampaign))
    assert (recall.make, recall.model) == ("Toyota", "RAV4")
    page = owner_reminders(db.session, owner, date.today())
    recalled = [r for r in page.all() if r.kind == "recall"]
    assert 1 <= len(recalled) < 4
