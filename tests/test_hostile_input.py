"""The hostile-input walk: every page a visitor, an owner, a coordinator and an admin can
reach, every form on them submitted with hostile values; no answer is a 5xx.

The walk starts from the home page (and the staff dashboard), follows the links on the site,
opens every GET route with arguments seen in those links, and reads each page's forms the
way a browser does. A planted, deliberately unguarded form proves it finds crashes.
"""

from pathlib import Path

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField

from portal.accounts.models import StaffNote, User
from portal.extensions import db
from tests.conftest import parse_mail
from tests.hostile_walk import SHOWN_LINK, Walker

pytestmark = pytest.mark.slow  # a walk of every page and form, for four roles

DEMO_PASSWORD = "owners-club-demo"  # noqa: S105 - the demo's published password

#: Who walks, in this order; the visitor goes last, with links the others revealed.
ROLES = (
    ("owner", "sam.okafor@example.com", ["/"]),
    ("coordinator", "events@dealership.example", ["/", "/admin/"]),
    ("admin", "admin@dealership.example", ["/", "/admin/"]),
    ("visitor", None, ["/"]),
)
CONTROL = "walk_control"


class UnguardedForm(FlaskForm):
    """Deliberately not a PortalForm: nothing stops NUL or a 10^30 number."""

    note = StringField()
    owner = IntegerField()


def plant_unguarded_route(app) -> None:
    """A test-only page storing a field into a text column and looking up a number unchecked."""

    @app.route("/walk-control", methods=["GET", "POST"], endpoint=CONTROL)
    def control():
        form = UnguardedForm()
        if form.is_submitted():  # CSRF is checked app-wide; nothing else is
            if form.owner.data:
                db.session.get(User, form.owner.data)  # 10^30: overflow, on both databases
            if form.note.data:
                db.session.add(StaffNote(owner_id=1, body=form.note.data))
                db.session.commit()  # NUL: DataError on PostgreSQL
        return render_template_string(
            '<form method="post">{{ form.csrf_token }}{{ form.note }}{{ form.owner }}</form>',
            form=form,
        )


def email_links(app) -> list[str]:
    """Paths of the links in every email the portal has written so far."""
    texts = []
    for path in Path(app.config["MAIL_OUTBOX"]).glob("*.eml"):
        message = parse_mail(path.read_bytes())
        texts.append(message.get_body(preferencelist=("plain",)).get_content())
    return sorted(set(SHOWN_LINK.findall("\n".join(texts))))


def sign_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303, f"{email} could not sign in"


def signed_out(client) -> bool:
    return client.get("/account/profile").status_code != 200


@pytest.fixture
def walk_config(app_config):
    """Limits off (the walk is not about them); errors answered as 500 pages, not raised."""
    app_config.update(RATELIMIT_ENABLED=False, PROPAGATE_EXCEPTIONS=False)


def test_hostile_input_never_answers_5xx(walk_config, app, runner, database):
    plant_unguarded_route(app)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["notify", "run"]).exit_code == 0
    app.test_client().post("/forgot-password", data={"email": "priya.patel@example.com"})
    # File inputs get the import's own sample (a drive's cover refuses it, as it should).
    sample = app.test_client()
    sign_in(sample, "admin@dealership.example")
    walker = Walker(app, upload=sample.get("/admin/imports/sample.csv").get_data())

    for role, email, start in ROLES:
        client = app.test_client()
        if email:
            sign_in(client, email)
        else:
            start = start + email_links(app)

        def keep_role(response, client=client, email=email):
            # A link or a form may sign the walker in (sign-up, a claim link) or out.
            if email is None:
                client.delete_cookie("session")
            elif response.headers.get("Location", "").startswith("/login") and signed_out(client):
                sign_in(client, email)

        walker.walk(client, role, start, keep_role)

    crashes = [failure for failure in walker.failures if failure.endpoint != CONTROL]
    assert not crashes, f"{len(crashes)} answers of 5xx:\n" + "\n".join(map(str, crashes))

    # The negative control: the walk really finds crashes.
    found = {failure.kind for failure in walker.failures if failure.endpoint == CONTROL}
    assert "10^30" in found
    if database == "postgresql":
        assert "nul" in found
    assert len(walker.forms_walked) >= 50, sorted(walker.forms_walked)
