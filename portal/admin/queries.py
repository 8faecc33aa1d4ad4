"""Reads for the staff shell's pages: the dashboard's panels and owners (the audit log's
are in `audit_queries`).

Each dashboard panel and each list runs a fixed number of queries, whatever the numbers.
The dashboard's statements are built once per process and read plain rows of the columns
shown on the session's connection (`page_rows`).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import ScalarSelect, Select, bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import Role, StaffNote, User
from portal.charity.models import Drive
from portal.charity.queries import kept_totals, open_drives_kept
from portal.charity.rules import DriveTotals
from portal.db import page_rows
from portal.dealership.queries import dealership_zone
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.feedback.models import FollowUp, FollowUpStatus
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.paging import PagedSelect, in_direction
from portal.referrals.models import STAGE_LABELS, Referral, Stage
from portal.reminders.models import ServiceVisitRequest, VisitStatus
from portal.reminders.queries.fleet import collector_paused, load_fleet
from portal.reminders.rules import Kind
from portal.rewards.models import Redemption, RedemptionStatus

# --- The dashboard ----------------------------------------------------------------------

#: How many upcoming events the dashboard lists (the events page has the rest).
UPCOMING_LIMIT = 6
#: The referral funnel looks back this far.
FUNNEL_DAYS = 90
#: "This week": today and the six days after it, at the dealership.
WEEK_DAYS = 7
#: The stages a referral passes on the way to a purchase, in order.
FUNNEL_STAGES = (Stage.INVITED, Stage.CONTACTED, Stage.TEST_DRIVE, Stage.PURCHASED)

KIND_LABELS = {
    Kind.SERVICE: "Service",
    Kind.WARRANTY: "Warranty ending",
    Kind.PROTECTION: "Protection ending",
    Kind.RECALL: "Recall",
    Kind.SEASONAL: "Seasonal check",
    Kind.ADVISED: "Advised at a visit",
    Kind.ANNIVERSARY: "Ownership anniversary",
    Kind.BIRTHDAY: "Birthday",
}


@dataclass(frozen=True, slots=True)
class UpcomingEvent:
    """An upcoming event as the dashboard shows it: how full it is, how many wait for a seat
    (a row of the columns shown, not the ORM object)."""

    id: int
    title: str
    starts_at: datetime
    capacity: int
    #: Seats taken, guests included.
    seats_taken: int
    waitlisted: int

    @property
    def fill_percent(self) -> int:
        """Seats taken (guests included) as a share of capacity."""
        if self.capacity <= 0:
            return 0
        return round(self.seats_taken * 100 / self.capacity)


@dataclass(frozen=True)
class FunnelStep:
    """How many referrals reached a stage (or went past it)."""

    stage: Stage
    label: str
    reached: int
    #: Share of everyone referred in the period, 0-100.
    percent: int


@dataclass(frozen=True)
class Funnel:
    """Referrals made in the period, by how far they got."""

    since: datetime
    steps: list[FunnelStep]
    lost: int

    @property
    def referred(self) -> int:
        """Everyone referred in the period (the first step counts them all)."""
        return self.steps[0].reached


def _funnel(since: datetime, counts: Sequence[int]) -> Funnel:
    """The funnel from the referrals made since `since`, counted per stage (in `Stage` order).

    A referral at "test drive" has been invited and contacted, so each step counts the
    referrals at that stage or a later one. Lost referrals count as invited only: we do
    not keep the stage they were lost at.
    """
    by_stage = dict(zip(Stage, counts, strict=True))
    referred = sum(counts)
    steps = []
    for position, stage in enumerate(FUNNEL_STAGES):
        reached = sum(by_stage[later] for later in FUNNEL_STAGES[position:])
        if stage == Stage.INVITED:
            reached = referred
        percent = round(reached * 100 / referred) if referred else 0
        steps.append(FunnelStep(stage, STAGE_LABELS[stage], reached, percent))
    return Funnel(since=since, steps=steps, lost=by_stage[Stage.LOST])


@dataclass(frozen=True, slots=True)
class OpenDrive:
    """An open drive as the dashboard shows it (a row of the columns shown, not the ORM
    object), its amounts worded as the drive words them."""

    id: int
    name: str
    goal_kind: str
    unit_label: str | None
    ends_on: date

    #: The drive's own wording of amounts ('$1,250', '340 toys'): it reads only the goal's kind
    #: and the unit's name.
    is_money = Drive.is_money
    format_amount = Drive.format_amount


@dataclass(frozen=True)
class DriveProgress:
    """An open drive and its totals."""

    drive: OpenDrive
    totals: DriveTotals


#: Open drives, ending soonest first, with what the dashboard shows of them and their kept
#: totals (a drive nobody gave to has no tally row); built once per process.
_OPEN_DRIVES = open_drives_kept(
    Drive.id, Drive.name, Drive.goal_kind, Drive.unit_label, Drive.ends_on
)


def drive_progress(session: Session) -> list[DriveProgress]:
    """Open drives, ending soonest first, with their totals (one query)."""
    progress = []
    rows = page_rows(session, _OPEN_DRIVES)
    for drive_id, name, kind, unit, ends_on, goal, match_percent, match_cap, *kept in rows:
        totals = kept_totals(goal, match_percent, match_cap, kept)
        progress.append(DriveProgress(OpenDrive(drive_id, name, kind, unit, ends_on), totals))
    return progress


@dataclass(frozen=True)
class WaitingWork:
    """Things owners are waiting for the team to do."""

    pending_redemptions: int
    open_visit_requests: int
    #: Low scores waiting for the service manager.
    open_follow_ups: int


def _count(model, *conditions) -> ScalarSelect:
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


@dataclass(frozen=True)
class Dashboard:
    """The dashboard's figures: the next events, the referral funnel and the waiting work."""

    events: list[UpcomingEvent]
    #: Upcoming events in all (the dashboard shows the first few).
    events_total: int
    funnel: Funnel
    waiting: WaitingWork


