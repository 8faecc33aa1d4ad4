"""The reminder rules at their edges, as tables: month ends, July bases, missing miles, still cars.

Pure functions, no database. These assert due dates, statuses, kinds and keys, never the
words of a reminder (those are free to change); where words are touched at all it is only
to check they can be composed and leak no missing value.
"""

from datetime import date, timedelta

import pytest

from portal.reminders.campaigns import vehicle_reminders
from portal.reminders.facts import OwnerFacts, Product, VehicleFacts
from portal.reminders.rules import (
    DEFAULTS,
    Kind,
    Reminder,
    Settings,
    Status,
    add_months,
    anniversary_reminder,
    birthday_reminder,
    day_reaching,
    driving_rate,
    estimated_miles,
    latest_known_miles,
    next_yearly,
    protection_reminders,
    same_day_in_year,
    service_reminder,
    status_for,
    warranty_reminder,
)
from tests.reminders.cars import car

SETTINGS = Settings()


def service_of(vehicle: VehicleFacts, today: date, settings: Settings = SETTINGS) -> Reminder:
    """The car's service reminder, through the same steps as `vehicle_reminders`."""
    rate = driving_rate(vehicle, settings.default_miles_per_day)
    return service_reminder(vehicle, today, settings, rate, latest_known_miles(vehicle))


def assert_words_compose(reminder: Reminder) -> None:
    """The three texts are the words' three parts, and no missing value leaks into them."""
    assert (reminder.what, reminder.why_now, reminder.what_to_do) == reminder.words()
    for text in reminder.words():
        assert text and "None" not in text


# --- Months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 7, 15), 6, date(2026, 1, 15)),  # a July base crosses the year
        (date(2025, 7, 1), 5, date(2025, 12, 1)),  # ...but five months stay in it
        (date(2025, 6, 30), 6, date(2025, 12, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 12, 15), 12, date(2026, 12, 15)),
        (date(2025, 12, 15), 13, date(2027, 1, 15)),
        (date(2025, 1, 15), 11, date(2025, 12, 15)),
        (date(2025, 3, 15), 0, date(2025, 3, 15)),
        (date(2025, 1, 28), 1, date(2025, 2, 28)),  # the 28th never needs clamping
        (date(2025, 8, 29), 6, date(2026, 2, 28)),  # 29, 30, 31 clamp to February's end
        (date(2025, 8, 30), 6, date(2026, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2023, 8, 29), 6, date(2024, 2, 29)),  # ...which is the 29th in a leap year
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 5, 31), 6, date(2025, 11, 30)),
        (date(2025, 3, 30), 6, date(2025, 9, 30)),
        (date(2025, 1, 31), 2, date(2025, 3, 31)),  # a long month keeps the 31st
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("bought", "expected_due"),
    [
        (date(2025, 7, 15), date(2026, 1, 15)),  # not 2025-01-15: a year early
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2025, 8, 30), date(2026, 2, 28)),
        (date(2025, 8, 29), date(2026, 2, 28)),
        (date(2023, 8, 30), date(2024, 2, 29)),
        (date(2025, 12, 31), date(2026, 6, 30)),
    ],
)
def test_service_by_time_from_a_base_in_july_or_at_a_month_end(bought, expected_due):
    vehicle = car(purchase_date=bought, purchase_odometer=None)  # no miles: time only
    reminder = service_of(vehicle, bought + timedelta(days=1))
    assert reminder.due_on == expected_due
    assert reminder.key == f"service:vehicle-7:{bought.isoformat()}"
    assert reminder.kind == Kind.SERVICE and reminder.status == Status.UPCOMING
    assert (reminder.owner_id, reminder.vehicle_id) == (3, 7)
    assert_words_compose(reminder)


def test_a_july_service_record_is_due_in_january():
    vehicle = car(last_service=(date(2025, 7, 20), None), purchase_odometer=None)
    reminder = service_of(vehicle, date(2025, 12, 31))
    assert reminder.due_on == date(2026, 1, 20)
    assert reminder.key == "service:vehicle-7:2025-07-20"
    assert reminder.status == Status.DUE_SOON


