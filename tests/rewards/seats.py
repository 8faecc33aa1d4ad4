"""Helpers for the seat-reward tests: redeem and decline through the services, read the seats."""

from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.extensions import db
from portal.rewards import services
from portal.rewards.models import Redemption


def redeem_seat(user_id: int, reward_id: int) -> Redemption:
    """The owner redeems, as the rewards page does (the app's secret key for the ticket)."""
    return services.redeem(
        db.session,
        user=db.session.get(User, user_id),
        reward_id=reward_id,
        now=clock.now(),
        secret_key=current_app.config["SECRET_KEY"],
    )


def decline_seat(redemption_id: int, actor: User) -> list[int]:
    """A coordinator declines the redemption, as the staff page does; commits."""
    redemption = db.session.get(Redemption, redemption_id)
    ids = services.decline(
        db.session,
        redemption=redemption,
        actor=actor,
        note="We couldn't arrange it this time.",
        now=clock.now(),
        secret_key=current_app.config["SECRET_KEY"],
        event_url=f"/events/{redemption.rsvp.event_id}",
    )
    db.session.commit()
    return ids


def seats_taken(event_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Event.seats_taken).where(Event.id == event_id))


def seats_held_by_rsvps(event_id: int) -> int:
    """Seats the event's confirmed RSVPs need: must equal `seats_taken`."""
    return db.session.scalar(
        select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.CONFIRMED
        )
    )


def rsvp_of(event_id: int, user_id: int) -> Rsvp | None:
    db.session.expire_all()
    return db.session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user_id))
