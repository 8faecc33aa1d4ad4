"""`flask notify run`: one message per newly due reminder, within consent, sent exactly once."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import DeliveryStatus, Notification
from portal.reminders.models import ReminderState

FLASK = str(Path(sys.executable).parent / "flask")
HELPER = str(Path(__file__).with_name("notify_process.py"))


def run(runner, as_of: str):
    result = runner.invoke(args=["notify", "run", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return result.output


def notifications():
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


@pytest.fixture
def overdue_owner(make_owner, make_vehicle, add_service):
    """An owner whose Civic's service was due on 1 Nov 2025 (time-based)."""

    def make(**owner_fields):
        owner = make_owner(**owner_fields)
        car = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2024, 1, 5))
        add_service(car, date(2025, 5, 1), miles=9000)
        return owner, car

    return make


def test_sends_one_personal_email_with_text_html_and_consent_link(runner, overdue_owner, outbox):
    owner, car = overdue_owner(name="Sam Okafor", email="sam@example.com")
    output = run(runner, "2025-11-20")
    assert "1 new messages" in output and "sent 1" in output
    [email] = outbox()
    assert email["To"] == "sam@example.com"
    assert email["Subject"] == "Sam, your Blue Civic is ready for its service"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Hello Sam," in text and car.vin[-6:] in text
    assert "/preferences/" in text and "/preferences/" in html
    assert "/reminders" in html
    [message] = notifications()
    assert (message.key, message.status) == (
        f"reminder:service:vehicle-{car.id}:2025-05-01:overdue",
        DeliveryStatus.SENT,
    )


def test_rerun_sends_nothing_and_overdue_after_due_soon_reaches_only_the_inbox(
    runner, make_owner, make_vehicle, add_service, outbox
):
    owner = make_owner()
    car = make_vehicle(owner, purchase_date=date(2024, 5, 1), purchase_odometer=None)
    add_service(car, date(2025, 5, 1))  # due 1 Nov, by time
    run(runner, "2025-10-10")
    run(runner, "2025-10-11")
    assert [m["Subject"] for m in outbox()] == [
        f"{owner.first_name}, your 2022 Honda Civic is due for a service"
    ]
    run(runner, "2025-11-02")
    run(runner, "2025-11-03")
    # The owner heard about this service once by email; the inbox shows it became overdue.
    assert len(outbox()) == 1
    assert [(n.key.rsplit(":", 1)[1], n.status) for n in notifications()] == [
        ("due_soon", DeliveryStatus.SENT),
        ("overdue", DeliveryStatus.REPEAT),
    ]


def test_only_within_consent_and_on_the_chosen_channel(runner, overdue_owner, make_vehicle, outbox):
    no_service, _ = overdue_owner(consent_service=False)
    inbox_only, _ = overdue_owner(preferred_channel="inbox")
    # An anniversary in ten days: only with the celebration opt-in.
    celebrates, _ = overdue_owner(
        consent_service=False, birthday=date(1980, 1, 1), birthday_messages=True
    )
    make_vehicle(celebrates, purchase_date=date(2023, 11, 30))
    quiet, _ = overdue_owner(consent_service=False)
    make_vehicle(quiet, purchase_date=date(2023, 11, 30))
    run(runner, "2025-11-20")
    by_user = {(n.user_id, n.kind): n.status for n in notifications()}
    assert by_user == {
        (inbox_only.id, "service"): DeliveryStatus.INBOX_ONLY,
        (celebrates.id, "anniversary"): DeliveryStatus.SENT,
    }
    assert [m["Subject"] for m in outbox()] == [
        f"{celebrates.first_name}, 2 years together with your 2022 Honda Civic"
    ]


def test_snoozed_reminders_wait_until_the_snooze_ends(runner, overdue_owner, outbox):
    owner, car = overdue_owner()
    key = f"service:vehicle-{car.id}:2025-05-01"
    db.session.add(ReminderState(user_id=owner.id, key=key, snoozed_until=date(2025, 11, 27)))
    db.session.commit()
    run(runner, "2025-11-20")
    assert outbox() == []
    run(runner, "2025-11-27")
    assert len(outbox()) == 1


