"""Every reminder's "why now", word for word, before its day, on it and after it, with and
without known miles: one table, so a change of wording is a visible change of this file."""

from datetime import date

import pytest

from portal.reminders.campaigns import vehicle_reminders
from portal.reminders.facts import (
    Advice,
    OwnerFacts,
    Product,
    RecallRule,
    SeasonalRule,
    VehicleFacts,
)
from portal.reminders.rules import Kind, Settings, Status, birthday_reminder
from tests.reminders.cars import car

SETTINGS = Settings()
#: Bought 10 Jan 2024; no odometer figure, no readings.
NO_MILES: dict = {}
#: Bought at 1,000 miles, read at 30,000 on 14 Jun 2026: about 33 miles a day, measured.
MILES = {
    "purchase_odometer": 1000,
    "first_reading": (date(2024, 1, 10), 1000),
    "last_reading": (date(2026, 6, 14), 30000),
}
CARS = {
    ("service by time", "no miles"): {"last_service": (date(2026, 6, 14), None)},
    ("service by miles", "miles"): {**MILES, "last_service": (date(2026, 6, 14), 30000)},
    ("service long overdue", "no miles"): {"last_service": (date(2026, 6, 14), None)},
    ("service long overdue", "miles"): {**MILES, "last_service": (date(2026, 6, 14), 30000)},
    ("no service on file", "no miles"): {"purchase_date": date(2026, 6, 14)},
    ("no service on file", "miles"): {"purchase_date": date(2026, 6, 14), "purchase_odometer": 12},
    ("warranty by date", "no miles"): {"warranty_end_date": date(2027, 1, 10)},
    ("warranty by miles", "miles"): {
        **MILES,
        "warranty_end_date": date(2030, 1, 10),
        "warranty_miles": 36000,
    },
    ("protection by date", "no miles"): {
        "products": [Product(4, "Tyre and wheel cover", date(2027, 1, 10), None)]
    },
    ("protection by miles", "miles"): {
        **MILES,
        "products": [Product(4, "Tyre and wheel cover", None, 36000)],
    },
    ("advised by date", "no miles"): {
        "advice": [Advice(7, "Rear tyres", date(2026, 12, 14), None, date(2026, 6, 14))]
    },
    ("advised by miles", "miles"): {
        **MILES,
        "advice": [Advice(7, "Timing belt", None, 36000, date(2026, 6, 14))],
    },
    **{(name, "no miles"): NO_MILES for name in ("anniversary", "seasonal", "recall")},
    **{(name, "miles"): MILES for name in ("anniversary", "seasonal", "recall")},
}
KINDS = {
    "service": Kind.SERVICE,
    "no service": Kind.SERVICE,
    "warranty": Kind.WARRANTY,
    "protection": Kind.PROTECTION,
    "anniversary": Kind.ANNIVERSARY,
    "seasonal": Kind.SEASONAL,
    "recall": Kind.RECALL,
    "advised": Kind.ADVISED,
}
WINTER = SeasonalRule(1, "Winter tyres", "", (10, 15), (11, 30))
RECALL = RecallRule(
    1, "24V-318", "Seat belt buckle", "", "Honda", "Civic", 2020, 2023, date(2026, 11, 1)
)

