"""Registration questions: staff define them, owners answer at RSVP and change their answers
until RSVPs close, staff read them on the attendee list and in the CSV."""

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEntry
from portal.events.forms import GuestsForm
from portal.events.models import Event, Rsvp
from portal.events.question_forms import answers_form
from portal.events.question_models import EventQuestion, RsvpAnswer, RsvpGuestName
from portal.events.question_queries import Registration
from portal.events.services import questions as services
from portal.extensions import db

HTMX = {"HX-Request": "true"}


def _ask(event: Event, label: str, kind: str = "text", required: bool = False, options=()):
    question = services.add_question(
        db.session,
        event,
        kind=kind,
        label=label,
        required=required,
        options_text="\n".join(options),
    ).question
    db.session.commit()
    return question


def _car_and_diet(event: Event) -> tuple[EventQuestion, EventQuestion, EventQuestion]:
    car = _ask(event, "Which car will you bring?", "choice", True, ["MX-5", "CX-5", "None"])
    diet = _ask(event, "Any dietary needs?")
    drive = _ask(event, "Would you like a test drive?", "yes_no", True)
    return car, diet, drive


def _answers(rsvp_id: int) -> dict[int, str]:
    rows = db.session.execute(
        select(RsvpAnswer.question_id, RsvpAnswer.value).where(RsvpAnswer.rsvp_id == rsvp_id)
    )
    return dict(rows.all())


def _csv(client, event_id: int) -> list[list[str]]:
    response = client.get(f"/admin/events/{event_id}/attendees.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- Staff define the questions -----------------------------------------------------------


def test_staff_add_reorder_and_audit_questions(client, login, make_coordinator, make_event):
    event = make_event()
    login(make_coordinator())
    base = f"/admin/events/{event.id}/questions"
    assert client.get(base).status_code == 200
    form = {
        "label": "Which car?",
        "kind": "choice",
        "options": "MX-5\n\nMX-5\n CX-5 ",
        "required": "y",
    }
    assert client.post(base, data=form).status_code == 303
    assert client.post(base, data={"label": "Diet?", "kind": "text"}).status_code == 303
    car, diet = db.session.scalars(select(EventQuestion).order_by(EventQuestion.position)).all()
    assert car.options == ["MX-5", "CX-5"] and car.required and not diet.required
    assert client.post(f"{base}/{diet.id}/up").status_code == 303
    db.session.expire_all()
    assert [
        q.label for q in db.session.scalars(select(EventQuestion).order_by(EventQuestion.position))
    ] == ["Diet?", "Which car?"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"event.question.add", "event.question.move"} <= actions
    page = client.get(base).get_data(as_text=True)
    assert "Which car?" in page and "MX-5 · CX-5" in page


def test_a_choice_needs_two_options_and_says_so(client, login, make_coordinator, make_event):
    event = make_event()
    login(make_coordinator())
    response = client.post(
        f"/admin/events/{event.id}/questions",
        data={"label": "Which car?", "kind": "choice", "options": "Only one"},
    )
    assert response.status_code == 422
    assert "at least two options" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EventQuestion)) == 0


