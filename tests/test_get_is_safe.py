"""Opening a page writes nothing: every GET route, for every role, leaves every table as it was.

The list of routes comes from the URL map, so a new page is covered as soon as it exists;
their arguments come from the demo dealership plus what it lacks (an import batch, a
calendar feed, an unread message, an unconfirmed email). On SQLite a GET request reads in a
read-only transaction (portal/db.py), so a write outside `write_in_own_transaction` is a
server error here; on PostgreSQL the row snapshots catch it.

Every table is compared row by row after a GET only when something was written since the last
look: triggers count every INSERT, UPDATE and DELETE on every table (`WriteCounter`), and a
GET that ran none needs no comparison. The count errs only one way (a statement that changed
no row still counts), so a write never goes unexamined.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from flask import current_app
from sqlalchemy import select, text

from portal import clock
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import Role, User
from portal.accounts.services import members as account_services
from portal.charity.models import Drive
from portal.community.models import Announcement
from portal.events.models import Audience, CalendarFeed, Event, EventStatus, Rsvp, RsvpStatus
from portal.events.services import questions as question_services
from portal.events.tokens import CALENDAR, TICKET, derive_token, fresh_token
from portal.extensions import db
from portal.feedback.models import FollowUp, Survey
from portal.garage.models import ServiceRecord, Vehicle
from portal.imports.rules import sample_csv
from portal.imports.services.planning import preview_import
from portal.notifications.services import notify
from portal.referrals import services as referral_services
from portal.referrals.models import Referral
from portal.reminders.models import RecallCampaign, SeasonalCampaign
from portal.rewards.models import Redemption, Reward
from portal.security import hash_token, sign
from portal.servicelane.models import ServiceBooking, ServiceClosure, ServiceWindow
from portal.visits.models import Visit, VisitMedia

pytestmark = pytest.mark.slow  # every GET route, for four roles

ROLES = ["visitor", "owner", "coordinator", "admin"]


@dataclass(frozen=True)
class Change:
    """What a documented GET may do to one table: add rows, change these columns of one row."""

    added: int = 0
    columns: frozenset[str] = field(default_factory=frozenset)


#: The GET pages that write, each in its own short transaction, and all they may write.
GET_WRITES = {
    # Opening a message marks it read.
    "notifications.message": {"notifications": Change(columns=frozenset({"read_at"}))},
    # The invite page makes the person's invite link on their first visit.
    "referrals.invite": {"invite_codes": Change(added=1)},
    # The link in the confirmation email confirms the address.
    "accounts.verify_email": {
        "users": Change(columns=frozenset({"email_verified_at", "updated_at"}))
    },
}

#: Which documented pages do write for each role in this dataset (the test's own control).
WRITERS_BY_ROLE = {
    "visitor": {"accounts.verify_email"},
    "owner": {"notifications.message", "accounts.verify_email"},
    "coordinator": {"referrals.invite", "accounts.verify_email"},
    "admin": {"referrals.invite", "accounts.verify_email"},
}


def _first(statement):
    return db.session.scalar(statement.limit(1))


def _seed_everything(runner) -> tuple[User, dict]:
    """The demo dealership and what it lacks; returns its owner and a value per URL argument.

    Arguments are filled by name; "tokens" holds the values that depend on the endpoint.
    """
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    secret = current_app.config["SECRET_KEY"]
    owner = db.session.scalar(select(User).where(User.email == "sam.okafor@example.com"))
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    unconfirmed = User(email="new@example.com", name="Nia New", password_hash="x")
    db.session.add(unconfirmed)
    batch = preview_import(
        db.session,
        upload=io.BytesIO(sample_csv().encode()),
        filename="dms.csv",
        actor=admin,
        phone_region="US",
        today=clock.now().date(),
    )
    nonce, token_hash = fresh_token(secret, CALENDAR)
    db.session.add(CalendarFeed(user_id=owner.id, nonce=nonce, token_hash=token_hash))
    message_id = notify(
        db.session,
        user=owner,
        key="get-is-safe:unread",
        kind="event",
        subject="Unread",
        body="Not opened yet.",
        now=clock.now(),
    )
    public_event = _first(
        select(Event)
        .where(Event.audience == Audience.PUBLIC, Event.status == EventStatus.PUBLISHED)
        .order_by(Event.starts_at.desc())
    )
    visitor = Rsvp(
        event_id=public_event.id,
        guest_name="Lee Visitor",
        guest_email="lee.visitor@example.org",
        status=RsvpStatus.WAITLISTED,
        waitlisted_at=clock.now(),
        guest_nonce="walker-nonce",
    )
    db.session.add(visitor)
    survey = _survey_for(owner)
    db.session.commit()
    rsvp = _first(
        select(Rsvp)
        .where(Rsvp.user_id == owner.id, Rsvp.ticket_nonce.is_not(None))
        .order_by(Rsvp.id)
    )
    question = question_services.add_question(
        db.session, rsvp.event, kind="text", label="Which car?", required=False, options_text=""
    ).question
    question_services.save_answers(db.session, rsvp=rsvp, answers={question.id: "The MX-5"})
    values = {
        "user_id": owner.id,
        "vehicle_id": _first(select(Vehicle.id).where(Vehicle.owner_id == owner.id)),
        "notification_id": message_id,
        "referral_id": _first(select(Referral.id).where(Referral.referrer_id == owner.id)),
        "redemption_id": _first(select(Redemption.id).order_by(Redemption.user_id != owner.id)),
        "rsvp_id": rsvp.id,
        "event_id": rsvp.event_id,
        "drive_id": _first(select(Drive.id).order_by(Drive.id)),
        "announcement_id": _first(select(Announcement.id).order_by(Announcement.id)),
        "reward_id": _first(select(Reward.id).order_by(Reward.id)),
        "batch_id": batch.id,
        "question_id": question.id,
        "survey_id": survey.id,
        "follow_up_id": _first(select(FollowUp.id).order_by(FollowUp.id)),
        "code": derive_token(secret, TICKET, rsvp.ticket_nonce),
        "filename": "css/portal.css",
        "booking_id": _first(select(ServiceBooking.id).where(ServiceBooking.user_id == owner.id)),
        "window_id": _first(select(ServiceWindow.id).order_by(ServiceWindow.id)),
        "closure_id": _first(select(ServiceClosure.id).order_by(ServiceClosure.id)),
        "visit_id": _first(select(Visit.id).order_by(Visit.id)),
        "media_id": _first(select(VisitMedia.id).order_by(VisitMedia.id)),
    }
    invite_code = referral_services.current_invite_code(db.session, owner, secret)
    tokens = {
        "accounts.verify_email": sign(
            "verify-email", account_services.verification_payload(unconfirmed)
        ),
        "accounts.reset_password": sign(
            "reset-password",
            {"uid": owner.id, "fp": account_services.password_fingerprint(owner)},
        ),
        "accounts.claim_account": sign(
            "claim-account",
            {"uid": unconfirmed.id, "fp": account_services.password_fingerprint(unconfirmed)},
        ),
        "notifications.preferences": sign("consent", {"uid": owner.id}),
        "notifications.unsubscribe": sign("unsubscribe", {"uid": owner.id, "cat": "service"}),
        "events.feed": derive_token(secret, CALENDAR, nonce),
        "referrals.landing": invite_code,
        "events.guest_confirm": sign(
            "guest-rsvp",
            {"e": public_event.id, "n": "Kim Visitor", "m": "kim@example.org", "g": 0},
        ),
        "events.guest_cancel": sign("guest-rsvp-cancel", {"r": visitor.id, "k": "walker-nonce"}),
        "referrals.landing_thanks": invite_code,
        "feedback.answer_link": SURVEY_TOKEN,
        "admin.recall_campaign": str(_first(select(RecallCampaign.id))),
        "admin.seasonal_campaign": str(_first(select(SeasonalCampaign.id))),
    }
    db.session.commit()
    return owner, values | {"tokens": tokens}


#: The link token of the owner's open survey (the demo's own tokens are not kept).
SURVEY_TOKEN = "get-is-safe-survey-token"


def _survey_for(owner: User) -> Survey:
    """A survey the owner can still answer, about a visit to one of their cars yesterday."""
    car = db.session.scalar(select(Vehicle).where(Vehicle.owner_id == owner.id).limit(1))
    visit = ServiceRecord(
        vehicle_id=car.id, performed_on=clock.now().date(), work_done="30,000-mile service"
    )
    db.session.add(visit)
    db.session.flush()
    survey = Survey(
        service_record_id=visit.id,
        owner_id=owner.id,
        token_hash=hash_token(SURVEY_TOKEN),
        asked_at=clock.now(),
    )
    db.session.add(survey)
    db.session.flush()
    return survey


def get_routes(app, values: dict) -> list[tuple[str, str]]:
    """(endpoint, path) for every GET rule in the URL map, its arguments filled in."""
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = values["tokens"].get(rule.endpoint, values.get(argument))
            assert value is not None, f"no value for <{argument}> of {rule.rule}"
            path = path.replace(f"<int:{argument}>", str(value))
            path = path.replace(f"<path:{argument}>", str(value))
            path = path.replace(f"<{argument}>", str(value))
        routes.append((rule.endpoint, path))
    return routes


def snapshot() -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by primary key."""
    tables = {}
    for table in db.metadata.sorted_tables:
        key_columns = list(table.primary_key.columns)
        rows = db.session.execute(select(table).order_by(*key_columns)).mappings()
        tables[table.name] = {tuple(row[c.name] for c in key_columns): dict(row) for row in rows}
    db.session.commit()
    return tables


