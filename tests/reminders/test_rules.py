"""The reminder rules on hand-made cases (pure functions, no database)."""

from datetime import date, timedelta

from portal.reminders.campaigns import vehicle_reminders
from portal.reminders.facts import OwnerFacts, Product, RecallRule, SeasonalRule
from portal.reminders.rules import Settings, Status, birthday_reminder, driving_rate
from tests.reminders.cars import car

SETTINGS = Settings()


def by_kind(reminders, kind):
    found = [r for r in reminders if r.kind == kind]
    return found[0] if len(found) == 1 else found or None


def test_no_readings_uses_the_default_rate_so_miles_come_first():
    vehicle = car()
    assert driving_rate(vehicle, 33) == 33
    service = by_kind(vehicle_reminders(vehicle, date(2025, 2, 1), SETTINGS), "service")
    # 5,000 miles at 33 a day is 152 days, before the six months are up.
    assert service.due_on == date(2025, 1, 10) + timedelta(days=152)
    assert service.key == "service:vehicle-7:2025-01-10"
    assert service.status == Status.UPCOMING


def test_odometer_faster_than_default_brings_the_service_forward():
    vehicle = car(first_reading=(date(2025, 1, 10), 1000), last_reading=(date(2025, 3, 11), 7000))
    assert driving_rate(vehicle, 33) == 100
    service = by_kind(vehicle_reminders(vehicle, date(2025, 3, 11), SETTINGS), "service")
    # 6,000 miles was passed ten days before the 7,000-mile reading.
    assert service.due_on == date(2025, 3, 1)
    assert service.status == Status.OVERDUE
    assert "miles" in service.why_now


def test_a_slow_driver_is_due_by_time():
    vehicle = car(first_reading=(date(2025, 1, 10), 1000), last_reading=(date(2025, 5, 10), 1600))
    service = by_kind(vehicle_reminders(vehicle, date(2025, 6, 20), SETTINGS), "service")
    assert service.due_on == date(2025, 7, 10)
    assert service.status == Status.DUE_SOON
    assert "six months on" in service.why_now


def test_readings_spanning_under_thirty_days_fall_back_to_the_default():
    vehicle = car(first_reading=(date(2025, 1, 10), 1000), last_reading=(date(2025, 1, 30), 3000))
    assert driving_rate(vehicle, 33) == 33


def test_service_counts_from_the_latest_service_record():
    vehicle = car(
        last_service=(date(2025, 6, 1), 3000),
        first_reading=(date(2025, 1, 10), 1000),
        last_reading=(date(2025, 6, 1), 3000),
    )
    service = by_kind(vehicle_reminders(vehicle, date(2025, 6, 2), SETTINGS), "service")
    assert service.key == "service:vehicle-7:2025-06-01"
    assert service.due_on == date(2025, 12, 1)  # ~14 miles a day, so time comes first


def test_service_status_boundaries():
    vehicle = car(purchase_odometer=None)  # time only: due 10 Jul 2025
    due = date(2025, 7, 10)
    statuses = {
        offset: by_kind(
            vehicle_reminders(vehicle, due - timedelta(days=offset), SETTINGS), "service"
        ).status
        for offset in (31, 30, 0, -1)
    }
    assert statuses == {
        31: Status.UPCOMING,
        30: Status.DUE_SOON,
        0: Status.DUE_SOON,
        -1: Status.OVERDUE,
    }


def test_due_dates_are_calendar_dates_across_a_dst_switch():
    # Due 8 Mar 2026, the day US clocks go forward: 30 calendar days before is still due soon,
    # although only 29 days and 23 hours pass on a wall clock.
    vehicle = car(purchase_date=date(2025, 9, 8), purchase_odometer=None)
    service = by_kind(vehicle_reminders(vehicle, date(2026, 2, 6), SETTINGS), "service")
    assert service.due_on == date(2026, 3, 8)
    assert service.status == Status.DUE_SOON
    after_switch = by_kind(vehicle_reminders(vehicle, date(2026, 3, 9), SETTINGS), "service")
    assert after_switch.status == Status.OVERDUE


def test_warranty_by_date_and_by_miles_and_nothing_after_it_ends():
    by_date = car(warranty_end_date=date(2026, 1, 10))
    assert by_kind(vehicle_reminders(by_date, date(2025, 11, 1), SETTINGS), "warranty").status == (
        Status.UPCOMING
    )
    reminder = by_kind(vehicle_reminders(by_date, date(2025, 11, 20), SETTINGS), "warranty")
    assert (reminder.status, reminder.due_on) == (Status.DUE_SOON, date(2026, 1, 10))
    assert by_kind(vehicle_reminders(by_date, date(2026, 1, 11), SETTINGS), "warranty") is None

    by_miles = car(warranty_end_date=date(2028, 1, 10), warranty_miles=12000)
    reminder = by_kind(vehicle_reminders(by_miles, date(2025, 12, 1), SETTINGS), "warranty")
    # 11,000 miles at 33 a day: 334 days after purchase.
    assert reminder.due_on == date(2025, 1, 10) + timedelta(days=334)
    assert "12,000-mile" in reminder.why_now


def test_protection_products_end_like_the_warranty():
    vehicle = car(products=[Product(4, "Tyre and wheel cover", date(2025, 12, 31), None)])
    reminder = by_kind(vehicle_reminders(vehicle, date(2025, 11, 15), SETTINGS), "protection")
    assert reminder.key == "protection:vehicle-7:product-4"
    assert reminder.status == Status.DUE_SOON
    assert by_kind(vehicle_reminders(vehicle, date(2026, 1, 1), SETTINGS), "protection") is None