def test_removing_an_answered_question_keeps_its_answers(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event()
    diet = _ask(event, "Any dietary needs?")
    unanswered = _ask(event, "Parking?")
    rsvp = rsvp_as(make_owner(name="Priya Patel"), event)
    services.save_answers(db.session, rsvp=rsvp, answers={diet.id: "Vegetarian"})
    db.session.commit()
    login(make_coordinator())
    base = f"/admin/events/{event.id}/questions"
    unanswered_id, diet_id = unanswered.id, diet.id
    assert client.post(f"{base}/{diet_id}/remove").status_code == 303
    assert client.post(f"{base}/{unanswered_id}/remove").status_code == 303
    db.session.expire_all()
    assert db.session.get(EventQuestion, unanswered_id) is None
    assert db.session.get(EventQuestion, diet_id).retired_at is not None
    assert _answers(rsvp.id) == {diet_id: "Vegetarian"}
    header, row = _csv(client, event.id)
    assert header[-1] == "Any dietary needs? (removed)" and row[-1] == "Vegetarian"
    show = client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "Vegetarian" in show and "question removed" in show
    assert client.post(f"{base}/{diet_id}/restore").status_code == 303
    db.session.expire_all()
    assert db.session.get(EventQuestion, diet_id).retired_at is None


def test_changing_a_choices_options_keeps_answers_and_says_how_many(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event()
    car = _ask(event, "Which car?", "choice", True, ["MX-5", "CX-5"])
    rsvp = rsvp_as(make_owner(), event)
    services.save_answers(db.session, rsvp=rsvp, answers={car.id: "CX-5"})
    db.session.commit()
    login(make_coordinator())
    response = client.post(
        f"/admin/events/{event.id}/questions/{car.id}/edit",
        data={"label": "Which car?", "options": "MX-5\nCX-30", "required": "y"},
        follow_redirects=True,
    )
    assert "1 earlier answer names an option no longer offered" in response.get_data(as_text=True)
    assert _answers(rsvp.id) == {car.id: "CX-5"}
    show = client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "no longer an option" in show


# --- Owners answer at RSVP ----------------------------------------------------------------


def test_owner_answers_at_rsvp_without_javascript(client, login, make_owner, make_event):
    event = make_event()
    car, diet, drive = _car_and_diet(event)
    owner = make_owner()
    login(owner)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Which car will you bring?" in page and f'name="{car.field_name}"' in page
    response = client.post(
        f"/events/{event.id}/rsvp",
        data={
            "guests": "0",
            car.field_name: "MX-5",
            diet.field_name: "  No  nuts ",
            drive.field_name: "Yes",
        },
    )
    assert response.status_code == 303
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.user_id == owner.id))
    assert rsvp.status == "confirmed"
    assert _answers(rsvp.id) == {car.id: "MX-5", diet.id: "No nuts", drive.id: "Yes"}
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Your answers" in page and "No nuts" in page and "Change your answers" in page


