"""Events fixtures: events made through the service, coordinators, owners with cars."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.accounts.models import Role
from portal.events.models import EventKind, EventStatus
from portal.events.services import planning as services
from portal.events.services import rsvps
from portal.extensions import db
from portal.garage.models import Vehicle

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TZ = "America/New_York"


@pytest.fixture
def make_event(app):
    """Create a published event: `make_event(capacity=10, guests_allowed=1, ...)`."""

    def factory(**overrides):
        status = overrides.pop("status", EventStatus.PUBLISHED)
        starts_at = overrides.pop("starts_at", clock.now() + timedelta(days=10))
        values = {
            "title": "Winter care clinic",
            "kind": EventKind.CLINIC,
            "description": "Tyres, batteries and wipers.",
            "location": "Service centre",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "capacity": 10,
        }
        values.update(overrides)
        event = services.create_event(db.session, services.EventDetails(**values), clock.now())
        if status != EventStatus.DRAFT:
            services.publish_event(db.session, event, clock.now())
        db.session.commit()
        return event

    return factory


@pytest.fixture
def make_coordinator(make_user):
    return lambda **overrides: make_user(role=Role.COORDINATOR, **overrides)


@pytest.fixture
def add_car(app):
    """Give an owner an active car: `add_car(owner, make="Mazda", model="MX-5", year=2020)`."""
    counter = iter(range(1, 1_000_000))

    def factory(owner, make="Mazda", model="MX-5", year=2020, retired=False):
        vehicle = Vehicle(
            owner_id=owner.id,
            vin=f"JM1NDAD7{next(counter):09d}",
            make=make,
            model=model,
            year=year,
            retired_at=clock.now() if retired else None,
        )
        db.session.add(vehicle)
        db.session.commit()
        return vehicle

    return factory


@pytest.fixture
def rsvp_as(app):
    """Place an RSVP through the service and commit: `rsvp_as(owner, event, guests=0)`."""

    def place(owner, event, guests=0):
        outcome = rsvps.place_rsvp(
            db.session,
            event=event,
            user=owner,
            guests=guests,
            now=clock.now(),
            tz=TZ,
            secret_key=app.config["SECRET_KEY"],
        )
        db.session.commit()
        return outcome.rsvp

    return place


class LiveSession:
    """One browser-like session against the live server (stdlib only): cookies and CSRF."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = self.base_url + path  # always the loopback http:// live server
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, path: str = "/login") -> str:
        status, html = self.request(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        form = {"email": email, "password": password, "csrf_token": token}
        status, _ = self.request("/login", form)
        assert status == 303, status
        self.token = self.csrf_token("/events")

    def post(self, path: str, data: dict | None = None, htmx: bool = False):
        headers = {"X-CSRFToken": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request(path, dict(data or {}, csrf_token=self.token), headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def live_session(live_server):
    return lambda: LiveSession(live_server)
