"""Admin list pages run the same number of SQL statements for 5 rows as for 50."""

from datetime import UTC, datetime

from portal.accounts.models import Role, StaffNote
from portal.audit import record_audit
from portal.extensions import db


def _statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm caches (dealership settings, login) outside the measurement
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def _add_owners(make_owner, make_vehicle, how_many: int, start: int) -> None:
    for number in range(start, start + how_many):
        owner = make_owner(email=f"counted{number}@example.com", name=f"Counted {number}")
        make_vehicle(owner)


def test_owner_list_statement_count_does_not_grow_with_rows(
    client, as_coordinator, make_owner, make_vehicle, count_queries
):
    _add_owners(make_owner, make_vehicle, 5, 0)
    few = _statements(client, count_queries, "/admin/owners?q=counted")
    _add_owners(make_owner, make_vehicle, 45, 5)
    many = _statements(client, count_queries, "/admin/owners?q=counted")
    assert few == many


def test_audit_log_statement_count_does_not_grow_with_rows(
    client, as_admin, make_user, count_queries
):
    def add(how_many):
        for _ in range(how_many):
            author = make_user(role=Role.COORDINATOR)
            record_audit(
                db.session,
                actor=author,
                action="note.add",
                entity_type="user",
                entity_id=author.id,
                before=None,
                after={"n": 1},
                summary="note",
            )
            db.session.add(
                StaffNote(
                    owner_id=author.id, author_id=author.id, body="b", created_at=datetime.now(UTC)
                )
            )
        db.session.commit()

    add(5)
    few = _statements(client, count_queries, "/admin/audit")
    add(45)
    many = _statements(client, count_queries, "/admin/audit")
    assert few == many


def test_staff_list_statement_count_does_not_grow_with_rows(
    client, as_admin, make_user, count_queries
):
    for _ in range(4):
        make_user(role=Role.COORDINATOR)
    few = _statements(client, count_queries, "/admin/staff")
    for _ in range(45):
        make_user(role=Role.COORDINATOR)
    many = _statements(client, count_queries, "/admin/staff")
    assert few == many


def test_owner_page_statement_count_does_not_grow_with_rsvps_referrals_or_points(
    client,
    as_coordinator,
    make_owner,
    make_vehicle,
    make_event,
    rsvp_as,
    make_referral,
    give_points,
    make_reward,
    count_queries,
):
    from portal import clock
    from portal.referrals.models import Stage
    from portal.rewards import services as rewards_services

    owner = make_owner(tier_level=2)
    make_vehicle(owner)
    reward = make_reward(points_cost=10)

    def add(how_many: int) -> None:
        for number in range(how_many):
            event = make_event(capacity=1 if number % 2 else 10)
            if number % 2:
                rsvp_as(make_owner(), event)  # the owner joins the waitlist
            rsvp_as(owner, event)
            make_referral(owner, stage=Stage.TEST_DRIVE if number % 2 else Stage.INVITED)
            give_points(owner, 100)
            rewards_services.redeem(db.session, user=owner, reward_id=reward.id, now=clock.now())
            db.session.commit()

    url = f"/admin/owners/{owner.id}"
    add(1)
    one = _statements(client, count_queries, url)
    add(14)
    page = client.get(url).get_data(as_text=True)
    assert page.count("Waitlist #1") == 7
    many = _statements(client, count_queries, url)
    assert one == many