def test_custom_interval_months_and_miles_are_used():
    settings = Settings(service_interval_months=3, service_interval_miles=9000)
    vehicle = car(purchase_odometer=None)
    assert service_of(vehicle, date(2025, 2, 1), settings).due_on == date(2025, 4, 10)
    # 9,000 miles at the default 33 a day: 273 days, after a year's worth of 6 months.
    by_miles = car(purchase_date=date(2025, 1, 10))
    twelve_months = Settings(service_interval_months=12, service_interval_miles=9000)
    assert service_of(by_miles, date(2025, 2, 1), twelve_months).due_on == date(
        2025, 1, 10
    ) + timedelta(days=273)


# --- Miles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected_rate"),
    [
        ({}, 33),  # purchase only: no span
        ({"purchase_date": None, "purchase_odometer": None}, 33),  # nothing known
        # A car that has not moved in 30 days or more: no rate of 0, the default instead.
        (
            {"first_reading": (date(2025, 1, 10), 1000), "last_reading": (date(2025, 3, 1), 1000)},
            33,
        ),
        # A single mile in thirty days is still a rate, however slow.
        (
            {"first_reading": (date(2025, 1, 10), 1000), "last_reading": (date(2025, 2, 9), 1001)},
            1 / 30,
        ),
        # Exactly thirty days is enough; twenty-nine is not.
        (
            {"first_reading": (date(2025, 1, 10), 1000), "last_reading": (date(2025, 2, 9), 2500)},
            50,
        ),
        (
            {"first_reading": (date(2025, 1, 10), 1000), "last_reading": (date(2025, 2, 8), 2450)},
            33,
        ),
        # Readings before the purchase (the dealer's own): purchase is the latest point.
        (
            {
                "purchase_date": date(2025, 4, 11),
                "purchase_odometer": 11000,
                "first_reading": (date(2025, 1, 1), 1000),
                "last_reading": (date(2025, 1, 10), 1200),
            },
            100,
        ),
        # A purchase before every reading is the earliest point.
        (
            {
                "purchase_date": date(2024, 12, 1),
                "purchase_odometer": 0,
                "first_reading": (date(2025, 1, 1), 3000),
                "last_reading": (date(2025, 3, 11), 10000),
            },
            100,
        ),
        # Purchase miles without a date say nothing about time: readings alone.
        (
            {
                "purchase_date": None,
                "purchase_odometer": 50,
                "first_reading": (date(2025, 1, 1), 1000),
                "last_reading": (date(2025, 4, 11), 11000),
            },
            100,
        ),
        (
            {
                "purchase_date": date(2025, 1, 1),
                "purchase_odometer": None,
                "first_reading": (date(2025, 2, 1), 1000),
                "last_reading": (date(2025, 5, 12), 11000),
            },
            100,
        ),
    ],
)
def test_driving_rate(facts, expected_rate):
    assert driving_rate(car(**facts), 33) == expected_rate


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, (date(2025, 1, 10), 1000)),
        ({"purchase_date": None, "purchase_odometer": None}, None),
        ({"purchase_odometer": None}, None),
        (
            {"purchase_date": None, "last_reading": (date(2025, 2, 1), 1500)},
            (date(2025, 2, 1), 1500),
        ),
        ({"last_reading": (date(2025, 2, 1), 1500)}, (date(2025, 2, 1), 1500)),
        ({"last_reading": (date(2025, 1, 1), 900)}, (date(2025, 1, 10), 1000)),
    ],
)
def test_latest_known_miles(facts, expected):
    assert latest_known_miles(car(**facts)) == expected


@pytest.mark.parametrize(
    ("target", "expected_offset"),
    [
        (1000, 0),
        (1001, 1),  # any part of a day's driving still to do is a whole day
        (1030, 1),
        (1031, 2),
        (999, 0),  # passed: the last whole day before
        (970, -1),
        (969, -1),
        (940, -2),
    ],
)
def test_day_reaching_rounds_towards_the_reading(target, expected_offset):
    known = (date(2025, 5, 1), 1000)
    assert day_reaching(known, target, 30) == date(2025, 5, 1) + timedelta(days=expected_offset)


