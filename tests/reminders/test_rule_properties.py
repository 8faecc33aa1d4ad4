"""Properties of the reminder rules over many generated cars and days (Hypothesis).

The profiles (derandomised in CI and under mutmut) are registered in tests/conftest.py.
"""

import calendar
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from portal.reminders.facts import OwnerFacts, VehicleFacts
from portal.reminders.rules import (
    URGENCY,
    Settings,
    Status,
    add_months,
    anniversary_reminder,
    birthday_reminder,
    driving_rate,
    latest_known_miles,
    next_yearly,
    service_reminder,
    status_for,
)

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
SETTINGS_ = st.builds(
    Settings,
    service_interval_months=st.integers(1, 24),
    service_interval_miles=st.integers(1000, 20000),
    due_soon_days=st.integers(0, 90),
)


@st.composite
def cars(draw) -> VehicleFacts:
    """A car with any mix of purchase, readings (in order) and a last service."""
    bought = draw(st.none() | DAYS)
    bought_miles = draw(st.none() | st.integers(0, 200_000))
    first = last = service = None
    if draw(st.booleans()):
        first_day = draw(DAYS)
        first_miles = draw(st.integers(0, 200_000))
        span = draw(st.integers(0, 2000))
        first = (first_day, first_miles)
        last = (first_day + timedelta(days=span), first_miles + draw(st.integers(0, 100_000)))
    if draw(st.booleans()):
        service = (draw(DAYS), draw(st.none() | st.integers(0, 300_000)))
    return VehicleFacts(
        id=1,
        owner_id=1,
        vin="1HGCV1F30NA000007",
        label="car",
        make="Honda",
        model="Civic",
        year=2022,
        purchase_date=bought,
        purchase_odometer=bought_miles,
        first_reading=first,
        last_reading=last,
        last_service=service,
    )


def base_day(car: VehicleFacts) -> date | None:
    """The day the next service counts from: last service, else purchase, else first reading."""
    if car.last_service is not None:
        return car.last_service[0]
    if car.purchase_date is not None:
        return car.purchase_date
    return car.first_reading[0] if car.first_reading else None


@given(cars(), DAYS, SETTINGS_)
def test_a_service_is_never_due_before_its_base_date(car, today, settings):
    rate = driving_rate(car, settings.default_miles_per_day)
    reminder = service_reminder(car, today, settings, rate, latest_known_miles(car))
    base = base_day(car)
    if base is None:
        assert reminder is None
        return
    assert base <= reminder.due_on <= add_months(base, settings.service_interval_months)
    assert reminder.key.endswith(base.isoformat())


@given(
    bought=DAYS,
    bought_miles=st.integers(0, 100_000),
    days_later=st.integers(0, 400),
    driven=st.integers(0, 4999),
    slower=st.floats(1, 300),
    extra=st.floats(0, 300),
    today=DAYS,
)
def test_more_miles_a_day_never_makes_a_service_later(
    bought, bought_miles, days_later, driven, slower, extra, today
):
    # From the same latest reading, short of the service's miles, a faster driver is due no later.
    car = VehicleFacts(
        id=1,
        owner_id=1,
        vin="1HGCV1F30NA000007",
        label="car",
        make="Honda",
        model="Civic",
        year=2022,
        purchase_date=bought,
        purchase_odometer=bought_miles,
        last_reading=(bought + timedelta(days=days_later), bought_miles + driven),
        first_reading=(bought + timedelta(days=days_later), bought_miles + driven),
    )
    known = latest_known_miles(car)
    settings = Settings()
    slow = service_reminder(car, today, settings, slower, known)
    fast = service_reminder(car, today, settings, slower + extra, known)
    assert fast.due_on <= slow.due_on


@given(due=DAYS, window=st.integers(0, 120))
def test_statuses_follow_the_window_day_by_day(due, window):
    # Walking towards the due date and past it, the status only ever gets more pressing,
    # turning due soon exactly `window` days before and overdue the day after.
    days = [due - timedelta(days=window + 2) + timedelta(days=n) for n in range(window + 5)]
    statuses = [status_for(due, day, window) for day in days]
    assert [URGENCY[s] for s in statuses] == sorted((URGENCY[s] for s in statuses), reverse=True)
    first_due_soon = days[statuses.index(Status.DUE_SOON)]
    first_overdue = days[statuses.index(Status.OVERDUE)]
    assert first_due_soon == due - timedelta(days=window)
    assert first_overdue == due + timedelta(days=1)


@given(day=DAYS, months=st.integers(0, 240))
def test_add_months_moves_whole_months_and_clamps_only_past_the_month_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


@given(year=st.integers(1904, 2096), today=DAYS)
def test_29_february_is_kept_in_leap_years_and_28_february_otherwise(year, today):
    leap_day = date(year - year % 4, 2, 29)
    due = next_yearly(leap_day, today, today.year)
    assert today <= due < today + timedelta(days=367)
    assert (due.month, due.day) == ((2, 29) if calendar.isleap(due.year) else (2, 28))
    birthday = birthday_reminder(OwnerFacts(1, "Sam", leap_day, True), today, Settings())
    assert birthday.due_on == due


@given(bought=DAYS, today=DAYS)
def test_an_anniversary_is_whole_years_after_the_purchase_and_never_in_the_past(bought, today):
    car = VehicleFacts(1, 1, "VIN", "car", "Honda", "Civic", 2022, purchase_date=bought)
    reminder = anniversary_reminder(car, today, Settings())
    if bought > today:
        assert reminder is None
        return
    assume(reminder is not None)
    years = reminder.due_on.year - bought.year
    assert years >= 1 and reminder.due_on >= today
    assert reminder.due_on - today < timedelta(days=367)
    assert (reminder.due_on.month, reminder.due_on.day) == (
        (bought.month, bought.day)
        if (bought.month, bought.day) != (2, 29) or calendar.isleap(reminder.due_on.year)
        else (2, 28)
    )
