"""Feedback fixtures: a dealership visit, the nightly job, and the link the owner was sent."""

from datetime import date, datetime

import pytest

from portal import clock
from portal.extensions import db
from portal.garage.models import ServiceRecord
from tests import factories
from tests.feedback.helpers import NEXT_MORNING, VISIT_DAY, link_of, survey_messages, surveys


@pytest.fixture
def make_visit(app):
    """`make_visit(owner, on=VISIT_DAY, advisor=None, at_dealership=True, car=None)`."""

    def make(owner, on: date = VISIT_DAY, advisor=None, at_dealership=True, car=None, **extra):
        car = car or factories.vehicle(owner, model="Golf", make="Volkswagen", nickname="Golf")
        values = {
            "vehicle_id": car.id,
            "performed_on": on,
            "miles": 30_112,
            "work_done": "30,000-mile service: fluids, filters, inspection.",
            "at_dealership": at_dealership,
            "advisor_id": advisor.id if advisor else None,
        }
        record = ServiceRecord(**(values | extra))
        db.session.add(record)
        db.session.commit()
        return record

    return make


@pytest.fixture
def run_job(runner):
    """`run_job("2026-12-01")`: `flask notify run --as-of`, at the clock's time."""

    def run(as_of: str | None = None, at: datetime = NEXT_MORNING):
        db.session.commit()
        with clock.frozen(at):
            result = runner.invoke(args=["notify", "run", *(["--as-of", as_of] if as_of else [])])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result

    return run


@pytest.fixture
def asked(make_owner, make_visit, run_job):
    """An owner asked about yesterday's Golf service: (owner, survey, link path)."""
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    make_visit(owner)
    run_job("2026-12-01")
    (message,) = survey_messages()
    (survey,) = surveys()
    return owner, survey, link_of(message)