def test_leap_day_anniversary_falls_on_28_february_in_other_years():
    vehicle = car(purchase_date=date(2024, 2, 29))
    reminder = by_kind(vehicle_reminders(vehicle, date(2025, 2, 20), SETTINGS), "anniversary")
    assert (reminder.due_on, reminder.status) == (date(2025, 2, 28), Status.DUE_SOON)
    assert reminder.key == "anniversary:vehicle-7:2025"
    assert reminder.what == "1 year together"
    leap = by_kind(vehicle_reminders(vehicle, date(2028, 2, 20), SETTINGS), "anniversary")
    assert leap.due_on == date(2028, 2, 29)
    # On 1 March 2025 the next one is a year away.
    later = by_kind(vehicle_reminders(vehicle, date(2025, 3, 1), SETTINGS), "anniversary")
    assert (later.due_on, later.status) == (date(2026, 2, 28), Status.UPCOMING)


def test_first_anniversary_needs_a_full_year():
    vehicle = car(purchase_date=date(2025, 5, 1))
    reminder = by_kind(vehicle_reminders(vehicle, date(2025, 5, 2), SETTINGS), "anniversary")
    assert reminder.due_on == date(2026, 5, 1)


def test_birthday_only_with_the_opt_in_and_within_seven_days():
    owner = OwnerFacts(3, "Sam", date(1992, 2, 29), True)
    reminder = birthday_reminder(owner, date(2026, 2, 21), SETTINGS)
    assert (reminder.due_on, reminder.status) == (date(2026, 2, 28), Status.DUE_SOON)
    assert reminder.vehicle_id is None and reminder.key == "birthday:owner-3:2026"
    assert birthday_reminder(owner, date(2026, 2, 20), SETTINGS).status == Status.UPCOMING
    assert (
        birthday_reminder(
            OwnerFacts(3, "Sam", date(1990, 2, 28), False), date(2026, 2, 21), SETTINGS
        )
        is None
    )


WINTER = SeasonalRule(1, "Winter tyres", "Fit them.", (10, 15), (11, 30))


def test_seasonal_campaign_is_due_soon_only_inside_its_window():
    vehicle = car()
    assert (
        by_kind(vehicle_reminders(vehicle, date(2025, 10, 14), SETTINGS, [WINTER]), "seasonal")
        is None
    )
    for today in (date(2025, 10, 15), date(2025, 11, 30)):
        reminder = by_kind(vehicle_reminders(vehicle, today, SETTINGS, [WINTER]), "seasonal")
        assert (reminder.status, reminder.due_on) == (Status.DUE_SOON, date(2025, 11, 30))
        assert reminder.key == "seasonal:campaign-1:vehicle-7:2025"
    assert (
        by_kind(vehicle_reminders(vehicle, date(2025, 12, 1), SETTINGS, [WINTER]), "seasonal")
        is None
    )


def test_seasonal_window_across_new_year_and_make_filter():
    snow = SeasonalRule(2, "Snow chains", "", (12, 1), (2, 29), make="HONDA")
    reminder = by_kind(vehicle_reminders(car(), date(2026, 1, 10), SETTINGS, [snow]), "seasonal")
    assert reminder.due_on == date(2026, 2, 28)
    assert reminder.key == "seasonal:campaign-2:vehicle-7:2025"
    assert (
        by_kind(
            vehicle_reminders(car(make="Mazda"), date(2026, 1, 10), SETTINGS, [snow]), "seasonal"
        )
        is None
    )


RECALL = RecallRule(
    1, "24v-318", "Seat belt buckle", "", "honda", "CIVIC", 2021, 2023, date(2025, 3, 1)
)


def test_recall_matches_any_case_in_the_year_range_until_closed():
    reminders = vehicle_reminders(car(), date(2025, 4, 1), SETTINGS, recalls=[RECALL])
    recall = by_kind(reminders, "recall")
    assert (recall.status, recall.key) == (Status.OVERDUE, "recall:24V-318:vehicle-7")
    assert (
        by_kind(
            vehicle_reminders(car(year=2020), date(2025, 4, 1), SETTINGS, recalls=[RECALL]),
            "recall",
        )
        is None
    )
    closed = car(closed_recalls=frozenset({"24V-318"}))
    assert (
        by_kind(vehicle_reminders(closed, date(2025, 4, 1), SETTINGS, recalls=[RECALL]), "recall")
        is None
    )
    assert (
        by_kind(vehicle_reminders(car(), date(2025, 2, 1), SETTINGS, recalls=[RECALL]), "recall")
        is None
    )


def test_a_car_sold_mid_cycle_gets_nothing_after_retirement():
    vehicle = car(retired_on=date(2025, 5, 1), warranty_end_date=date(2025, 6, 1))
    before = vehicle_reminders(vehicle, date(2025, 4, 30), SETTINGS, [WINTER], [RECALL])
    assert {r.kind for r in before} >= {"service", "warranty", "anniversary", "recall"}
    assert vehicle_reminders(vehicle, date(2025, 5, 1), SETTINGS, [WINTER], [RECALL]) == []
    assert vehicle_reminders(vehicle, date(2025, 11, 1), SETTINGS, [WINTER], [RECALL]) == []