def test_no_known_miles_projects_nothing():
    assert day_reaching(None, 5000, 30) is None
    assert estimated_miles(None, date(2025, 1, 1), 30) is None


@pytest.mark.parametrize(
    ("on", "expected"),
    [(date(2025, 5, 1), 1000), (date(2025, 5, 11), 1125), (date(2025, 4, 21), 875)],
)
def test_estimated_miles_on_a_day(on, expected):
    assert estimated_miles((date(2025, 5, 1), 1000), on, 12.5) == expected


def test_a_service_record_without_miles_is_placed_on_the_driving_line():
    # 100 miles a day from the readings; the service on 22 Mar is put at 9,000 miles,
    # so 14,000 miles (five thousand on) falls 30 days after the 11,000-mile reading.
    vehicle = car(
        purchase_date=None,
        purchase_odometer=None,
        first_reading=(date(2025, 1, 1), 1000),
        last_reading=(date(2025, 4, 11), 11000),
        last_service=(date(2025, 3, 22), None),
    )
    reminder = service_of(vehicle, date(2025, 4, 12))
    assert reminder.due_on == date(2025, 5, 11)
    assert reminder.key == "service:vehicle-7:2025-03-22"
    assert reminder.status == Status.DUE_SOON
    assert_words_compose(reminder)


def test_a_service_record_with_miles_counts_from_its_miles():
    vehicle = car(
        purchase_date=None,
        purchase_odometer=None,
        first_reading=(date(2025, 1, 1), 1000),
        last_reading=(date(2025, 4, 11), 11000),
        last_service=(date(2025, 3, 22), 10000),
    )
    assert service_of(vehicle, date(2025, 4, 12)).due_on == date(2025, 5, 21)


def test_a_car_with_no_purchase_date_counts_from_its_first_reading():
    vehicle = car(
        purchase_date=None,
        first_reading=(date(2025, 2, 1), 500),
        last_reading=(date(2025, 2, 1), 500),
    )
    reminder = service_of(vehicle, date(2025, 2, 2))
    # 5,000 miles at the default 33 a day is 152 days, before the six months are up.
    assert reminder.due_on == date(2025, 2, 1) + timedelta(days=152)
    assert reminder.key == "service:vehicle-7:2025-02-01"
    assert_words_compose(reminder)
    slow = car(
        purchase_date=None,
        first_reading=(date(2025, 2, 1), 500),
        last_reading=(date(2025, 5, 12), 1500),  # 10 a day: time comes first
    )
    assert service_of(slow, date(2025, 5, 12)).due_on == date(2025, 8, 1)


def test_a_car_with_nothing_known_has_no_service_reminder():
    vehicle = car(purchase_date=None, purchase_odometer=None)
    assert service_of(vehicle, date(2025, 2, 1)) is None
    assert [r.kind for r in vehicle_reminders(vehicle, date(2025, 2, 1), SETTINGS)] == []


def test_a_car_that_has_not_moved_is_due_by_the_default_rate_not_never():
    vehicle = car(first_reading=(date(2025, 1, 10), 1000), last_reading=(date(2025, 3, 1), 1000))
    reminder = service_of(vehicle, date(2025, 3, 1))
    # From the 1,000-mile reading on 1 Mar at 33 a day: 152 days, after the six months.
    assert reminder.due_on == date(2025, 7, 10)


def test_a_target_passed_long_before_the_last_service_is_due_on_the_service_day():
    # Readings too close together for a rate: at 33 a day the 6,000 miles were "reached"
    # years before the service; the reminder is due from the service day, not before it.
    vehicle = car(
        purchase_date=None,
        purchase_odometer=None,
        first_reading=(date(2025, 6, 1), 1000),
        last_reading=(date(2025, 6, 20), 50000),
        last_service=(date(2025, 6, 1), 1000),
    )
    reminder = service_of(vehicle, date(2025, 6, 21))
    assert (reminder.due_on, reminder.status) == (date(2025, 6, 1), Status.OVERDUE)