def _dashboard_statement() -> Select:
    """The dashboard's figures in one statement: its counts in a row of their own, joined to
    the page of upcoming events (one row of counts alone when none is coming up).

    Referrals made since a moment are counted per stage, one scalar subquery each: every count
    reads one range of `ix_referrals_stage_created_at`, where a GROUP BY over the period walks
    the whole index (a third of the time on 6,000 referrals). The waitlists are counted for
    the shown events only, outside the page of them: counted beside the window's total they
    would be counted for every upcoming event.
    """
    counts = select(
        *(
            _count(Referral, Referral.stage == stage, Referral.created_at >= bindparam("since"))
            for stage in Stage
        ),
        _count(Redemption, Redemption.status == RedemptionStatus.PENDING),
        _count(ServiceVisitRequest, ServiceVisitRequest.status == VisitStatus.OPEN),
        _count(FollowUp, FollowUp.status == FollowUpStatus.OPEN),
    ).subquery("counts")
    shown = (
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.capacity,
            Event.seats_taken,
            func.count().over().label("total"),
        )
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at > bindparam("now"))
        .order_by(Event.starts_at, Event.id)
        .limit(UPCOMING_LIMIT)
        .subquery("shown")
    )
    waitlisted = (
        select(func.count())
        .where(Rsvp.event_id == shown.c.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .scalar_subquery()
    )
    return (
        select(
            *counts.c,
            shown.c.total,
            shown.c.id,
            shown.c.title,
            shown.c.starts_at,
            shown.c.capacity,
            shown.c.seats_taken,
            waitlisted,
        )
        .select_from(counts)
        .outerjoin(shown, true())
        .order_by(shown.c.starts_at, shown.c.id)
    )


#: The dashboard's statement, built once per process and run with the moments bound.
_DASHBOARD = _dashboard_statement()
#: Where the counts end in a row of `_DASHBOARD`: the stages, then the waiting work.
_WAITING_AT = len(Stage)
_EVENTS_AT = _WAITING_AT + 3


def dashboard(session: Session, now: datetime) -> Dashboard:
    """The next published events with their waitlists and how many are coming up in all;
    friends referred in the last 90 days by stage reached; the work waiting for the team
    (pending reward redemptions, open service-visit requests and follow-ups). One statement."""
    since = now - timedelta(days=FUNNEL_DAYS)
    rows = page_rows(session, _DASHBOARD, {"since": since, "now": now}).all()
    first = rows[0]
    total = first[_EVENTS_AT] or 0
    events = [UpcomingEvent(*row[_EVENTS_AT + 1 :]) for row in rows] if total else []
    return Dashboard(
        events=events,
        events_total=total,
        funnel=_funnel(since, first[:_WAITING_AT]),
        waiting=WaitingWork(*first[_WAITING_AT:_EVENTS_AT]),
    )


@dataclass(frozen=True)
class KindCount:
    """Reminders of one kind due in the week."""

    kind: Kind
    label: str
    count: int


@dataclass(frozen=True)
class WeekOfReminders:
    """Reminders falling due from `first_day` to `last_day` (dealership dates), by kind."""

    first_day: date
    last_day: date
    kinds: list[KindCount]
    overdue: int
    #: Services of cars with no service on file: their owners are asked, not reminded.
    asking: int = 0

    @property
    def total(self) -> int:
        """Reminders due in the week, every kind together."""
        return sum(item.count for item in self.kinds)


def reminders_this_week(session: Session, today: date) -> WeekOfReminders:
    """The fleet's reminders falling due from today to six days on, by kind.

    The same fleet load and rules as `flask reminders due --all` (reminders an owner marked
    done are left out), counted without building the command's records. Overdue ones fell
    due before this week and are counted apart, as are the services of cars with no service
    on file (their owners are asked for it rather than told they are late). Ten queries
    whatever the fleet's size.
    """
    last_day = today + timedelta(days=WEEK_DAYS - 1)
    by_kind: Counter[str] = Counter()
    overdue = asking = 0
    with collector_paused():
        fleet = load_fleet(session, today, dealership_zone(session))
        for reminder in fleet.reminders():
            if reminder.owner_id not in fleet.owners:
                continue
            if reminder.asks_last_service:
                asking += 1
            elif reminder.due_on < today:
                overdue += 1
            elif reminder.due_on <= last_day:
                by_kind[reminder.kind] += 1
    kinds = [KindCount(kind, KIND_LABELS[kind], by_kind[kind]) for kind in Kind if by_kind[kind]]
    kinds.sort(key=lambda item: -item.count)
    return WeekOfReminders(today, last_day, kinds, overdue, asking)


# --- Owners -----------------------------------------------------------------------------

#: Sortable owner columns: name, date joined, number of active cars.
OWNER_SORTS = ("name", "joined", "cars")


def active_car_count() -> ScalarSelect:
    """A correlated subquery: the owner's cars that are still theirs."""
    return (
        select(func.count(Vehicle.id))
        .where(Vehicle.owner_id == User.id, Vehicle.retired_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )


def owner_search(query: str = "", sort: str = "name", descending: bool = False) -> Select:
    """Owners matching every word of `query` in name, email, phone or a VIN, in one statement."""
    statement = select(User).where(User.role == Role.OWNER)
    for term in query.split()[:6]:
        digits = re.sub(r"\D", "", term)
        matches = [
            User.name.icontains(term, autoescape=True),
            User.email.icontains(term, autoescape=True),
            exists().where(
                Vehicle.owner_id == User.id, Vehicle.vin.icontains(term, autoescape=True)
            ),
        ]
        if len(digits) >= 3:
            matches.append(User.phone.contains(digits, autoescape=True))
        statement = statement.where(or_(*matches))
    column = {
        "name": func.lower(User.name),
        "joined": User.created_at,
        "cars": active_car_count(),
    }[sort if sort in OWNER_SORTS else "name"]
    return statement.order_by(*in_direction(descending, column, User.id))


#: An owner's status as the owners list tags it: deactivated, never signed in, or active.
OWNER_STATUS = case(
    (User.deactivated_at.is_not(None), "deactivated"),
    (User.last_login_at.is_(None), "new"),
    else_="active",
)


def owner_list(query: str = "", sort: str = "name", descending: bool = False) -> Select:
    """`owner_search` with only what the owners list shows, each owner's status
    (`OWNER_STATUS`) and active cars included."""
    return owner_search(query, sort, descending).with_only_columns(
        User.id,
        User.name,
        User.email,
        User.phone,
        User.created_at,
        OWNER_STATUS.label("status"),
        active_car_count().label("cars"),
    )


@cache
def owner_pages(sort: str, descending: bool) -> PagedSelect:
    """The unsearched owners list's statements in one order, built once per process."""
    return PagedSelect(owner_list("", sort, descending), rows=True)


def owner_export(query: str = "", sort: str = "name", descending: bool = False) -> Select:
    """The owners `owner_search` finds, each with their number of active cars."""
    return owner_search(query, sort, descending).add_columns(active_car_count())


def owner_vehicles(session: Session, owner: User) -> list[Vehicle]:
    """The owner's cars, current ones first, newest purchase first."""
    return list(
        session.scalars(
            select(Vehicle)
            .where(Vehicle.owner_id == owner.id)
            .order_by(Vehicle.retired_at.is_not(None), Vehicle.purchase_date.desc(), Vehicle.id)
        )
    )


def owner_messages(owner: User) -> Select:
    """Every message the owner was sent, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == owner.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def owner_notes(owner: User) -> Select:
    """The team's notes on the owner, newest first, with their authors."""
    return (
        select(StaffNote)
        .options(joinedload(StaffNote.author))
        .where(StaffNote.owner_id == owner.id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
    )