class WriteCounter:
    """Counts the write statements run on any table, by any connection, through triggers.

    PostgreSQL: a statement trigger on every table takes a number from a sequence, which no
    rollback gives back. SQLite: row triggers add to a one-row table (its writes come only
    from `write_in_own_transaction`, as a GET's own transaction is read-only).
    """

    SEQUENCE = "get_safety_writes"

    def __init__(self, engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.tables = [table.name for table in db.metadata.sorted_tables]

    def install(self) -> None:
        with self.engine.begin() as connection:
            for statement in self._install_statements():
                connection.exec_driver_sql(statement)

    def remove(self) -> None:
        """Undo `install` (PostgreSQL keeps one schema for a worker's tests)."""
        if not self.postgres:
            return
        with self.engine.begin() as connection:
            for table in self.tables:
                connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS count_writes ON "{table}"')
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS get_safety_count_write()")
            connection.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {self.SEQUENCE}")

    def count(self) -> int:
        if self.postgres:
            query = f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {self.SEQUENCE}"
        else:
            query = "SELECT n FROM get_safety_writes"
        value = db.session.scalar(text(query))
        db.session.commit()
        return value

    def _install_statements(self) -> Iterator[str]:
        if self.postgres:
            yield f"CREATE SEQUENCE {self.SEQUENCE}"
            yield (
                "CREATE FUNCTION get_safety_count_write() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM nextval('{self.SEQUENCE}'); RETURN NULL; END $$"
            )
            for table in self.tables:
                yield (
                    f'CREATE TRIGGER count_writes AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                    "FOR EACH STATEMENT EXECUTE FUNCTION get_safety_count_write()"
                )
            return
        yield "CREATE TABLE get_safety_writes (n INTEGER NOT NULL)"
        yield "INSERT INTO get_safety_writes (n) VALUES (0)"
        for table in self.tables:
            for action in ("INSERT", "UPDATE", "DELETE"):
                yield (
                    f'CREATE TRIGGER "count_{action.lower()}_{table}" AFTER {action} ON "{table}" '
                    "BEGIN UPDATE get_safety_writes SET n = n + 1; END"
                )


@contextmanager
def counting_writes() -> Iterator[WriteCounter]:
    """A `WriteCounter` on the app's database for the duration of the block."""
    db.session.commit()
    counter = WriteCounter(db.engine)
    counter.install()
    try:
        yield counter
    finally:
        db.session.rollback()
        counter.remove()


def differences(before: dict, after: dict) -> dict[str, dict]:
    """Per changed table: rows added, rows removed and, per changed row, the changed columns."""
    found = {}
    for name, old_rows in before.items():
        new_rows = after[name]
        added = new_rows.keys() - old_rows.keys()
        removed = old_rows.keys() - new_rows.keys()
        changed = {
            key: {
                column for column, value in old_rows[key].items() if new_rows[key][column] != value
            }
            for key in old_rows.keys() & new_rows.keys()
            if old_rows[key] != new_rows[key]
        }
        if added or removed or changed:
            found[name] = {"added": len(added), "removed": len(removed), "changed": changed}
    return found


def within_allowance(endpoint: str, found: dict) -> bool:
    """Whether what a GET wrote is exactly within what GET_WRITES says it may write."""
    allowance = GET_WRITES.get(endpoint, {})
    for table, change in found.items():
        allowed = allowance.get(table)
        if allowed is None or change["removed"] or change["added"] > allowed.added:
            return False
        if len(change["changed"]) > (1 if allowed.columns else 0):
            return False
        if any(not columns <= allowed.columns for columns in change["changed"].values()):
            return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_leaves_the_database_unchanged(app, client, login, runner, role):
    owner, values = _seed_everything(runner)
    if role != "visitor":
        user = (
            owner if role == "owner" else db.session.scalar(select(User).where(User.role == role))
        )
        login(user, password=DEMO_PASSWORD)
    routes = get_routes(app, values)
    unexpected, wrote = [], set()
    with counting_writes() as writes:
        for endpoint, path, status, found in _walk(client, routes, writes, unexpected):
            if status >= 500:
                unexpected.append(f"GET {path} ({endpoint}) answered {status}")
            if found and not within_allowance(endpoint, found):
                unexpected.append(f"GET {path} ({endpoint}) as {role} wrote {found}")
            if found:
                wrote.add(endpoint)
    assert not unexpected, "\n".join(unexpected)
    assert wrote == WRITERS_BY_ROLE[role], "the documented writers did not all write"


def _walk(client, routes, writes: WriteCounter, unexpected: list[str]):
    """GET each route: (endpoint, path, status, what it changed), snapshots only after writes."""
    before, seen = snapshot(), writes.count()
    for endpoint, path in routes:
        try:
            status = client.get(path).status_code
        except Exception as error:  # noqa: BLE001 - report every route, not only the first
            unexpected.append(f"GET {path} ({endpoint}) raised {type(error).__name__}: {error}")
            db.session.rollback()
            before, seen = snapshot(), writes.count()
            continue
        count = writes.count()
        if count == seen:
            yield endpoint, path, status, {}
            continue
        after, seen = snapshot(), count
        yield endpoint, path, status, differences(before, after)
        before = after