# --- Statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before_due", "window", "expected"),
    [
        (31, 30, Status.UPCOMING),
        (30, 30, Status.DUE_SOON),
        (1, 30, Status.DUE_SOON),
        (0, 30, Status.DUE_SOON),  # on the day itself
        (-1, 30, Status.OVERDUE),
        (1, 0, Status.UPCOMING),
        (0, 0, Status.DUE_SOON),
        (-1, 0, Status.OVERDUE),
    ],
)
def test_status_for_the_window(days_before_due, window, expected):
    due = date(2025, 6, 15)
    assert status_for(due, due - timedelta(days=days_before_due), window) == expected


def test_urgency_sorts_overdue_then_due_soon_then_upcoming_then_by_date():
    def reminder(status, due_on):
        return Reminder("k", Kind.SERVICE, 1, 1, due_on, status, lambda: ("", "", ""))

    reminders = [
        reminder(Status.UPCOMING, date(2025, 1, 1)),
        reminder(Status.DUE_SOON, date(2025, 3, 2)),
        reminder(Status.OVERDUE, date(2025, 2, 1)),
        reminder(Status.DUE_SOON, date(2025, 3, 1)),
    ]
    ordered = sorted(reminders, key=lambda r: r.urgency)
    assert [(r.status, r.due_on.day) for r in ordered] == [
        (Status.OVERDUE, 1),
        (Status.DUE_SOON, 1),
        (Status.DUE_SOON, 2),
        (Status.UPCOMING, 1),
    ]


def test_settings_from_the_stored_values():
    assert Settings.from_values(DEFAULTS) == Settings()
    changed = Settings.from_values(DEFAULTS | {"reminders.due_soon_days": 10})
    assert changed.due_soon_days == 10 and changed.service_interval_months == 6


# --- Warranty and protection ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "miles", "today", "expected"),
    [
        # (due date, status, key's cycle) or None
        (date(2026, 1, 10), None, date(2025, 11, 11), (date(2026, 1, 10), Status.DUE_SOON)),
        (date(2026, 1, 10), None, date(2025, 11, 10), (date(2026, 1, 10), Status.UPCOMING)),
        (date(2026, 1, 10), None, date(2026, 1, 10), (date(2026, 1, 10), Status.DUE_SOON)),
        (date(2026, 1, 10), None, date(2026, 1, 11), None),
        # Miles only: 11,000 miles to go at 33 a day is 334 days.
        (None, 12000, date(2025, 2, 1), (date(2025, 12, 10), Status.UPCOMING)),
        (None, 12000, date(2025, 12, 11), None),
        # Miles after the date: the date wins.
        (date(2025, 6, 1), 100000, date(2025, 5, 1), (date(2025, 6, 1), Status.DUE_SOON)),
        (None, None, date(2025, 5, 1), None),
    ],
)
def test_warranty_end_by_date_or_miles(end_date, miles, today, expected):
    vehicle = car(warranty_end_date=end_date, warranty_miles=miles)
    reminder = warranty_reminder(
        vehicle, today, SETTINGS, driving_rate(vehicle, 33), latest_known_miles(vehicle)
    )
    if expected is None:
        assert reminder is None
        return
    assert (reminder.due_on, reminder.status, reminder.kind) == (*expected, Kind.WARRANTY)
    assert reminder.key == f"warranty:vehicle-7:{end_date or 'none'}~{miles or 'none'}"
    assert_words_compose(reminder)


def test_warranty_keys_name_the_cover_so_a_new_cover_is_a_new_reminder():
    keys = {
        warranty_reminder(vehicle, date(2025, 2, 1), SETTINGS, 33, latest_known_miles(vehicle)).key
        for vehicle in (
            car(warranty_end_date=date(2027, 1, 10)),
            car(warranty_end_date=date(2028, 1, 10)),
            car(warranty_end_date=date(2028, 1, 10), warranty_miles=36000),
            car(warranty_miles=36000),
        )
    }
    assert keys == {
        "warranty:vehicle-7:2027-01-10~none",
        "warranty:vehicle-7:2028-01-10~none",
        "warranty:vehicle-7:2028-01-10~36000",
        "warranty:vehicle-7:none~36000",
    }


