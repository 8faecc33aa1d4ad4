"""Reads carried as JSON columns (`portal.json_rows`) give what the same reads give alone:
the same values of the same types, in the same order, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import JSON, Float, Numeric, bindparam, cast, literal, select

from portal import clock
from portal.accounts.models import User
from portal.charity import queries as charity
from portal.community import queries as community
from portal.db import page_rows
from portal.events import queries as events
from portal.extensions import db
from portal.feedback import queries as feedback
from portal.feedback.models import Survey
from portal.garage import queries as garage
from portal.garage.models import ServiceRecord
from portal.json_rows import JsonRows, read_together
from portal.referrals.models import Stage
from portal.rewards import queries as rewards

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
#: Text that JSON must carry unchanged: quotes, backslashes, a newline, markup, non-Latin.
AWKWARD = 'O\'Brien "Q" \\ back\nline <b>&amp; Ωμέγα 車 🚗'
#: As much of it as a car's nickname holds (40 characters).
NICKNAME = 'O\'Brien "Q" \\ <b> Ωμέγα 車 🚗'


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def alone(read: JsonRows, values: dict) -> list[tuple]:
    """The read run on its own, as plain tuples."""
    return [tuple(row) for row in page_rows(db.session, read.read, values)]


def test_every_kind_of_value_comes_back_as_its_column_reads_it(make_owner):
    make_owner(
        name=AWKWARD,
        birthday=date(1980, 2, 29),
        consent_service=True,
        email_verified_at=datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    )
    make_owner(name="Zed", birthday=None, consent_service=False, email_verified_at=None)
    make_owner(name="Abe", consent_service=True)
    read = JsonRows(
        select(
            User.id,
            User.name,
            User.birthday,
            User.consent_service,
            User.email_verified_at,
            User.deactivated_at,
        )
        .where(User.name != bindparam("not_named"))
        .order_by(User.name.desc())
    )
    values = {"not_named": "nobody"}

    [rows] = read_together(db.session, [(read, values)])

    assert rows == alone(read, values)
    assert [row[1] for row in rows] == ["Zed", AWKWARD, "Abe"]  # the read's order, kept
    awkward = rows[1]
    assert awkward[2] == date(1980, 2, 29)
    assert awkward[3] is True and rows[0][3] is False
    assert awkward[4] == datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert awkward[4].tzinfo is UTC and awkward[5] is None
    assert awkward.name == AWKWARD and awkward.birthday == date(1980, 2, 29)  # named, as rows are


def test_a_limited_read_keeps_its_order_and_an_empty_read_is_no_rows(make_owner):
    for name in ("b", "d", "a", "c", "e"):
        make_owner(name=name)
    newest_two = JsonRows(select(User.name).order_by(User.name.desc()).limit(bindparam("n")))
    nobody = JsonRows(select(User.id).where(User.name == "no such person"))

    two, none = read_together(db.session, [(newest_two, {"n": 2}), (nobody, {})])

    assert two == [("e",), ("d",)] == alone(newest_two, {"n": 2})
    assert none == []


def test_reads_that_bind_one_name_to_two_values_are_refused(make_owner):
    make_owner(name="Ann")
    read = JsonRows(select(User.name).where(User.name == bindparam("name")))

    with pytest.raises(ValueError, match="'name'"):
        read_together(db.session, [(read, {"name": "Ann"}), (read, {"name": "Bob"})])
    assert read_together(db.session, [(read, {"name": "Ann"}), (read, {"name": "Ann"})]) == [
        [("Ann",)],
        [("Ann",)],
    ]


@pytest.mark.parametrize("kind", [Float(), Numeric(10, 2), JSON()])
def test_columns_json_would_change_are_refused_when_the_read_is_built(kind):
    with pytest.raises(TypeError, match="does not come back from JSON"):
        JsonRows(select(cast(literal("1"), kind)))


def test_the_home_pages_reads_give_what_they_give_alone(
    make_owner, make_vehicle, add_reading, add_service, make_event, rsvp_as, give_points,
    make_referral,
):  # fmt: skip
    owner = make_owner(name="Sam Okafor")
    first = make_vehicle(owner, nickname=NICKNAME, purchase_date=date(2024, 1, 5))
    add_reading(first, date(2025, 2, 1), 12_345)
    add_service(first, date(2025, 5, 1), miles=13_000)
    second = make_vehicle(owner, nickname=None, make="Mazda", model="MX-5", year=2021)
    make_vehicle(owner, nickname="Sold", retired_at=NOW - timedelta(days=3))
    full = make_event(title="Full clinic", days=3, capacity=1)
    rsvp_as(make_owner(), full)
    rsvp_as(owner, full)  # waitlisted
    rsvp_as(owner, make_event(title=f"Launch {AWKWARD}", days=5, location=AWKWARD))
    rsvp_as(owner, make_event(title="Later meet", days=40))
    rsvp_as(owner, make_event(title="Too far to show", days=50))
    give_points(owner, 1_250)
    give_points(owner, -250)
    make_referral(owner, stage=Stage.PURCHASED)
    make_referral(owner, stage=Stage.CONTACTED)
    for days_ago, work in ((2, f"Brakes {AWKWARD}"), (9, "Oil"), (20, "Tyres"), (25, "Wipers")):
        visit = ServiceRecord(
            vehicle_id=second.id,
            performed_on=(NOW - timedelta(days=days_ago)).date(),
            work_done=work,
            at_dealership=True,
        )
        db.session.add(visit)
        db.session.flush()
        db.session.add(
            Survey(
                service_record_id=visit.id,
                owner_id=owner.id,
                token_hash=f"{days_ago:064d}",
                asked_at=NOW - timedelta(days=days_ago),
            )
        )
    db.session.commit()
    reads = [
        garage.home_cars_read(owner.id),
        events.next_events_read(owner.id, NOW),
        rewards.owner_standing_read(owner.id),
        feedback.waiting_surveys_read(owner.id, NOW),
    ]

    together = read_together(db.session, reads)

    assert together == [alone(read, values) for read, values in reads]
    cars, next_events, standing, surveys = together
    assert [car[1] for car in cars] == [NICKNAME, None]
    assert [event[1] for event in next_events] == ["waitlisted", "confirmed", "confirmed"]
    assert next_events[0][5].tzinfo is UTC
    assert standing == [(1_000, 1)]
    assert [survey[5] for survey in surveys] == [f"Brakes {AWKWARD}", "Oil", "Tyres"]


def test_the_community_pages_reads_give_what_they_give_alone(
    make_owner, make_vehicle, make_event, rsvp_as, make_drive, pledge, make_announcement
):
    owner = make_owner(name="Sam Okafor")
    make_vehicle(owner, make="Mazda", model="MX-5")
    make_announcement(f"Pinned {AWKWARD}", pinned=True, body=f"Body {AWKWARD}")
    make_announcement("For Mazdas", audience="make", make="mazda")
    make_announcement("For Fords", audience="make", make="Ford")
    make_announcement("For owners", audience="owners", published_at=NOW - timedelta(days=2))
    rsvp_as(owner, make_event(title=f"Clinic {AWKWARD}", days=6))
    make_event(title="Mazda meet", days=9, target_make="Mazda")
    make_event(title="Soon", days=1)
    make_event(title="Drafted", days=2, status="draft")
    drive = make_drive(name=f"Coats {AWKWARD}")
    make_drive(name="Quiet drive", ends_on=(NOW + timedelta(days=3)).date())
    pledge(drive, owner, 25_00)
    for number, level in enumerate((1, 3, 2, 2)):
        make_owner(name=f"Wall {number} {AWKWARD}", tier_level=level, consent_recognition=True)
    events_read = events.upcoming_events_read(owner, NOW, None, limit=4)
    reads = [
        community.announcements_read(owner, 1, per_page=3),
        events_read,
        charity.drive_cards_read(),
        rewards.wall_top_read(3),
    ]

    together = read_together(db.session, reads)

    assert together == [alone(read, values) for read, values in reads]
    announcements, has_next = community.announcements_from(together[0], per_page=3)
    assert [shown.title for shown in announcements] == [
        f"Pinned {AWKWARD}",
        "For Mazdas",
        "For owners",
    ]
    assert has_next is False
    assert "Body O&#39;Brien" in announcements[0].body  # the stored HTML, escaped
    listed = events.upcoming_events_from(together[1], events_read[1])
    assert [(row.title, row.for_my_car) for row in listed] == [
        ("Mazda meet", True),
        ("Soon", False),
        (f"Clinic {AWKWARD}", False),
    ]
    assert listed[2].rsvp_status == "confirmed" and listed[2].starts_at.tzinfo is UTC
    cards = charity.drive_cards_from(together[2], NOW.date())
    assert [card.name for card in cards] == ["Quiet drive", f"Coats {AWKWARD}"]
    assert cards[1].committed == 25_00
    assert [level for _, level in rewards.wall_top_from(together[3])] == [3, 2, 2]
