"""The pages composed from several domains, each one ordered list of sections.

A section is a template and a loader that returns its context for the page's subject (the
signed-in person, an owner a member of staff is looking at, or an event). The app keeps
these lists (`portal.sections.install`), so the view that renders a page, whatever its
domain, never imports the domains that contribute to it.
"""

from portal.charity import views as charity_views
from portal.events import admin as events_admin
from portal.events import calendar_views
from portal.events import views as events_views
from portal.feedback import admin as feedback_admin
from portal.feedback import views as feedback_views
from portal.garage import views as garage_views
from portal.referrals import admin as referrals_admin
from portal.reminders import views as reminders_views
from portal.rewards import admin as rewards_admin
from portal.rewards import views as rewards_views
from portal.sections import Section
from portal.visits import views as visits_views

#: The owner's home page, below the greeting.
HOME = (
    Section("garage/_home.html", garage_views.home_cars, garage_views.home_cars_read),
    Section("reminders/_home.html", reminders_views.home_section),
    Section("events/_home.html", events_views.next_events, events_views.next_events_read),
    Section("rewards/_home.html", rewards_views.home_section, rewards_views.home_section_read),
    Section("feedback/_home.html", feedback_views.home_section, feedback_views.home_section_read),
)

#: The owner's profile page, below their details.
PROFILE = (Section("events/_profile_calendar.html", calendar_views.calendar_feed),)

#: One event's page, under its title.
EVENT = (Section("charity/_event_drives.html", charity_views.event_drives),)

#: A member of staff's view of one owner (admin/owners/<id>), below cars and messages.
ADMIN_OWNER = (
    Section("admin/events/_owner_section.html", events_admin.owner_events),
    Section("admin/referrals/_owner_section.html", referrals_admin.owner_referrals),
    Section("admin/rewards/_owner_section.html", rewards_admin.owner_points),
    Section("admin/feedback/_owner_section.html", feedback_admin.owner_feedback),
)

#: One of the owner's cars (/garage/<id>), below its service history.
CAR = (Section("visits/_car_visits.html", visits_views.car_visits),)

PAGES = {
    "home": HOME,
    "profile": PROFILE,
    "event": EVENT,
    "admin_owner": ADMIN_OWNER,
    "car": CAR,
}
