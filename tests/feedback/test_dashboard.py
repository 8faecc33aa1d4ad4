"""Satisfaction per advisor and per month of the visit, on the staff dashboard."""

import secrets
from datetime import UTC, date, datetime

import pytest

from portal import clock
from portal.extensions import db
from portal.feedback import queries, services
from portal.feedback.models import Survey
from portal.security import hash_token
from tests.feedback.helpers import NEXT_MORNING, surveys

TODAY = datetime(2026, 12, 15, 15, tzinfo=UTC)


@pytest.fixture
def answered(make_owner, make_visit):
    """`answered(advisor, on, score)`: a visit that advisor looked after, answered (or not)."""
    owner = make_owner()

    def make(advisor, on: date, score: int | None):
        visit = make_visit(owner, on=on, advisor=advisor)
        asked = datetime.combine(on, datetime.min.time(), tzinfo=UTC)
        db.session.add(
            Survey(
                service_record_id=visit.id,
                owner_id=owner.id,
                token_hash=hash_token(secrets.token_urlsafe(16)),
                asked_at=asked,
                score=score,
                answered_at=asked if score else None,
            )
        )
        db.session.commit()

    return make


def test_figures_per_advisor_and_month(answered, make_coordinator, admin_user):
    dana, eli = make_coordinator(name="Dana Advisor"), make_coordinator(name="Eli Advisor")
    answered(dana, date(2026, 12, 2), 5)
    answered(dana, date(2026, 12, 9), 4)
    answered(dana, date(2026, 12, 10), 2)
    answered(dana, date(2026, 12, 11), None)  # asked, not answered: not counted
    answered(eli, date(2026, 12, 3), 3)
    answered(dana, date(2026, 11, 20), 1)
    answered(None, date(2026, 11, 21), 5)
    answered(eli, date(2026, 5, 1), 1)  # before the period
    rows = queries.satisfaction(db.session, since=date(2026, 7, 1))
    figures = [(r.year, r.month, r.advisor, r.answers, r.average, r.happy_percent) for r in rows]
    assert figures == [
        (2026, 12, "Dana Advisor", 3, 3.7, 67),
        (2026, 12, "Eli Advisor", 1, 3.0, 0),
        (2026, 11, "Dana Advisor", 1, 1.0, 0),
        (2026, 11, None, 1, 5.0, 100),
    ]


def test_the_dashboard_shows_the_table(client, login, answered, make_coordinator, admin_user):
    dana = make_coordinator(name="Dana Advisor")
    answered(dana, date(2026, 12, 2), 5)
    answered(dana, date(2026, 12, 9), 4)
    with clock.frozen(TODAY):
        login(admin_user)
        page = client.get("/admin/").get_data(as_text=True)
    assert "Satisfaction per month and advisor" in page
    assert "Dana Advisor" in page
    assert '<td class="num">2</td>' in page
    assert '<td class="num">4.5</td>' in page
    assert '<td class="num">100%</td>' in page


def test_the_figures_take_one_statement_whatever_the_numbers(
    answered, make_coordinator, count_queries
):
    advisors = [make_coordinator(name=f"Advisor {n}") for n in range(3)]
    answered(advisors[0], date(2026, 12, 2), 5)
    with count_queries() as few:
        queries.satisfaction(db.session, since=date(2026, 7, 1))
    for number in range(12):
        answered(advisors[number % 3], date(2026, 8 + number % 4, 1 + number), 1 + number % 5)
    with count_queries() as many:
        rows = queries.satisfaction(db.session, since=date(2026, 7, 1))
    assert len(rows) > 4
    assert len(few) == len(many) == 1


def test_the_dashboard_counts_the_open_follow_ups(client, login, asked, admin_user):
    services.answer(db.session, surveys()[0], score=1, comment=None, now=NEXT_MORNING)
    db.session.commit()
    login(admin_user)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'Follow-ups<span class="visually-hidden"> (1 open)</span>' in page
    assert "1 low score waiting for a follow-up." in page
