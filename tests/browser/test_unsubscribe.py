"""The unsubscribe link from an email, opened in a phone's browser: ask, confirm, done."""

import pytest

from portal.extensions import db
from portal.security import sign

pytestmark = pytest.mark.browser


def test_owner_unsubscribes_from_service_reminders_on_a_phone(
    app, live_server, browser_page, axe_check, make_owner
):
    owner = make_owner(name="Sam Okafor")
    with app.test_request_context():
        token = sign("unsubscribe", {"uid": owner.id, "cat": "service"})
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(f"{live_server}/unsubscribe/{token}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Stop service reminders")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(page)

    page.get_by_role("button", name="Yes, stop them").click()
    page.get_by_text("Done, Sam: you won't receive service reminders").wait_for()
    axe_check(page)
    db.session.expire_all()
    db.session.refresh(owner)
    assert not owner.consent_service and owner.consent_event_invites

    page.goto(f"{live_server}/unsubscribe/{token[:-2]}xx")
    assert page.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    axe_check(page)