def test_an_ended_product_is_skipped_and_the_next_one_still_reminds():
    vehicle = car(
        products=[
            Product(4, "Tyre and wheel cover", date(2025, 3, 1), None),
            Product(5, "Paint protection", None, 12000),
            Product(6, "Key cover", date(2025, 12, 1), None),
        ]
    )
    found = list(
        protection_reminders(vehicle, date(2025, 4, 1), SETTINGS, 33, latest_known_miles(vehicle))
    )
    assert [(r.key, r.due_on, r.status) for r in found] == [
        ("protection:vehicle-7:product-5", date(2025, 12, 10), Status.UPCOMING),
        ("protection:vehicle-7:product-6", date(2025, 12, 1), Status.UPCOMING),
    ]
    assert {r.kind for r in found} == {Kind.PROTECTION}
    for reminder in found:
        assert_words_compose(reminder)
    on_the_day = protection_reminders(
        vehicle, date(2025, 3, 1), SETTINGS, 33, (date(2025, 1, 10), 1000)
    )
    assert [r.status for r in on_the_day][0] == Status.DUE_SOON


def test_protection_status_uses_the_warranty_notice_window():
    vehicle = car(products=[Product(4, "Tyre and wheel cover", date(2025, 12, 31), None)])
    statuses = [
        next(protection_reminders(vehicle, day, SETTINGS, 33, None)).status
        for day in (date(2025, 10, 31), date(2025, 11, 1))
    ]
    assert statuses == [Status.UPCOMING, Status.DUE_SOON]


# --- Anniversaries and birthdays ------------------------------------------------------------


@pytest.mark.parametrize(
    ("bought", "today", "expected"),
    [
        (date(2024, 5, 1), date(2025, 5, 1), (date(2025, 5, 1), Status.DUE_SOON)),  # the day
        (date(2024, 5, 1), date(2025, 5, 2), (date(2026, 5, 1), Status.UPCOMING)),
        (date(2024, 5, 1), date(2025, 4, 17), (date(2025, 5, 1), Status.DUE_SOON)),
        (date(2024, 5, 1), date(2025, 4, 16), (date(2025, 5, 1), Status.UPCOMING)),
        (date(2025, 5, 1), date(2025, 5, 1), (date(2026, 5, 1), Status.UPCOMING)),  # bought today
        (date(2020, 12, 31), date(2025, 12, 31), (date(2025, 12, 31), Status.DUE_SOON)),
        (date(2024, 2, 29), date(2025, 2, 28), (date(2025, 2, 28), Status.DUE_SOON)),
        (date(2024, 2, 29), date(2025, 3, 1), (date(2026, 2, 28), Status.UPCOMING)),
        (date(2024, 2, 29), date(2028, 2, 29), (date(2028, 2, 29), Status.DUE_SOON)),
    ],
)
def test_anniversary(bought, today, expected):
    reminder = anniversary_reminder(car(purchase_date=bought), today, SETTINGS)
    assert (reminder.due_on, reminder.status) == expected
    assert reminder.key == f"anniversary:vehicle-7:{expected[0].year}"
    assert (reminder.kind, reminder.owner_id, reminder.vehicle_id) == (Kind.ANNIVERSARY, 3, 7)
    assert_words_compose(reminder)


def test_no_anniversary_before_the_car_is_bought_or_without_a_date():
    assert (
        anniversary_reminder(car(purchase_date=date(2025, 6, 2)), date(2025, 6, 1), SETTINGS)
        is None
    )
    assert anniversary_reminder(car(purchase_date=None), date(2025, 6, 1), SETTINGS) is None


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        (date(1990, 6, 15), date(2026, 6, 15), (date(2026, 6, 15), Status.DUE_SOON)),  # the day
        (date(1990, 6, 15), date(2026, 6, 16), (date(2027, 6, 15), Status.UPCOMING)),
        (date(1990, 6, 15), date(2026, 6, 8), (date(2026, 6, 15), Status.DUE_SOON)),
        (date(1990, 6, 15), date(2026, 6, 7), (date(2026, 6, 15), Status.UPCOMING)),
        (date(1990, 1, 2), date(2025, 12, 30), (date(2026, 1, 2), Status.DUE_SOON)),
        (date(1992, 2, 29), date(2028, 2, 29), (date(2028, 2, 29), Status.DUE_SOON)),
        (date(1992, 2, 29), date(2027, 3, 1), (date(2028, 2, 29), Status.UPCOMING)),
    ],
)
def test_birthday(born, today, expected):
    reminder = birthday_reminder(OwnerFacts(3, "Sam", born, True), today, SETTINGS)
    assert (reminder.due_on, reminder.status) == expected
    assert reminder.key == f"birthday:owner-3:{expected[0].year}"
    assert (reminder.kind, reminder.owner_id, reminder.vehicle_id) == (Kind.BIRTHDAY, 3, None)
    assert_words_compose(reminder)


