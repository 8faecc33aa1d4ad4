"""Two runs of the job at once ask about a visit once: the survey row is the claim."""

import threading

import pytest
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.feedback import queries, services
from tests.feedback.helpers import NEXT_MORNING, survey_messages, surveys
from tests.rendezvous import Rendezvous


def test_overlapping_runs_that_both_saw_the_visit_ask_once(
    app, database, make_owner, make_visit, monkeypatch
):
    if database == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): runs cannot overlap")
    make_visit(make_owner(name="Sam Okafor"))
    both_read = Rendezvous(2)
    unasked = queries.visits_to_ask

    def read_then_wait(session, first_day, last_day):
        found = unasked(session, first_day, last_day)
        both_read.meet()  # each run has seen the visit as not yet asked
        return found

    monkeypatch.setattr(queries, "visits_to_ask", read_then_wait)
    queued: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                ids = services.queue_surveys(
                    session,
                    NEXT_MORNING.date(),
                    NEXT_MORNING,
                    lambda token: (f"http://localhost/how-did-it-go/{token}", f"/x/{token}"),
                )
                session.commit()
                queued.append(ids)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    db.session.commit()
    engine = db.engine
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(ids) for ids in queued) == [0, 1]
    db.session.expire_all()
    assert len(surveys()) == 1
    assert len(survey_messages()) == 1