def test_a_failed_send_is_recorded_shown_to_admins_and_sent_next_run(
    app, runner, overdue_owner, smtp_server, make_user, client, login
):
    from portal.accounts.models import Role

    owner, car = overdue_owner()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    output = run(runner, "2025-11-20")
    assert "failed 1" in output
    [message] = notifications()
    assert message.status == DeliveryStatus.FAILED and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error

    admin = make_user(role=Role.ADMIN)
    login(admin)
    log = client.get("/admin/notifications?status=failed").get_data(as_text=True)
    assert "ConnectionRefusedError" in log and "Retry now" in log

    app.config["MAIL_PORT"] = smtp_server.port
    assert "sent 1" in run(runner, "2025-11-20")
    db.session.expire_all()
    assert notifications()[0].status == DeliveryStatus.SENT
    assert notifications()[0].last_error is None
    assert [m["To"] for m in smtp_server.messages] == [owner.email]


def test_admin_retry_button_sends_a_failed_message_now(
    app, runner, overdue_owner, smtp_server, make_user, client, login
):
    from portal.accounts.models import Role

    overdue_owner()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    run(runner, "2025-11-20")
    [message] = notifications()
    db.session.execute(
        Notification.__table__.update().values(attempts=5)
    )  # gave up: only an admin brings it back
    db.session.commit()
    app.config["MAIL_PORT"] = smtp_server.port
    assert "sent 0" in run(runner, "2025-11-20")

    login(make_user(role=Role.ADMIN))
    response = client.post(f"/admin/notifications/{message.id}/retry")
    assert response.status_code == 303
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert notifications()[0].status == DeliveryStatus.SENT


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(app, smtp_server, tmp_path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "PORTAL_INSTANCE_PATH": str(tmp_path / "process-instance"),
        "PORTAL_BASE_URL": "http://portal.example",
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": "false",
    }


def _fleet_of_overdue_owners(overdue_owner, count: int) -> list[str]:
    """Owners with an overdue service; returns the addresses that should get an email."""
    expected = []
    for number in range(count):
        owner, _ = overdue_owner(
            consent_service=number % 5 != 0,
            preferred_channel="inbox" if number % 7 == 3 else "email",
        )
        if owner.consent_service and owner.preferred_channel == "email":
            expected.append(owner.email)
    db.session.commit()
    return expected


def _run_two_at_once(commands, env) -> None:
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for command in commands
    ]
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output.decode()


@pytest.mark.slow
def test_two_runs_started_at_once_send_each_message_exactly_once(
    app, overdue_owner, smtp_server, tmp_path
):
    expected = _fleet_of_overdue_owners(overdue_owner, 24)
    env = _environment(app, smtp_server, tmp_path)
    command = [FLASK, "--app", "portal", "notify", "run", "--as-of", "2025-11-20"]
    _run_two_at_once([command, command], env)

    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == sorted(expected)
    for message in smtp_server.messages:
        assert message.get_body(("plain",)) is not None
        html = message.get_body(("html",)).get_content()
        assert "http://portal.example/preferences/" in html
    db.session.expire_all()
    assert {n.status for n in notifications()} <= {DeliveryStatus.SENT, DeliveryStatus.INBOX_ONLY}
    db.session.rollback()  # on SQLite an open read holds the write lock (BEGIN IMMEDIATE)

    later = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert later.returncode == 0, later.stdout.decode() + later.stderr.decode()
    assert len(smtp_server.messages) == len(expected)  # a later run has nothing left to send


@pytest.mark.slow
def test_control_a_check_then_send_dispatcher_does_send_twice(
    app, overdue_owner, smtp_server, tmp_path
):
    expected = _fleet_of_overdue_owners(overdue_owner, 6)
    env = _environment(app, smtp_server, tmp_path)
    meeting = tmp_path / "naive-runs-meet-here"
    command = [sys.executable, HELPER, "--naive", str(meeting), "--as-of", "2025-11-20"]
    _run_two_at_once([command, command], env)
    assert len(smtp_server.messages) > len(expected), "the overlap test would not catch the race"
