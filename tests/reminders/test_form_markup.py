"""The reminder cards' forms, drawn as plain markup, match what their WTForms forms draw.

A fresh card's forms are written out in `portal.reminders.cards` (building a form object for
every card cost more than the rest of the card); a form that failed validation is drawn from
the form.
Both must give the same fields, names, labels, hints and limits, or a POST would read the
wrong field and a 422 would look unlike the page the owner came from.
"""

import html
import re
from datetime import UTC, date, datetime

import pytest
from flask import get_template_attribute

from portal import clock
from portal.extensions import db
from portal.reminders import cards
from portal.reminders.cards import dom_id
from portal.reminders.forms import DoneForm, LastServiceForm, MilesForm, SnoozeForm, VisitForm
from portal.reminders.queries.pages import owner_reminders
from portal.reminders.views import _drawing

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
TODAY = date(2025, 11, 20)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def normalised(markup: str) -> str:
    """Markup without the whitespace and escaping that do not change what a browser reads."""
    text = html.unescape(str(markup))
    text = re.sub(r">\s+<", "><", text)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r'\s+([">])', r"\1", text).strip()


@pytest.fixture
def page(app, make_owner, make_vehicle, add_service):
    owner = make_owner(name="Sam Okafor")
    # No service on file: its card asks for the last one (and offers a visit).
    make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2024, 1, 5))
    serviced = make_vehicle(owner, nickname="Grey Jazz", purchase_date=date(2023, 3, 1))
    add_service(serviced, date(2025, 5, 1), miles=9000)  # overdue: done, snooze and visit
    with app.test_request_context("/reminders"):
        yield owner_reminders(db.session, owner, TODAY)


def _card(page, group, **failed) -> str:
    return normalised(cards.car(_drawing(page, **failed), group))


def test_fresh_cards_draw_the_forms_a_failed_submission_draws(page):
    drawn = 0
    for group in page.groups:
        car_id = group.car.id
        for reminder in group.reminders:
            prefix = dom_id(reminder.key)
            fresh_forms = {
                "key": reminder.key,
                "visit": VisitForm(prefix=f"{prefix}-visit", formdata=None),
                "last": LastServiceForm(prefix=f"{prefix}-last", formdata=None),
                "miles_car": car_id,
                "miles": MilesForm(prefix=f"car-{car_id}-miles", formdata=None),
            }
            assert _card(page, group, **fresh_forms) == _card(page, group)
            drawn += 1
    assert drawn >= 4


def test_the_done_and_snooze_forms_carry_their_forms_fields(page):
    field = get_template_attribute("macros/forms.html", "field")
    serviced = next(g for g in page.groups if g.car.label == "Grey Jazz")
    card = _card(page, serviced)
    key = next(r.key for r in serviced.reminders if r.kind == "service")
    done = DoneForm(prefix=f"{dom_id(key)}-done", formdata=None)
    snooze = SnoozeForm(prefix=f"{dom_id(key)}-snooze", formdata=None)
    hint = "We'll add the visit to your service history."
    assert normalised(field(done.miles, hint=hint, inputmode="numeric")) in card
    for form in (done, snooze):
        assert normalised(form.csrf_token(id=False)) in card
    assert f'name="{snooze.days.name}" value="7"' in card
    assert f'name="{snooze.days.name}" value="30"' in card
