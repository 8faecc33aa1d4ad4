"""Command-line tools: staff accounts and the demo dealership."""

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db


def test_create_user_makes_a_verified_admin(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--role",
            "admin",
            "--email",
            "Boss@Dealership.example",
            "--name",
            "Alex Morgan",
            "--password",
            "a strong admin passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.is_verified) == ("boss@dealership.example", "admin", True)


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-user", "--email", "a@b.example", "--name", "A", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_seed_demo_prints_logins_and_runs_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@dealership.example" in result.output
    assert "owners-club-demo" in result.output
    people = db.session.scalar(select(func.count()).select_from(User))
    assert people >= 22
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == people
