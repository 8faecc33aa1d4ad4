"""`flask create-user`: make staff (or owner) accounts from the command line."""

import click
from flask import current_app

from portal import clock
from portal.accounts.models import Role
from portal.accounts.services import members
from portal.errors import ServiceError
from portal.extensions import db


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), default="owner")
@click.password_option(help="At least 12 characters.")
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create an account whose email counts as verified."""
    try:
        user = members.create_user(
            db.session,
            name=name,
            email=email,
            password=password,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            role=Role(role),
            verified_at=clock.now(),
        )
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {role} {user.email}.")
