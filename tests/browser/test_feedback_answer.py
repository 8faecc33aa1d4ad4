"""An owner answers "How did it go?" from the link in a text, on a phone, signed out."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.feedback.models import Survey
from portal.garage.models import ServiceRecord
from portal.security import hash_token

pytestmark = pytest.mark.browser
TOKEN = "browser-test-survey-token"


def test_owner_answers_from_the_link_on_a_phone(
    app, live_server, browser_page, axe_check, make_owner, make_vehicle
):
    owner = make_owner(name="Sam Okafor")
    car = make_vehicle(owner, make="Volkswagen", model="Golf", nickname="Golf")
    visit = ServiceRecord(
        vehicle_id=car.id,
        performed_on=clock.now().date() - timedelta(days=1),
        work_done="30,000-mile service: fluids, filters, inspection.",
    )
    db.session.add(visit)
    db.session.flush()
    db.session.add(
        Survey(
            service_record_id=visit.id,
            owner_id=owner.id,
            token_hash=hash_token(TOKEN),
            asked_at=clock.now(),
        )
    )
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})

    page.goto(f"{live_server}/how-did-it-go/{TOKEN}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("How did the 30,000-mile service on your Golf go, Sam?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(page)

    page.get_by_role("button", name="Send my answer").click()  # nothing chosen yet
    expect(page.get_by_text("Choose a number from 1 to 5.")).to_be_visible()

    group = page.get_by_role("group", name="How did it go, from 1 (poor) to 5 (excellent)?")
    group.get_by_label("4, good").check()
    page.get_by_label("Anything you'd like to tell us? (optional)").fill("Quick and friendly.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you, Sam: your answer is saved.")).to_be_visible()
    expect(page.get_by_label("4, good")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(page)
    db.session.expire_all()
    survey = db.session.query(Survey).one()
    assert (survey.score, survey.comment) == (4, "Quick and friendly.")
