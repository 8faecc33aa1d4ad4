"""The pipeline's rows read exactly as written: each cell, with its friend's own words escaped."""

import re
from datetime import UTC, datetime

import pytest

from portal.dealership.services import write_settings
from portal.events.models import Rsvp, RsvpStatus
from portal.extensions import db
from portal.referrals import queries
from portal.referrals.models import Stage

#: Mid-afternoon UTC: the same day in the test deployment's zone.
MOMENT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
REFERRED = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)


def _rows(html: str) -> list[str]:
    """The table body's rows without the white space a browser ignores: between cells, and at
    either end of a cell (the space between two words or two tags in a cell stays)."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>.*?</tr>", body, re.S)]
    return [re.sub(r" ?(</?td[^>]*>|</?tr>) ?", r"\1", row) for row in rows]


def _rsvp(event, email: str, status: str, checked_in: bool = False) -> Rsvp:
    rsvp = Rsvp(
        event_id=event.id,
        guest_name="Guest",
        guest_email=email,
        status=status,
        checked_in_at=MOMENT if checked_in else None,
    )
    db.session.add(rsvp)
    db.session.flush()
    return rsvp


def test_each_row_shows_the_friend_their_referrer_their_channel_and_their_visit(
    client, login, coordinator, make_owner, make_referral, make_event
):
    event = make_event(title="Launch & <night>")
    ambassador = make_owner(name="Priya <Patel>", tier_level=2)
    member = make_owner(name="Lee Chen")
    dates = {"stage_changed_at": MOMENT, "created_at": REFERRED}
    came = make_referral(
        ambassador,
        name='Jamie "J" <Fraser> & co',
        stage=Stage.TEST_DRIVE,
        email="jamie@example.net",
        phone="+12025550143",
        preferred_contact="phone",
        model_of_interest=None,
        source="whatsapp",
        rsvp_id=_rsvp(event, "jamie@example.net", RsvpStatus.ATTENDED, checked_in=True).id,
        **dates,
    )
    cancelled = make_referral(
        None,
        name="Sam Rivera",
        stage=Stage.LOST,
        email="sam@example.org",
        model_of_interest="CR-V <Hybrid>",
        rsvp_id=_rsvp(event, "sam@example.org", RsvpStatus.CANCELLED).id,
        **dates,
    )
    coming = make_referral(
        member,
        name="Alex Kim",
        email="alex@example.org",
        phone="+447911123456",
        preferred_contact="sms",
        source="sms",
        rsvp_id=_rsvp(event, "alex@example.org", RsvpStatus.CONFIRMED).id,
        **dates,
    )
    plain = make_referral(member, name="Robin Ng", email="robin@example.org", **dates)
    login(coordinator)
    html = client.get("/admin/referrals?sort=name&dir=asc").get_data(as_text=True)
    day = '<td class="nowrap"><time datetime="2026-03-02">2 Mar 2026</time></td>'
    referred = '<td class="nowrap"><time datetime="2026-01-20">20 Jan 2026</time></td>'
    member_badge = (
        'Lee Chen<br><span class="tier-badge tier-0"><span aria-hidden="true">◇</span> Member'
        "</span></td>"
    )
    assert _rows(html) == [
        f'<tr><td><a href="/admin/referrals/{coming.id}">Alex Kim</a></td>'
        "<td>Electric SUV</td>"
        '<td>Sms<br><span class="muted">+44 7911 123456</span></td>'
        f"<td>{member_badge}"
        '<td>Text message<br><span class="muted">RSVPed to Launch &amp; &lt;night&gt;</span></td>'
        '<td><span class="tag stage-invited">Invited</span></td>'
        f"{day}{referred}</tr>",
        f'<tr><td><a href="/admin/referrals/{came.id}">Jamie &#34;J&#34; &lt;Fraser&gt; &amp; co'
        "</a></td>"
        "<td>—</td>"
        '<td>Phone<br><span class="muted">(202) 555-0143</span></td>'
        "<td>Priya &lt;Patel&gt;<br>"
        '<span class="tier-badge tier-2"><span aria-hidden="true">◆◆◆</span> Ambassador</span> '
        '<span class="tag tag-priority" title="Ambassador: offer priority service booking">'
        "Priority service</span></td>"
        '<td>WhatsApp<br><span class="muted">Came to Launch &amp; &lt;night&gt;</span></td>'
        '<td><span class="tag stage-test_drive">Test drive</span></td>'
        f"{day}{referred}</tr>",
        f'<tr><td><a href="/admin/referrals/{plain.id}">Robin Ng</a></td>'
        "<td>Electric SUV</td>"
        '<td>Email<br><span class="muted">robin@example.org</span></td>'
        f"<td>{member_badge}"
        "<td>—</td>"
        '<td><span class="tag stage-invited">Invited</span></td>'
        f"{day}{referred}</tr>",
        f'<tr><td><a href="/admin/referrals/{cancelled.id}">Sam Rivera</a></td>'
        "<td>CR-V &lt;Hybrid&gt;</td>"
        '<td>Email<br><span class="muted">sam@example.org</span></td>'
        '<td><span class="muted">No referrer (old link)</span></td>'
        '<td>—<br><span class="muted">Cancelled Launch &amp; &lt;night&gt;</span></td>'
        '<td><span class="tag stage-lost">Lost</span></td>'
        f"{day}{referred}</tr>",
    ]


def test_an_empty_stage_says_so_instead_of_an_empty_table(client, login, coordinator):
    login(coordinator)
    html = client.get("/admin/referrals?stage=purchased").get_data(as_text=True)
    assert "<table" not in html
    assert '<p class="empty">No referrals at this stage yet.' in html


@pytest.mark.parametrize("sort", sorted(queries.REFERRAL_SORTS))
def test_the_pipeline_selects_table_columns_so_its_rows_skip_the_orm(app, sort):
    for stage in (None, Stage.CONTACTED):
        statement = queries.pipeline(stage, sort, descending=True)
        assert {column.get("entity") for column in statement.column_descriptions} == {None}


def test_the_days_shown_are_the_dealerships_own(
    client, login, coordinator, make_owner, make_referral
):
    # 03:00 UTC on 2 March is still 1 March in New York, and already the afternoon of 2 March
    # on Kiritimati (UTC+14), the zone an admin may choose on the settings page.
    late = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    make_referral(make_owner(), stage_changed_at=late, created_at=late)
    login(coordinator)
    days = re.findall(r'<td class="nowrap">(.*?)</td>', client.get("/admin/referrals").text)
    assert days == ['<time datetime="2026-03-01">1 Mar 2026</time>'] * 2
    write_settings(db.session, {"dealership.timezone": "Pacific/Kiritimati"})
    db.session.commit()
    days = re.findall(r'<td class="nowrap">(.*?)</td>', client.get("/admin/referrals").text)
    assert days == ['<time datetime="2026-03-02">2 Mar 2026</time>'] * 2