def test_required_answer_missing_books_nothing_and_says_where(
    client, login, make_owner, make_event
):
    event = make_event()
    car, diet, drive = _car_and_diet(event)
    login(make_owner())
    for headers in ({}, HTMX):
        response = client.post(
            f"/events/{event.id}/rsvp",
            data={"guests": "0", diet.field_name: "Vegan", drive.field_name: "Maybe"},
            headers=headers,
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="{car.field_name}-error"' in html and "Please answer this question" in html
        assert "Please pick one of the options listed." in html  # "Maybe" is not yes or no
        assert 'value="Vegan"' in html  # what they typed is kept
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 0
    assert db.session.scalar(select(func.count()).select_from(RsvpAnswer)) == 0
    db.session.expire_all()
    assert db.session.get(Event, event.id).seats_taken == 0


def test_a_choice_outside_the_options_and_hostile_input_are_refused(
    client, login, make_owner, make_event
):
    event = make_event()
    car = _ask(event, "Which car?", "choice", True, ["MX-5", "CX-5"])
    note = _ask(event, "Anything else?")
    login(make_owner())
    for answers in (
        {car.field_name: "Tesla"},
        {car.field_name: "MX-5", note.field_name: "x" * 100_000},
        {car.field_name: "MX-5", note.field_name: "nul\x00byte"},
        {car.field_name: "MX-5\x00"},
    ):
        response = client.post(f"/events/{event.id}/rsvp", data={"guests": "0", **answers})
        assert 400 <= response.status_code < 500, answers
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 0


def test_htmx_rsvp_with_answers_returns_the_box_showing_them(client, login, make_owner, make_event):
    event = make_event()
    car, diet, drive = _car_and_diet(event)
    login(make_owner())
    response = client.post(
        f"/events/{event.id}/rsvp",
        data={"guests": "0", car.field_name: "CX-5", drive.field_name: "No"},
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "You're going" in html and "CX-5" in html and "Not answered yet" in html


def test_guest_names_are_asked_per_guest_when_the_event_asks(client, login, make_owner, make_event):
    event = make_event(guests_allowed=2)
    event.ask_guest_names = True
    db.session.commit()
    owner = make_owner()
    login(owner)
    response = client.post(
        f"/events/{event.id}/rsvp", data={"guests": "2", "guest_name_1": "Ama Mensah"}
    )
    assert response.status_code == 422
    assert "Please give this guest&#39;s name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 0
    response = client.post(
        f"/events/{event.id}/rsvp",
        data={"guests": "1", "guest_name_1": "Ama Mensah", "guest_name_2": "Ignored"},
    )
    assert response.status_code == 303
    names = db.session.scalars(select(RsvpGuestName.name)).all()
    assert names == ["Ama Mensah"]
    assert "Ama Mensah" in client.get(f"/events/{event.id}").get_data(as_text=True)


# --- Changing answers until RSVPs close ---------------------------------------------------


def test_owner_changes_answers_until_rsvps_close_then_sees_them_read_only(
    client, login, make_owner, make_event, rsvp_as
):
    event = make_event(rsvp_closes_at=clock.now() + timedelta(days=2))
    car, diet, drive = _car_and_diet(event)
    owner = make_owner()
    rsvp = rsvp_as(owner, event)
    services.save_answers(db.session, rsvp=rsvp, answers={car.id: "MX-5", drive.id: "Yes"})
    db.session.commit()
    login(owner)
    url = f"/rsvps/{rsvp.id}/answers"
    page = client.get(url).get_data(as_text=True)
    assert "Save my answers" in page and "EST" in page
    changed = {car.field_name: "None", diet.field_name: "Coeliac", drive.field_name: "No"}
    response = client.post(url, data=changed, headers=HTMX)
    assert response.status_code == 200 and "your answers are saved" in response.get_data(
        as_text=True
    )
    assert _answers(rsvp.id) == {car.id: "None", diet.id: "Coeliac", drive.id: "No"}
    response = client.post(url, data={car.field_name: "", drive.field_name: "No"})
    assert response.status_code == 422
    assert _answers(rsvp.id)[car.id] == "None"
    event.rsvp_closes_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(url, data={car.field_name: "CX-5", drive.field_name: "Yes"})
    assert response.status_code == 422
    assert "RSVPs have closed" in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Save my answers" not in page and "Coeliac" in page
    box = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Change your answers" not in box and "RSVPs have closed" in box
    assert _answers(rsvp.id) == {car.id: "None", diet.id: "Coeliac", drive.id: "No"}


def test_answers_of_other_owners_and_events_are_untouched(
    client, login, make_owner, make_event, rsvp_as
):
    first, second = make_event(title="Clinic"), make_event(title="Launch")
    mine = _ask(first, "Which car?")
    theirs = _ask(second, "Which car?")
    owner, other = make_owner(), make_owner()
    my_rsvp = rsvp_as(owner, first)
    other_rsvp = rsvp_as(other, first)
    my_second = rsvp_as(owner, second)
    services.save_answers(db.session, rsvp=other_rsvp, answers={mine.id: "Theirs"})
    services.save_answers(db.session, rsvp=my_second, answers={theirs.id: "Second event"})
    db.session.commit()
    login(owner)
    assert client.get(f"/rsvps/{other_rsvp.id}/answers").status_code == 404
    assert (
        client.post(f"/rsvps/{other_rsvp.id}/answers", data={mine.field_name: "Mine"}).status_code
        == 404
    )
    # A field naming another event's question is ignored.
    data = {mine.field_name: "Mine", theirs.field_name: "Hijack"}
    assert client.post(f"/rsvps/{my_rsvp.id}/answers", data=data).status_code == 303
    assert _answers(my_rsvp.id) == {mine.id: "Mine"}
    assert _answers(other_rsvp.id) == {mine.id: "Theirs"}
    assert _answers(my_second.id) == {theirs.id: "Second event"}


# --- The CSV ------------------------------------------------------------------------------


def test_csv_has_a_column_per_question_and_guest_names_injection_safe(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event(guests_allowed=1)
    event.ask_guest_names = True
    db.session.commit()
    car, diet, drive = _car_and_diet(event)
    answered = rsvp_as(make_owner(name="Priya Patel"), event, guests=1)
    services.save_answers(
        db.session,
        rsvp=answered,
        answers={car.id: "MX-5", diet.id: '=HYPERLINK("http://x")', drive.id: "Yes"},
        guest_names=["@Sam Guest"],
    )
    rsvp_as(make_owner(name="Quiet Quinn"), event)
    db.session.commit()
    login(make_coordinator())
    header, *rows = _csv(client, event.id)
    assert header[-4:] == [
        "Which car will you bring?",
        "Any dietary needs?",
        "Would you like a test drive?",
        "Guest names",
    ]
    by_name = {row[0]: row for row in rows}
    assert by_name["Priya Patel"][-4:] == ["MX-5", '\'=HYPERLINK("http://x")', "Yes", "'@Sam Guest"]
    assert by_name["Quiet Quinn"][-4:] == ["", "", "", ""]
    show = client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "MX-5" in show and "@Sam Guest" in show


def test_staff_list_and_csv_read_answers_in_a_fixed_number_of_statements(
    client, login, make_coordinator, make_owner, make_event, rsvp_as, count_queries
):
    event = make_event(capacity=30)
    car, diet, drive = _car_and_diet(event)
    login(make_coordinator())

    def statements(path):
        client.get(path)
        with count_queries() as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    rsvp = rsvp_as(make_owner(), event)
    services.save_answers(db.session, rsvp=rsvp, answers={car.id: "MX-5", drive.id: "No"})
    db.session.commit()
    few = statements(f"/admin/events/{event.id}/attendees.csv")
    for _ in range(5):
        rsvp = rsvp_as(make_owner(), event)
        services.save_answers(db.session, rsvp=rsvp, answers={car.id: "CX-5", drive.id: "Yes"})
    db.session.commit()
    assert statements(f"/admin/events/{event.id}/attendees.csv") == few


def test_staff_turn_on_guest_names_and_the_door_card_shows_them(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event(guests_allowed=2)
    diet = _ask(event, "Any dietary needs?")
    login(make_coordinator())
    response = client.post(f"/admin/events/{event.id}/guest-names", data={"ask_guest_names": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).ask_guest_names
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "event"))
    rsvp = rsvp_as(make_owner(name="Sam Okafor"), event, guests=1)
    services.save_answers(
        db.session, rsvp=rsvp, answers={diet.id: "Vegan"}, guest_names=["Ama Mensah"]
    )
    db.session.commit()
    door = client.get(f"/admin/events/{event.id}/door?q=Sam").get_data(as_text=True)
    assert "Ama Mensah" in door and "Vegan" in door


def test_the_staff_list_reads_guests_names_only_for_people_who_bring_guests(
    client, login, make_coordinator, make_owner, make_event, rsvp_as, count_queries
):
    event = make_event(guests_allowed=2)
    event.ask_guest_names = True
    sam = rsvp_as(make_owner(name="Sam Okafor"), event, guests=1)
    services.save_answers(db.session, rsvp=sam, answers={}, guest_names=["Ama Mensah"])
    rsvp_as(make_owner(name="Quiet Quinn"), event)
    db.session.commit()
    login(make_coordinator())
    url = f"/admin/events/{event.id}"
    client.get(url)
    with count_queries() as alone:
        quinn = client.get(f"{url}?q=Quinn").get_data(as_text=True)
    with count_queries() as both:
        everyone = client.get(url).get_data(as_text=True)
    assert "Quiet Quinn" in quinn and "Ama Mensah" not in quinn
    assert "Ama Mensah" in everyone
    assert not [sql for sql in alone if "rsvp_guest_names" in sql]
    assert [sql for sql in both if "rsvp_guest_names" in sql]


def test_an_event_that_asks_nothing_gets_the_plain_guests_form(app, make_event):
    event = make_event(guests_allowed=2)
    with app.test_request_context():
        form = answers_form(Registration(event, []), 2, with_guests=True, guests=1)
    assert type(form) is GuestsForm and form.guests.data == 1


def test_the_event_page_reads_questions_only_when_the_event_asks_one(
    client, login, make_owner, make_event, count_queries
):
    """An event's page knows from its own statement whether the event asks anything now: one
    that asks nothing (or whose only question was removed) reads no question; one that asks
    shows its question in the RSVP form."""
    plain, asking, removed = make_event(), make_event(days=12), make_event(days=13)
    question = _ask(asking, "Any dietary needs?")
    _ask(removed, "Parking?").retired_at = clock.now()  # removed after someone answered it
    db.session.commit()
    login(make_owner())
    for event, asks in ((plain, False), (asking, True), (removed, False)):
        client.get(f"/events/{event.id}")
        with count_queries() as statements:
            page = client.get(f"/events/{event.id}").get_data(as_text=True)
        read_questions = [sql for sql in statements if sql.startswith("SELECT event_questions.")]
        assert len(read_questions) == (1 if asks else 0), event.title
        assert ("Any dietary needs?" in page) is asks
        assert (f'name="{question.field_name}"' in page) is asks
        assert "Parking?" not in page
