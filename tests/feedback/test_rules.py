"""The question's words and the windows, as pure rules."""

from datetime import UTC, date, datetime, timedelta

from portal.feedback import rules


def test_the_question_names_the_service_the_car_and_the_person():
    work = "30,000-mile service: fluids, filters, inspection."
    assert rules.question("Sam", "Golf", work) == (
        "How did the 30,000-mile service on your Golf go, Sam?"
    )
    assert rules.question("Sam", "Golf", "Annual service") == (
        "How did the annual service on your Golf go, Sam?"
    )
    assert rules.question("Sam", "Golf", "Battery tested and replaced.") == (
        "How did your Golf's visit go, Sam?"
    )


def test_a_run_asks_about_yesterday_and_the_week_before_it():
    assert rules.visits_due(date(2026, 12, 8)) == (date(2026, 12, 1), date(2026, 12, 7))


def test_an_answer_can_be_changed_for_a_week_then_is_final():
    asked = datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert rules.can_answer(asked, None, asked + timedelta(days=30))
    assert not rules.can_answer(asked, None, asked + timedelta(days=30, seconds=1))
    answered = asked + timedelta(hours=2)
    assert rules.can_answer(asked, answered, answered + timedelta(days=7))
    assert not rules.can_answer(asked, answered, answered + timedelta(days=7, seconds=1))
