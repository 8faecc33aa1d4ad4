"""The owner answers 1-5 and a comment, from the link or signed in; only their own survey."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.feedback.models import FollowUp
from tests.feedback.helpers import NEXT_MORNING, surveys

LATER = NEXT_MORNING + timedelta(hours=3)


def _post(client, path, **data):
    with clock.frozen(LATER):
        return client.post(path, data=data)


def test_the_link_shows_the_question_and_the_form_without_signing_in(client, asked):
    owner, survey, link = asked
    with clock.frozen(LATER):
        response = client.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "How did the 30,000-mile service on your Golf go, Sam?" in page
    for score in range(1, 6):
        assert re.search(f'name="score"[^>]*type="radio" value="{score}"', page)
    assert "<legend>" in page  # the radio buttons are one labelled group


def test_answering_from_the_link_saves_the_score_and_comment(client, asked):
    owner, survey, link = asked
    response = _post(client, link, score="5", comment="  Quick and friendly.  ")
    assert response.status_code == 303
    assert response.headers["Location"] == link
    (saved,) = surveys()
    assert (saved.score, saved.comment) == (5, "Quick and friendly.")
    assert saved.answered_at == LATER
    with clock.frozen(LATER):
        page = client.get(link).get_data(as_text=True)
    assert "Thank you, Sam" in page
    assert "Change my answer" in page
    assert db.session.query(FollowUp).count() == 0


def test_the_link_signs_nobody_in(client, asked):
    owner, survey, link = asked
    _post(client, link, score="4")
    assert client.get("/inbox").status_code == 302


def test_an_answer_can_be_changed_for_a_week_then_it_is_final(client, asked):
    owner, survey, link = asked
    _post(client, link, score="3")
    with clock.frozen(LATER + timedelta(days=6)):
        assert client.post(link, data={"score": "4"}).status_code == 303
    with clock.frozen(LATER + timedelta(days=8)):
        refused = client.post(link, data={"score": "5"})
        shown = client.get(link).get_data(as_text=True)
    assert refused.status_code == 422
    (saved,) = surveys()
    assert saved.score == 4
    assert saved.answered_at == LATER  # the first answer's time stays
    assert "You told us <strong>4 out of 5</strong>" in shown


def test_an_unanswered_survey_closes_after_a_month(client, asked):
    owner, survey, link = asked
    with clock.frozen(NEXT_MORNING + timedelta(days=31)):
        assert client.post(link, data={"score": "5"}).status_code == 422
        assert "This question has closed" in client.get(link).get_data(as_text=True)
    assert surveys()[0].score is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"score": "0"},
        {"score": "6"},
        {"score": "-1"},
        {"score": "99999999999999999999999"},
        {"score": "abc"},
        {"score": "4\x00"},
        {"score": "4", "comment": "bad\x00byte"},
        {"score": "4", "comment": "x" * 100_000},
    ],
    ids=["none", "zero", "six", "negative", "huge", "text", "nul-score", "nul-comment", "100kb"],
)
def test_anything_but_a_score_from_1_to_5_is_refused_and_nothing_changes(client, asked, data):
    owner, survey, link = asked
    response = _post(client, link, **data)
    assert 400 <= response.status_code < 500
    assert surveys()[0].score is None


def test_a_post_without_the_csrf_token_is_refused(client, asked):
    owner, survey, link = asked
    with clock.frozen(LATER):
        response = client.post(link, data={"score": "5"}, csrf=False)
    assert response.status_code in (400, 422)
    assert surveys()[0].score is None


def test_a_made_up_link_is_a_404(client, asked):
    assert client.get("/how-did-it-go/not-a-real-token").status_code == 404
    assert client.get("/how-did-it-go/" + "a" * 5000).status_code in (404, 414)


def test_signed_in_the_owner_answers_from_the_portal(client, login, asked):
    owner, survey, link = asked
    login(owner)
    path = f"/visits/{survey.id}/how-did-it-go"
    with clock.frozen(LATER):
        assert client.get(path).status_code == 200
    assert _post(client, path, score="4", comment="Good.").status_code == 303
    assert surveys()[0].score == 4


def test_another_owners_survey_is_a_404_by_id_and_by_link(client, login, make_owner, asked):
    owner, survey, link = asked
    login(make_owner(name="Marcus Reyes"))
    path = f"/visits/{survey.id}/how-did-it-go"
    with clock.frozen(LATER):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"score": "1"}).status_code == 404
        assert client.get(link).status_code == 404
        assert client.post(link, data={"score": "1"}).status_code == 404
    assert surveys()[0].score is None


def test_the_home_page_asks_until_the_owner_answers(client, login, asked):
    owner, survey, link = asked
    with clock.frozen(LATER):
        login(owner)
        home = client.get("/").get_data(as_text=True)
        assert "How did the 30,000-mile service on your Golf go, Sam?" in home
        assert f'href="/visits/{survey.id}/how-did-it-go"' in home
        client.post(f"/visits/{survey.id}/how-did-it-go", data={"score": "5"})
        assert "How did the 30,000-mile service" not in client.get("/").get_data(as_text=True)


def test_a_closed_accounts_link_is_a_404(client, asked):
    owner, survey, link = asked
    owner.deactivated_at = NEXT_MORNING
    db.session.commit()
    with clock.frozen(LATER):
        assert client.get(link).status_code == 404
