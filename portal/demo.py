"""`flask seed-demo`: a dealership full of believable owners, cars and history."""

import random

import click
from sqlalchemy import func, select

from portal.accounts import demo as accounts_demo
from portal.accounts.models import User
from portal.charity import demo as charity_demo
from portal.community import demo as community_demo
from portal.events import demo as events_demo
from portal.extensions import db
from portal.feedback import demo as feedback_demo
from portal.garage import demo as garage_demo
from portal.referrals import demo as referrals_demo
from portal.reminders import demo as reminders_demo
from portal.rewards import demo as rewards_demo
from portal.servicelane import demo as servicelane_demo
from portal.visits import demo as visits_demo

#: Each domain's seeder, in the order the domains build on each other's data.
SEEDERS = (
    accounts_demo.seed_people,
    garage_demo.seed_garages,
    events_demo.seed_events,
    reminders_demo.seed,
    servicelane_demo.seed_service_lane,
    visits_demo.seed_visits,
    referrals_demo.seed_referrals,
    charity_demo.seed_charity,
    rewards_demo.seed_rewards,
    community_demo.seed_announcements,
    feedback_demo.seed_feedback,
)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
@click.option("--seed", default=2026, help="Random seed, for the same demo every time.")
def seed_demo(if_empty: bool, seed: int) -> None:
    """Load a demo dealership and print the logins."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("Demo data already loaded; sign in with the logins printed earlier.")
            return
        raise click.ClickException("The database already has accounts; seed an empty one.")
    data = accounts_demo.DemoData(rng=random.Random(seed))
    for seed_domain in SEEDERS:
        seed_domain(data)
    db.session.commit()
    click.echo("Demo dealership ready. Sign in at http://127.0.0.1:5000/login with:")
    for role, email, password in data.logins:
        click.echo(f"  {role:<12} {email:<34} {password}")
