"""The garage's section on the owner's home page."""

from portal.extensions import db
from portal.garage import services
from portal.sections import home_sections


@home_sections.register(10, "garage/_home.html")
def load_home_garage(user) -> dict:
    """The owner's active cars with their mileage, in one query."""
    return {"cars": services.garage_cars(db.session, user, active_only=True)}
