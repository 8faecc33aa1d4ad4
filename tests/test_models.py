"""The shared column shapes: `UTCDateTime` reads back the aware UTC moment it stored, through
the ORM, Core and the driver path alike, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.extensions import db
from portal.models import UTCDateTime

MOMENTS = [
    datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    datetime(2025, 11, 2, 6, 30, tzinfo=timezone(timedelta(hours=-5))),  # stored as 11:30 UTC
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_moment_reads_back_as_the_same_aware_utc_moment(make_owner, moment):
    owner = make_owner(email_verified_at=moment)
    db.session.expire_all()

    loaded = db.session.get(User, owner.id).email_verified_at
    read = db.session.execute(select(User.email_verified_at).where(User.id == owner.id)).scalar()

    for value in (loaded, read):
        assert value == moment
        assert value.tzinfo is UTC
        assert value.utcoffset() == timedelta(0)


def test_none_reads_back_as_none(make_owner):
    owner = make_owner(email_verified_at=None)
    db.session.expire_all()
    assert db.session.get(User, owner.id).email_verified_at is None


def test_sqlites_own_text_of_a_moment_reads_as_utc(app, make_owner, database):
    if database != "sqlite":
        pytest.skip("SQLite keeps moments as text; PostgreSQL hands over datetimes")
    owner = make_owner()
    texts = {
        "2025-03-04 05:06:07": datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),  # SQLite's datetime()
        "2025-03-04 05:06:07.5": datetime(2025, 3, 4, 5, 6, 7, 500000, tzinfo=UTC),
        "2025-03-04T05:06:07": datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        "2025-03-04": datetime(2025, 3, 4, tzinfo=UTC),
    }
    for stored, expected in texts.items():
        db.session.execute(
            text("UPDATE users SET email_verified_at = :at WHERE id = :id"),
            {"at": stored, "id": owner.id},
        )
        value = db.session.execute(select(User.email_verified_at).where(User.id == owner.id))
        assert value.scalar() == expected, stored


def test_the_stored_form_is_naive_utc_and_naive_input_is_refused(make_owner, database):
    owner = make_owner(email_verified_at=MOMENTS[2])
    stored = db.session.execute(
        select(func.cast(User.email_verified_at, db.String)).where(User.id == owner.id)
    ).scalar()
    assert stored.replace("T", " ").startswith("2025-11-02 11:30:00")

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2025, 1, 1), None)
