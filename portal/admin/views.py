"""The admin area's front page: the dashboard, its charts and the reminders panel."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import render_template, url_for

from portal import clock
from portal.admin import queries
from portal.admin.charts import ACCENT, BRAND, OK, OK_SOFT, BarChart, Row, Segment, share
from portal.extensions import db
from portal.feedback.admin import dashboard_satisfaction
from portal.links import kept_per_mount, url_pattern
from portal.templating import dealership, plural
from portal.web import admin_bp as bp
from portal.web import local_today, wants_fragment

#: Staff may reload the reminders panel from their browser's cache for this long: the
#: fleet's reminders move by the day, and counting them costs seconds on a large fleet.
REMINDERS_CACHE_SECONDS = 600


def _events_chart(events: list[queries.UpcomingEvent], tz: ZoneInfo) -> BarChart:
    rows = []
    for event in events:
        full = event.seats_taken >= event.capacity
        when = event.starts_at.astimezone(tz)
        detail = f"{when:%a %-d %b} · {event.seats_taken}/{event.capacity} seats"
        if event.waitlisted:
            detail += f" · {event.waitlisted} waiting"
        rows.append(
            Row(
                label=event.title,
                value=f"{event.fill_percent}%",
                segments=[Segment(share(event.seats_taken, event.capacity), OK if full else BRAND)],
                detail=detail,
            )
        )
    return BarChart(rows)


def _funnel_chart(funnel: queries.Funnel) -> BarChart:
    return BarChart(
        [
            Row(
                label=step.label,
                value=f"{step.reached} · {step.percent}%",
                segments=[Segment(share(step.reached, funnel.referred), BRAND)],
            )
            for step in funnel.steps
        ]
    )


def _drives_chart(drives: list[queries.DriveProgress]) -> BarChart:
    rows = []
    for item in drives:
        drive, totals = item.drive, item.totals
        rows.append(
            Row(
                label=drive.name,
                value=f"{totals.percent_committed}%",
                segments=[
                    Segment(share(totals.committed, totals.goal), OK_SOFT),
                    Segment(share(totals.received, totals.goal), OK),
                ],
                detail=f"{_progress(drive, totals)} · {plural(totals.participants, 'owner')}",
            )
        )
    return BarChart(rows)


def _progress(drive, totals) -> str:
    """'$2,200 of $5,000', '52 of 300 toys'."""
    committed = drive.format_amount(totals.committed) if drive.is_money else f"{totals.committed:,}"
    return f"{committed} of {drive.format_amount(totals.goal)}"


def _reminders_chart(week: queries.WeekOfReminders) -> BarChart:
    most = max((item.count for item in week.kinds), default=0)
    return BarChart(
        [
            Row(
                label=item.label,
                value=f"{item.count:,}",
                segments=[Segment(share(item.count, most), ACCENT)],
            )
            for item in week.kinds
        ]
    )


def _greeting(hour: int) -> str:
    """Good morning until noon at the dealership, good afternoon until six, then evening."""
    return "Good morning" if hour < 12 else "Good afternoon" if hour < 18 else "Good evening"


@dataclass(frozen=True, slots=True)
class DashboardLinks:
    """Where the dashboard links to; `event`, `stage` and `drive` have `{}` for the row's id."""

    owners: str
    new_event: str
    events: str
    event: str
    redemptions: str
    visit_requests: str
    referrals: str
    stage: str
    reminders: str
    reminder_settings: str
    drives: str
    drive: str
    new_drive: str
    follow_ups: str


#: Where the app keeps the dashboard's links (`app.extensions[...]`), by the path it is mounted at.
_KEPT_LINKS = "portal.dashboard_links"


def _links() -> DashboardLinks:
    """The dashboard's links, built once per mount point and kept (`web.kept_per_mount`), as
    the staff menu's are (`portal.admin.menu`)."""
    return kept_per_mount(_KEPT_LINKS, _dashboard_links)


def _dashboard_links() -> DashboardLinks:
    return DashboardLinks(
        owners=url_for("admin.owners"),
        new_event=url_for("admin.events_new"),
        events=url_for("admin.events_index"),
        event=url_pattern("admin.events_show", "event_id"),
        redemptions=url_for("admin.redemptions"),
        visit_requests=url_for("admin.visit_requests"),
        referrals=url_for("admin.referrals"),
        stage=url_pattern("admin.referrals", "stage"),
        reminders=url_for("admin.dashboard_reminders"),
        reminder_settings=url_for("admin.reminder_settings"),
        drives=url_for("admin.charity_drives"),
        drive=url_pattern("admin.charity_drive", "drive_id"),
        new_drive=url_for("admin.charity_new"),
        follow_ups=url_for("admin.follow_ups"),
    )


@bp.route("/")
def index():
    """The dashboard: what is coming up, how the club is doing, what is waiting for the team."""
    now = clock.now()
    tz = ZoneInfo(dealership()["timezone"])
    local_now = now.astimezone(tz)
    today = local_now.date()
    figures = queries.dashboard(db.session, now)
    drives = queries.drive_progress(db.session)
    return render_template(
        "admin/index.html",
        links=_links(),
        events=figures.events,
        events_total=figures.events_total,
        events_chart=_events_chart(figures.events, tz),
        funnel=figures.funnel,
        funnel_chart=_funnel_chart(figures.funnel),
        drives=drives,
        drives_chart=_drives_chart(drives),
        waiting=figures.waiting,
        today=today,
        satisfaction=dashboard_satisfaction(today, figures.waiting.open_follow_ups),
        greeting=_greeting(local_now.hour),
    )


@bp.route("/dashboard/reminders")
def dashboard_reminders():
    """Reminders falling due this week, by kind: loaded after the dashboard, it takes a while."""
    week = queries.reminders_this_week(db.session, local_today())
    context = {"week": week, "chart": _reminders_chart(week)}
    if not wants_fragment():
        return render_template("admin/dashboard/reminders.html", **context)
    html = render_template("admin/dashboard/_reminders.html", **context)
    return html, 200, {"Cache-Control": f"private, max-age={REMINDERS_CACHE_SECONDS}"}