def test_no_birthday_reminder_without_a_birthday_or_the_opt_in():
    assert birthday_reminder(OwnerFacts(3, "Sam", None, True), date(2026, 1, 1), SETTINGS) is None
    assert (
        birthday_reminder(OwnerFacts(3, "Sam", date(1990, 1, 2), False), date(2026, 1, 1), SETTINGS)
        is None
    )


@pytest.mark.parametrize(
    ("day", "year", "expected"),
    [
        (date(1992, 2, 29), 2025, date(2025, 2, 28)),
        (date(1992, 2, 29), 2028, date(2028, 2, 29)),
        (date(1992, 3, 1), 2025, date(2025, 3, 1)),
    ],
)
def test_same_day_in_another_year(day, year, expected):
    assert same_day_in_year(day, year) == expected


def test_next_yearly_starts_no_earlier_than_the_first_year():
    assert next_yearly(date(2024, 5, 1), date(2024, 4, 1), 2025) == date(2025, 5, 1)
    assert next_yearly(date(2024, 5, 1), date(2026, 4, 1), 2025) == date(2026, 5, 1)


# --- Asking for the history, and lapsed services --------------------------------------------

SERVICED = date(2025, 1, 10)  # due by time on 10 Jul 2025; lapsed after 10 Jan 2026


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        # (asks_last_service, lapsed)
        (
            {"last_service": (SERVICED, None), "purchase_odometer": None},
            date(2025, 2, 1),
            (False, False),
        ),
        (
            {"last_service": (SERVICED, None), "purchase_odometer": None},
            date(2025, 7, 11),
            (False, False),
        ),
        # A whole interval past the due date is still a notice; the day after, a win-back.
        (
            {"last_service": (SERVICED, None), "purchase_odometer": None},
            date(2026, 1, 10),
            (False, False),
        ),
        (
            {"last_service": (SERVICED, None), "purchase_odometer": None},
            date(2026, 1, 11),
            (False, True),
        ),
        # Nothing on file: the owner is asked, however long ago the purchase, never won back.
        ({"purchase_odometer": None}, date(2025, 2, 1), (True, False)),
        ({"purchase_odometer": None}, date(2027, 6, 1), (True, False)),
    ],
)
def test_a_service_asks_for_its_history_or_is_lapsed(facts, today, expected):
    reminder = service_of(car(**facts), today)
    assert (reminder.asks_last_service, reminder.lapsed) == expected
    assert reminder.key == "service:vehicle-7:2025-01-10"
    assert_words_compose(reminder)


def test_only_a_service_reminder_asks_for_history_or_lapses():
    vehicle = car(
        warranty_end_date=date(2026, 1, 10),
        products=[Product(4, "Key cover", date(2025, 12, 1), None)],
    )
    today, rate, known = date(2025, 2, 1), 33, latest_known_miles(vehicle)
    others = [
        warranty_reminder(vehicle, today, SETTINGS, rate, known),
        *protection_reminders(vehicle, today, SETTINGS, rate, known),
        anniversary_reminder(vehicle, today, SETTINGS),
    ]
    assert [r.kind for r in others] == [Kind.WARRANTY, Kind.PROTECTION, Kind.ANNIVERSARY]
    assert [(r.asks_last_service, r.lapsed) for r in others] == [(False, False)] * 3
