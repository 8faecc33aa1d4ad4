"""Capacity holds whatever owners do: generated sequences of RSVPs, guest changes, cancels.

Each example plays a sequence on a fresh event against a plain model of the rules (seat if
the party fits, else the waitlist; freed seats go to the first waiting parties that fit) and
checks after every step: confirmed seats equal the event's count and never pass capacity,
nobody waits for a seat that is free, and every row is where the model says.
"""

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal import clock
from portal.errors import ServiceError
from portal.events import queries
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.services import rsvps
from portal.extensions import db
from tests import factories
from tests.factories import TZ

OWNERS = 3
MAX_GUESTS = 2

steps = st.lists(
    st.one_of(
        st.tuples(st.just("rsvp"), st.integers(0, OWNERS - 1), st.integers(0, MAX_GUESTS)),
        st.tuples(st.just("guests"), st.integers(0, OWNERS - 1), st.integers(0, MAX_GUESTS)),
        st.tuples(st.just("cancel"), st.integers(0, OWNERS - 1)),
        st.tuples(st.just("promote")),
    ),
    min_size=1,
    max_size=16,
)


class Model:
    """What the rules promise, without a database."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.rows: dict[int, dict] = {}  # owner -> {"status", "guests", "since"}

    @property
    def taken(self) -> int:
        return sum(1 + r["guests"] for r in self.rows.values() if r["status"] == "confirmed")

    def waitlist(self) -> list[int]:
        waiting = [o for o, r in self.rows.items() if r["status"] == "waitlisted"]
        return sorted(waiting, key=lambda o: self.rows[o]["since"])

    def promote(self) -> list[int]:
        promoted = []
        while True:
            free = self.capacity - self.taken
            fits = [o for o in self.waitlist() if 1 + self.rows[o]["guests"] <= free]
            if not fits:
                return promoted
            self.rows[fits[0]]["status"] = "confirmed"
            promoted.append(fits[0])

    def rsvp(self, owner: int, guests: int, step: int) -> None:
        row = self.rows.get(owner)
        if row and row["status"] != "cancelled":
            return
        fits = self.taken + 1 + guests <= self.capacity
        status = "confirmed" if fits else "waitlisted"
        self.rows[owner] = {"status": status, "guests": guests, "since": step}

    def change(self, owner: int, guests: int) -> bool:
        """False when the change is refused."""
        row = self.rows.get(owner)
        if row is None or row["status"] not in ("confirmed", "waitlisted"):
            return False
        extra = guests - row["guests"]
        if row["status"] == "confirmed" and extra > 0 and self.taken + extra > self.capacity:
            return False
        row["guests"] = guests
        if extra < 0:
            self.promote()
        return True

    def cancel(self, owner: int) -> None:
        row = self.rows.get(owner)
        if row is None or row["status"] == "cancelled":
            return
        held = row["status"] == "confirmed"
        row["status"] = "cancelled"
        if held:
            self.promote()


def _check(event: Event, owners, model: Model) -> None:
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    rows = {r.user_id: r for r in db.session.scalars(select(Rsvp).where(Rsvp.event_id == event.id))}
    confirmed = sum(1 + r.guests for r in rows.values() if r.status == RsvpStatus.CONFIRMED)
    assert event.seats_taken == confirmed == model.taken <= event.capacity
    free = event.capacity - event.seats_taken
    waiting = [r for r in rows.values() if r.status == RsvpStatus.WAITLISTED]
    assert all(1 + r.guests > free for r in waiting), "someone waits for a free seat"
    for index, owner in enumerate(owners):
        expected = model.rows.get(index)
        if expected is None:
            assert owner.id not in rows
        else:
            row = rows[owner.id]
            assert (row.status, row.guests) == (expected["status"], expected["guests"])
    positions = queries.waitlist_positions(db.session, [r.id for r in waiting])
    in_order = sorted(waiting, key=lambda r: positions[r.id])
    assert [r.user_id for r in in_order] == [owners[o].id for o in model.waitlist()]


# A quarter of the profile's examples: each one plays a whole sequence on the database.
@settings(
    max_examples=settings().max_examples // 4,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(capacity=st.integers(1, 3), sequence=steps)
# Always played as well: a waiting party with a guest promoted by a cancellation, and by a
# guest change followed by a cancellation.
@example(capacity=2, sequence=[("rsvp", 0, 0), ("rsvp", 1, 1), ("cancel", 0)])
@example(capacity=2, sequence=[("rsvp", 0, 1), ("rsvp", 1, 1), ("guests", 0, 0), ("cancel", 0)])
def test_any_sequence_keeps_seats_within_capacity_and_the_waitlist_in_order(
    app, capacity, sequence
):
    event = factories.event(capacity=capacity, guests_allowed=MAX_GUESTS)
    owners = [factories.owner() for _ in range(OWNERS)]
    model = Model(capacity)
    start = clock.now()
    for step, action in enumerate(sequence):
        now = start + timedelta(seconds=step)
        kind, *args = action
        rsvp = None
        if kind in ("guests", "cancel"):
            rsvp = db.session.scalar(
                select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == owners[args[0]].id)
            )
            if rsvp is None:
                continue
        if kind == "rsvp":
            model.rsvp(args[0], args[1], step)
            rsvps.place_rsvp(
                db.session,
                event=db.session.get(Event, event.id),
                user=owners[args[0]],
                guests=args[1],
                now=now,
                tz=TZ,
                secret_key="k",
                event_url="/e",
            )
        elif kind == "guests":
            accepted = model.change(args[0], args[1])
            try:
                rsvps.change_guests(
                    db.session, rsvp=rsvp, guests=args[1], now=now, secret_key="k", event_url="/e"
                )
            except ServiceError:
                assert not accepted
                db.session.rollback()
                _check(event, owners, model)
                continue
            assert accepted
        elif kind == "cancel":
            model.cancel(args[0])
            rsvps.cancel_rsvp(db.session, rsvp=rsvp, now=now, secret_key="k", event_url="/e")
        else:
            model.promote()
            rsvps.promote_waitlist(
                db.session,
                event=db.session.get(Event, event.id),
                now=now,
                secret_key="k",
                event_url="/e",
            )
        db.session.commit()
        _check(event, owners, model)