# (case, miles, when, day, why now; None when there is no reminder that day)
WORDS = [
    (
        "service by time",
        "no miles",
        "future",
        "2026-11-01",
        (
            "Six months since its last service on Sun 14 Jun 2026 — due Mon 14 Dec 2026 (in "
            "43 days)."
        ),
    ),
    (
        "service by time",
        "no miles",
        "today",
        "2026-12-14",
        "Six months since its last service on Sun 14 Jun 2026 — due today.",
    ),
    (
        "service by time",
        "no miles",
        "past",
        "2027-01-20",
        (
            "Six months since its last service on Sun 14 Jun 2026 — it was due on Mon 14 Dec "
            "2026 (37 days ago)."
        ),
    ),
    (
        "service by miles",
        "miles",
        "future",
        "2026-11-01",
        (
            "5,000 miles since its last service on Sun 14 Jun 2026 (at 30,000 miles) — at "
            "the 33 miles a day its readings show, due around Sat 14 Nov 2026 (in 13 days)."
        ),
    ),
    (
        "service by miles",
        "miles",
        "today",
        "2026-11-14",
        (
            "5,000 miles since its last service on Sun 14 Jun 2026 (at 30,000 miles) — at "
            "the 33 miles a day its readings show, due about now, by our estimate."
        ),
    ),
    (
        "service by miles",
        "miles",
        "past",
        "2026-12-01",
        (
            "5,000 miles since its last service on Sun 14 Jun 2026 (at 30,000 miles) — at "
            "the 33 miles a day its readings show, it was due around Sat 14 Nov 2026 (17 "
            "days ago)."
        ),
    ),
    (
        "service long overdue",
        "no miles",
        "past",
        "2027-09-01",
        (
            "Its last service on file was on Sun 14 Jun 2026, about 15 months ago; six "
            "months on, it was due on Mon 14 Dec 2026 (about 9 months ago)."
        ),
    ),
    (
        "service long overdue",
        "miles",
        "past",
        "2027-09-01",
        (
            "Its last service on file was on Sun 14 Jun 2026, about 15 months ago; six "
            "months on, it was due on Sat 14 Nov 2026 (about 10 months ago)."
        ),
    ),
    (
        "no service on file",
        "no miles",
        "future",
        "2026-11-01",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026. Its first "
            "service would be due around Mon 14 Dec 2026 (in 43 days), six months on; if it "
            "has had one already, tell us when."
        ),
    ),
    (
        "no service on file",
        "no miles",
        "today",
        "2026-12-14",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026 (about 6 "
            "months ago). If it hasn't had one since, it's due about now, six months on; if "
            "it has, tell us when and we'll time the next reminder from there."
        ),
    ),
    (
        "no service on file",
        "no miles",
        "past",
        "2027-01-20",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026 (about 7 "
            "months ago). If it hasn't had one since, it was due around Mon 14 Dec 2026 (37 "
            "days ago), six months on; if it has, tell us when and we'll time the next "
            "reminder from there."
        ),
    ),
    (
        "no service on file",
        "miles",
        "future",
        "2026-11-01",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026. Its first "
            "service would be due around Fri 13 Nov 2026 (in 12 days), going by its miles; "
            "if it has had one already, tell us when."
        ),
    ),
    (
        "no service on file",
        "miles",
        "today",
        "2026-11-13",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026 (about 5 "
            "months ago). If it hasn't had one since, it's due about now, going by its "
            "miles; if it has, tell us when and we'll time the next reminder from there."
        ),
    ),
    (
        "no service on file",
        "miles",
        "past",
        "2027-01-20",
        (
            "We have no service on file since you bought it on Sun 14 Jun 2026 (about 7 "
            "months ago). If it hasn't had one since, it was due around Fri 13 Nov 2026 "
            "(about 2 months ago), going by its miles; if it has, tell us when and we'll "
            "time the next reminder from there."
        ),
    ),
    (
        "warranty by date",
        "no miles",
        "future",
        "2026-12-01",
        "Its factory warranty ends on Sun 10 Jan 2027 (in 40 days).",
    ),
    (
        "warranty by date",
        "no miles",
        "today",
        "2027-01-10",
        "Its factory warranty ends today.",
    ),
    (
        "warranty by date",
        "no miles",
        "past",
        "2027-01-11",
        None,
    ),
    (
        "warranty by miles",
        "miles",
        "future",
        "2026-06-14",
        (
            "At the 33 miles a day its readings show, it should reach the 36,000-mile limit "
            "of its factory warranty around Tue 15 Dec 2026 (in about 6 months)."
        ),
    ),
    (
        "warranty by miles",
        "miles",
        "today",
        "2026-12-15",
        (
            "At the 33 miles a day its readings show, it should reach the 36,000-mile limit "
            "of its factory warranty today."
        ),
    ),
    (
        "warranty by miles",
        "miles",
        "past",
        "2026-12-16",
        None,
    ),
    (
        "protection by date",
        "no miles",
        "future",
        "2026-12-01",
        "Your Tyre and wheel cover ends on Sun 10 Jan 2027 (in 40 days).",
    ),
    (
        "protection by date",
        "no miles",
        "today",
        "2027-01-10",
        "Your Tyre and wheel cover ends today.",
    ),
    (
        "protection by date",
        "no miles",
        "past",
        "2027-01-11",
        None,
    ),
    (
        "protection by miles",
        "miles",
        "future",
        "2026-06-14",
        (
            "At the 33 miles a day its readings show, it should reach the 36,000-mile limit "
            "of your Tyre and wheel cover around Tue 15 Dec 2026 (in about 6 months)."
        ),
    ),
    (
        "protection by miles",
        "miles",
        "today",
        "2026-12-15",
        (
            "At the 33 miles a day its readings show, it should reach the 36,000-mile limit "
            "of your Tyre and wheel cover today."
        ),
    ),
    (
        "protection by miles",
        "miles",
        "past",
        "2026-12-16",
        None,
    ),
    (
        "anniversary",
        "no miles",
        "future",
        "2026-12-01",
        "On Sun 10 Jan 2027 (in 40 days) it will be three years since you drove it home.",
    ),
    (
        "anniversary",
        "no miles",
        "today",
        "2027-01-10",
        "Today it's three years since you drove it home on Wed 10 Jan 2024.",
    ),
    (
        "anniversary",
        "no miles",
        "past",
        "2027-01-11",
        ("On Mon 10 Jan 2028 (in about a year) it will be four years since you drove it home."),
    ),
    (
        "seasonal",
        "no miles",
        "future",
        "2026-10-01",
        None,
    ),
    (
        "seasonal",
        "no miles",
        "today",
        "2026-11-01",
        "It's the season: our winter tyres offer runs until Mon 30 Nov 2026 (in 29 days).",
    ),
    (
        "seasonal",
        "no miles",
        "last day",
        "2026-11-30",
        "It's the season: our winter tyres offer ends today.",
    ),
    (
        "seasonal",
        "no miles",
        "past",
        "2026-12-01",
        None,
    ),
    (
        "recall",
        "no miles",
        "future",
        "2026-10-31",
        None,
    ),
    (
        "recall",
        "no miles",
        "today",
        "2026-11-01",
        (
            "The manufacturer issued this recall today for 2020–2023 Honda Civic cars, and "
            "yours is one."
        ),
    ),
    (
        "recall",
        "no miles",
        "past",
        "2026-11-30",
        (
            "The manufacturer issued this recall on Sun 1 Nov 2026 (29 days ago) for "
            "2020–2023 Honda Civic cars, and yours is one."
        ),
    ),
    (
        "anniversary",
        "miles",
        "future",
        "2026-12-01",
        "On Sun 10 Jan 2027 (in 40 days) it will be three years since you drove it home.",
    ),
    (
        "anniversary",
        "miles",
        "today",
        "2027-01-10",
        "Today it's three years since you drove it home on Wed 10 Jan 2024.",
    ),
    (
        "anniversary",
        "miles",
        "past",
        "2027-01-11",
        ("On Mon 10 Jan 2028 (in about a year) it will be four years since you drove it home."),
    ),
    (
        "seasonal",
        "miles",
        "future",
        "2026-10-01",
        None,
    ),
    (
        "seasonal",
        "miles",
        "today",
        "2026-11-01",
        "It's the season: our winter tyres offer runs until Mon 30 Nov 2026 (in 29 days).",
    ),
    (
        "seasonal",
        "miles",
        "last day",
        "2026-11-30",
        "It's the season: our winter tyres offer ends today.",
    ),
    (
        "seasonal",
        "miles",
        "past",
        "2026-12-01",
        None,
    ),
    (
        "recall",
        "miles",
        "future",
        "2026-10-31",
        None,
    ),
    (
        "recall",
        "miles",
        "today",
        "2026-11-01",
        (
            "The manufacturer issued this recall today for 2020–2023 Honda Civic cars, and "
            "yours is one."
        ),
    ),
    (
        "recall",
        "miles",
        "past",
        "2026-11-30",
        (
            "The manufacturer issued this recall on Sun 1 Nov 2026 (29 days ago) for "
            "2020–2023 Honda Civic cars, and yours is one."
        ),
    ),
    (
        "advised by date",
        "no miles",
        "future",
        "2026-11-01",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " for later: due Mon 14 Dec 2026 (in 43 days)."
        ),
    ),
    (
        "advised by date",
        "no miles",
        "today",
        "2026-12-14",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " for later: due today."
        ),
    ),
    (
        "advised by date",
        "no miles",
        "past",
        "2026-12-30",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " for later: it was due on Mon 14 Dec 2026 (16 days ago)."
        ),
    ),
    (
        "advised by miles",
        "miles",
        "future",
        "2026-11-01",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " at about 36,000 miles: due around Tue 15 Dec 2026 (in 44 days)."
        ),
    ),
    (
        "advised by miles",
        "miles",
        "today",
        "2026-12-15",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " at about 36,000 miles: due about now, by our estimate."
        ),
    ),
    (
        "advised by miles",
        "miles",
        "past",
        "2026-12-30",
        (
            "When we saw your car on Sun 14 Jun 2026, our technician suggested this"
            " at about 36,000 miles: it was due around Tue 15 Dec 2026 (15 days ago)."
        ),
    ),
]


