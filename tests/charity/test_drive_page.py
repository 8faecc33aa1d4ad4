"""The drive page: public story and progress, the htmx pledge box, escaping, fixed queries."""

from datetime import timedelta

from sqlalchemy import select

from portal.charity.models import Contribution, DriveStatus
from portal.extensions import db
from tests.factories import today
from tests.html_checks import assert_no_live_user_markup, parsed_tags

HTMX = {"HX-Request": "true"}


def test_visitors_see_the_story_progress_and_a_sign_in_link(client, make_drive, make_owner, pledge):
    drive = make_drive(goal_amount=1_000_00)
    pledge(drive, make_owner(name="Grace Whitfield"), 250_00, show_name=True)
    page = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "Every winter, children arrive without a coat." in page
    assert "$250" in page and "$1,000" in page and "25%" in page
    assert "Grace W." in page
    assert f"/login?next=/drives/{drive.id}" in page
    assert "9 days left" in page or "10 days left" in page


def test_the_bar_is_drawn_from_the_numbers(client, make_drive, make_owner, make_user, pledge):
    drive = make_drive(goal_amount=1_000_00)
    pledge(drive, make_owner(), 300_00, received_by=make_user(role="coordinator"))
    pledge(drive, make_owner(), 200_00)
    tags = parsed_tags(client.get(f"/drives/{drive.id}").get_data(as_text=True))
    rects = {attrs["class"]: attrs["width"] for tag, attrs in tags if tag == "rect"}
    assert rects["progress-received"] == "30.0"
    assert rects["progress-pledged"] == "50.0"
    assert not [attrs for _, attrs in tags if "style" in attrs]  # the CSP forbids them


def test_draft_drives_are_hidden_from_owners_but_staff_can_preview(
    client, login, make_drive, make_owner, make_user
):
    drive = make_drive(status=DriveStatus.DRAFT)
    assert client.get(f"/drives/{drive.id}").status_code == 404
    login(make_owner())
    assert client.get(f"/drives/{drive.id}").status_code == 404
    client.post("/logout")
    login(make_user(role="coordinator"))
    assert client.get(f"/drives/{drive.id}").status_code == 200


def test_htmx_pledge_returns_the_box_and_an_out_of_band_progress_bar(
    client, login, make_drive, make_owner
):
    drive = make_drive(goal_amount=1_000_00)
    login(make_owner(name="Sam Okafor"))
    response = client.post(
        f"/drives/{drive.id}/pledge",
        data={"amount": "40", "message": "For the kids", "recognition": "name"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="pledge-box"')
    assert "Thank you, Sam" in html
    oob = [attrs for tag, attrs in parsed_tags(html) if attrs.get("hx-swap-oob")]
    assert {attrs["id"] for attrs in oob} == {"drive-progress", "honour-roll"}
    assert 'data-committed="4000"' in html
    assert "Sam O." in html
    [saved] = db.session.scalars(select(Contribution)).all()
    assert (saved.amount, saved.message, saved.show_name) == (40_00, "For the kids", True)


def test_pledge_without_javascript_redirects_to_the_drive(client, login, make_drive, make_owner):
    drive = make_drive()
    login(make_owner())
    response = client.post(
        f"/drives/{drive.id}/pledge", data={"amount": "15", "recognition": "anonymous"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/drives/{drive.id}#pledge-box"
    page = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "Your pledge of $15 is on the board" in page
    assert "1 owner who gave quietly" in page


def test_invalid_pledge_shows_the_error_next_to_the_field(client, login, make_drive, make_owner):
    drive = make_drive()
    login(make_owner())
    response = client.post(
        f"/drives/{drive.id}/pledge", data={"amount": "0", "recognition": "name"}, headers=HTMX
    )
    assert response.status_code == 422
    assert 'id="amount-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Contribution.id)) is None


def test_pledge_to_an_ended_drive_is_refused_politely(client, login, make_drive, make_owner):
    drive = make_drive(starts_on=today() - timedelta(days=9), ends_on=today() - timedelta(days=1))
    login(make_owner())
    response = client.post(
        f"/drives/{drive.id}/pledge", data={"amount": "5", "recognition": "name"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "isn't taking pledges any more" in response.get_data(as_text=True)
    assert db.session.scalar(select(Contribution.id)) is None


def test_signed_out_pledge_goes_to_sign_in(client, make_drive):
    drive = make_drive()
    response = client.post(f"/drives/{drive.id}/pledge", data={"amount": "5"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_pledge_message_with_script_or_htmx_attributes_does_nothing(
    client, login, make_drive, make_owner, make_user
):
    drive = make_drive()
    hostile = '<script>alert(1)</script><div hx-get="/logout" hx-trigger="load">x</div>'
    login(make_owner(name='Eve <img src=x onerror="alert(1)"> Mallory'))
    response = client.post(
        f"/drives/{drive.id}/pledge",
        data={"amount": "5", "message": hostile, "recognition": "name"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert_no_live_user_markup(response.get_data(as_text=True))
    page = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert_no_live_user_markup(page)
    client.post("/logout")
    login(make_user(role="coordinator"))
    admin_page = client.get(f"/admin/charity/{drive.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in admin_page
    assert_no_live_user_markup(admin_page)


def test_drive_page_runs_the_same_queries_for_2_and_30_contributions(
    client, login, make_drive, make_owner, pledge, count_queries, make_event, link_events
):
    drive = make_drive()
    viewer = make_owner()
    owners = [make_owner() for _ in range(30)]
    for index, owner in enumerate(owners[:2]):
        pledge(drive, owner, 10_00, show_name=index % 2 == 0, message=f"note {index}")
    pledge(drive, viewer, 5_00)
    link_events(drive, make_event(title="Linked event 0"))
    login(viewer)
    with count_queries() as few:
        assert client.get(f"/drives/{drive.id}").status_code == 200
    for index, owner in enumerate(owners[2:], start=2):
        pledge(drive, owner, 10_00, show_name=index % 2 == 0, message=f"note {index}")
    link_events(drive, *(make_event(title=f"Linked event {n}") for n in range(1, 12)))
    with count_queries() as many:
        page = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "$305" in page
    assert page.count("Linked event ") == 12
    assert len(few) == len(many), (few, many)


def test_cover_route_404_without_cover(client, make_drive):
    assert client.get(f"/drives/{make_drive().id}/cover").status_code == 404


def test_drive_list_and_community_link_for_visitors(client, make_drive):
    make_drive(name="Coats for Kids")
    make_drive(name="Old drive", status=DriveStatus.CLOSED)
    make_drive(name="Secret draft", status=DriveStatus.DRAFT)
    page = client.get("/drives/").get_data(as_text=True)
    assert "Coats for Kids" in page and "Old drive" in page
    assert "Secret draft" not in page
