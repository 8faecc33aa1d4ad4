"""Demo people: an admin, a coordinator and twenty owners; and what seeders share."""

import random
import unicodedata
from dataclasses import dataclass, field

from flask import current_app

from portal import clock
from portal.accounts.models import Role, User
from portal.accounts.services.members import hash_password
from portal.extensions import db

DEMO_PASSWORD = "owners-club-demo"  # noqa: S105 - printed for the demo, never in production

FIRST_NAMES = [
    "Sam", "Priya", "Marcus", "Elena", "Tomás", "Grace", "Kenji", "Amara", "Liam", "Sofia",
    "Daniel", "Aisha", "Noah", "Hannah", "Mateo", "Chloe", "Ravi", "Olivia", "Jonah", "Mei",
]  # fmt: skip
LAST_NAMES = [
    "Okafor", "Patel", "Reyes", "Novak", "García", "Whitfield", "Tanaka", "Mensah", "Byrne",
    "Rossi", "Cohen", "Hassan", "Lindqvist", "Schmidt", "Silva", "Dubois", "Iyer", "Brennan",
    "Kowalski", "Chen",
]  # fmt: skip


def _ascii(value: str) -> str:
    """'Tomás' as 'Tomas', for demo email addresses."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


@dataclass
class DemoData:
    """What earlier seeders made, for later ones to build on."""

    rng: random.Random
    owners: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def seed_people(data: DemoData) -> None:
    """An admin, a coordinator and twenty owners, all with the demo password."""
    password_hash = hash_password(DEMO_PASSWORD, current_app.config["PASSWORD_HASH_METHOD"])
    now = clock.now()
    for email, name, role in (
        ("admin@dealership.example", "Alex Morgan", Role.ADMIN),
        ("events@dealership.example", "Jordan Blake", Role.COORDINATOR),
    ):
        user = User(email=email, name=name, role=role, password_hash=password_hash)
        user.email_verified_at = now
        data.staff.append(user)
        data.logins.append((role.value, email, DEMO_PASSWORD))
    for index, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
        email = _ascii(f"{first}.{last}@example.com").lower()
        owner = User(
            email=email,
            name=f"{first} {last}",
            password_hash=password_hash,
            phone=f"+1202555{index:04d}",
            preferred_channel=data.rng.choice(["email", "email", "sms", "inbox"]),
            consent_recognition=index % 3 == 0,
            email_verified_at=now,
        )
        data.owners.append(owner)
    data.logins.append(("owner", data.owners[0].email, DEMO_PASSWORD))
    db.session.add_all(data.staff + data.owners)
    db.session.flush()