def words_car(case: str, miles: str) -> VehicleFacts:
    """The shared test car as a "Blue Civic" bought 10 Jan 2024, miles unknown, then the case."""
    base = {"label": "Blue Civic", "purchase_date": date(2024, 1, 10), "purchase_odometer": None}
    return car(**(base | CARS[(case, miles)]))


@pytest.mark.parametrize(("case", "miles", "when", "day", "expected"), WORDS)
def test_why_now_reads_true_on_every_side_of_the_day(case, miles, when, day, expected):
    kind = KINDS[case.split(" by ")[0].replace(" long overdue", "").replace(" on file", "")]
    today = date.fromisoformat(day)
    found = [
        r
        for r in vehicle_reminders(words_car(case, miles), today, SETTINGS, [WINTER], [RECALL])
        if r.kind == kind
    ]
    if expected is None:
        assert found == []
        return
    [reminder] = found
    assert reminder.why_now == expected
    if when == "future":
        assert "ago" not in expected and "was due" not in expected
    if when == "past" and reminder.kind == Kind.SERVICE:
        assert "ago" in expected


def test_the_table_covers_every_kind_past_present_and_future_with_and_without_miles():
    kinds = {
        KINDS[case.split(" by ")[0].replace(" long overdue", "").replace(" on file", "")]
        for case, *_ in WORDS
    }
    assert kinds | {Kind.BIRTHDAY} == set(Kind)
    for kind in (
        "service",
        "warranty",
        "protection",
        "anniversary",
        "seasonal",
        "recall",
        "advised",
    ):
        rows = [row for row in WORDS if row[0].startswith(kind)]
        assert {when for _, _, when, *_ in rows} >= {"future", "today", "past"}, kind
        assert {miles for _, miles, *_ in rows} == {"miles", "no miles"}, kind


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-10", "Your birthday is in 4 days, on Mon 14 Dec 2026."),
        ("2026-12-14", "It's your birthday today, Mon 14 Dec 2026. Happy birthday!"),
        # The day after, the next one is a year away: nothing is said in the past tense.
        ("2026-12-15", "Your birthday is in about a year, on Tue 14 Dec 2027."),
    ],
)
def test_birthday_words_before_on_and_after_the_day(day, expected):
    owner = OwnerFacts(3, "Sam", date(1980, 12, 14), True)
    assert birthday_reminder(owner, date.fromisoformat(day), SETTINGS).why_now == expected


def test_headlines_ask_rather_than_alarm_and_win_back_a_long_overdue_car():
    def service(case, miles, day):
        today = date.fromisoformat(day)
        [found] = [
            r
            for r in vehicle_reminders(words_car(case, miles), today, SETTINGS)
            if r.kind == Kind.SERVICE
        ]
        return found

    unknown = service("no service on file", "no miles", "2027-01-20")
    assert (unknown.what, unknown.status, unknown.asks_last_service) == (
        "When was its last service?",
        Status.OVERDUE,
        True,
    )
    overdue = service("service by time", "no miles", "2027-01-20")
    assert (overdue.what, overdue.lapsed, overdue.asks_last_service) == (
        "Service overdue",
        False,
        False,
    )
    # Overdue by more than a whole interval (six months): a gentle win-back.
    lapsed = service("service long overdue", "no miles", "2027-09-01")
    assert (lapsed.what, lapsed.status, lapsed.lapsed) == (
        "A while since its last service",
        Status.OVERDUE,
        True,
    )
    assert service("service by time", "no miles", "2027-06-14").lapsed is False
    assert service("service by time", "no miles", "2027-06-15").lapsed is True
