"""The reminders page's cards (a car and its reminders), drawn in Python.

A template per reminder, included in a loop over the cars, cost the page more than everything
else it does (a filter, an attribute and an escape for each value shown, on twenty cards); the
events list and the owners list draw theirs the same way (`events.cards`, `admin.owner_list`).
Every text from the owner, the garage or the campaigns is escaped. A fresh card's forms are
plain markup named as the views' forms read them (`<id>-<form>-<field>`), one CSRF token for
all; a form that failed validation is drawn from the form itself with the forms macro, its
errors and values in place (tests/reminders/test_form_markup.py checks both give the same
fields).
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import get_template_attribute, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup

from portal.links import kept_per_mount, url_pattern, with_query
from portal.reminders.forms import VisitForm
from portal.reminders.queries.pages import CarReminders, OwnerReminders
from portal.reminders.rules import Kind, Reminder, Status
from portal.templating import escape_text, thousands, when


def dom_id(key: str) -> str:
    """An HTML id (and form prefix) for a reminder key."""
    return "reminder-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


#: The visit form's times of day as its plain markup draws them: (value, label, checked).
TIME_WINDOWS = tuple(
    (choice.value, choice.label, choice.value == VisitForm.time_window.kwargs["default"])
    for choice in VisitForm.time_window.kwargs["choices"]
)

#: The visit form's times of day, `{p}` for the form's prefix.
_TIME_WINDOW_CHOICES = "".join(
    f"""
                  <label class="check"><input{" checked" if checked else ""} id="{{p}}-time_window-{index}" name="{{p}}-time_window" required type="radio" value="{escape_text(value)}"> <span>{escape_text(label)}</span></label>"""  # noqa: E501 - the markup as the page shows it
    for index, (value, label, checked) in enumerate(TIME_WINDOWS)
)

#: The kinds of reminder a visit can be asked about (on a car).
VISIT_KINDS = frozenset(
    (Kind.SERVICE, Kind.RECALL, Kind.WARRANTY, Kind.PROTECTION, Kind.SEASONAL, Kind.ADVISED)
)
CELEBRATIONS = frozenset((Kind.BIRTHDAY, Kind.ANNIVERSARY))

#: What `url_for` leaves unquoted in a path segment (Werkzeug's own).
_SEGMENT_SAFE = "!$&'()*+,/:;=@"


@dataclass(frozen=True)
class CardLinks:
    """A reminder card's links, from patterns worked out once per mount point: `url_for` costs
    about 15 µs and a card drew four or five. Each pattern has `{}` where the key goes."""

    done: str
    snooze: str
    unsnooze: str
    last_service: str
    visit: str
    book: str
    miles: str

    @classmethod
    def for_this_page(cls) -> "CardLinks":
        return kept_per_mount(
            "portal.reminder_card_links",
            lambda: cls(
                done=url_pattern("reminders.done", "key"),
                snooze=url_pattern("reminders.snooze", "key"),
                unsnooze=url_pattern("reminders.unsnooze", "key"),
                last_service=url_pattern("reminders.last_service", "key"),
                visit=url_pattern("reminders.request_visit", "key"),
                book=url_for("servicelane.book"),
                miles=url_pattern("reminders.update_miles", "vehicle_id"),
            ),
        )

    @staticmethod
    def key(key: str) -> str:
        """The key as `url_for` writes it in a path."""
        return quote(key, safe=_SEGMENT_SAFE)

    def booking(self, car_id: int, key: str) -> str:
        """ "Book a time" for this car and reminder, as `url_for` writes it."""
        return with_query(self.book, ("car", car_id), ("reminder", key))


@dataclass(frozen=True)
class FailedForms:
    """A form that failed validation, to draw with its errors: the visit or last-service form
    of the reminder under `key`, or the miles form of the car `miles_car`."""

    key: str | None = None
    visit: FlaskForm | None = None
    last: FlaskForm | None = None
    miles_car: int | None = None
    miles: FlaskForm | None = None


NO_FAILED_FORMS = FailedForms()

NOTHING_DUE = '<p class="muted">Nothing due for this car. We\'ll let you know when there is.</p>'


@dataclass(frozen=True)
class Drawing:
    """What every card of one response shares: the page, its links, the CSRF token."""

    page: OwnerReminders
    links: CardLinks
    token: str
    failed: FailedForms = NO_FAILED_FORMS


def _field(form_field, **options: Any) -> Markup:
    """A failed form's field as the forms macro draws it."""
    return get_template_attribute("macros/forms.html", "field")(form_field, **options)


def _failed_head(form: FlaskForm) -> str:
    """A failed form's CSRF field and its errors that belong to no field."""
    errors = ""
    if form.form_errors:
        message = escape_text(" ".join(form.form_errors))
        errors = f'<p class="form-errors" role="alert">{message}</p>'
    return f"""
        {form.csrf_token(id=False)}
        {errors}"""


def cars(drawing: Drawing) -> Markup:
    """Every car of the page with its reminders."""
    return Markup("".join(car(drawing, group) for group in drawing.page.groups))  # noqa: S704


def car(drawing: Drawing, group: CarReminders) -> Markup:
    """One car and its reminders; it replaces itself after "update the miles" or "when was its
    last service" (htmx), or those forms post and redirect."""
    facts = group.car
    failed = drawing.failed
    if facts is None:
        section_id = "just-for-you"
        head = f'<h2 id="{section_id}-title">Just for you</h2>'
    else:
        section_id = f"car-{facts.id:d}"
        action = escape_text(drawing.links.miles.format(facts.id))
        if failed.miles is not None and failed.miles_car == facts.id:
            fields = f"""{_failed_head(failed.miles)}
          {_field(failed.miles.miles, inputmode="numeric", autocomplete="off")}"""
        else:
            prefix = f"car-{facts.id:d}-miles"
            fields = f"""
          <input name="{prefix}-csrf_token" type="hidden" value="{drawing.token}">
          <div class="field">
            <label for="{prefix}-miles">Miles on the clock today</label>
            <input autocomplete="off" id="{prefix}-miles" inputmode="numeric" max="2000000" min="0" name="{prefix}-miles" required type="number" value="">
          </div>"""  # noqa: E501 - the markup as the page shows it
        head = f"""
      <h2 id="{section_id}-title">{escape_text(facts.label)}</h2>
      <p class="muted">{facts.year} {escape_text(facts.make)} {escape_text(facts.model)} · VIN ending {escape_text(facts.vin[-6:])}</p>
      <div class="car-miles">
        {_miles_text(group)}
        <form method="post" action="{action}" hx-post="{action}" hx-target="#{section_id}" hx-swap="outerHTML" class="miles-form" novalidate>{fields}
          <button type="submit" class="button button-secondary button-small">Update the miles</button>
        </form>
      </div>"""  # noqa: E501 - the markup as the page shows it
    visit_failed = failed.visit is not None and bool(failed.visit.errors)
    cards = [
        reminder(
            drawing,
            item,
            group,
            open_visit_form=visit_failed and failed.key == item.key,
        )
        for item in group.reminders
    ]
    if not cards:
        cards.append(NOTHING_DUE)
    body = "\n  ".join(cards)
    return Markup(  # noqa: S704 - every text above is escaped
        f"""
<section class="card reminder-group" id="{section_id}" aria-labelledby="{section_id}-title">
  <header class="reminder-group-head">
    {head}
  </header>
  {body}
</section>"""
    )


def _miles_text(group: CarReminders) -> str:
    if group.estimated_miles is None:
        return (
            "<p class=\"car-miles-text\">We don't know its miles yet. Tell us and we'll time"
            " mileage-based reminders from them.</p>"
        )
    if group.miles_are_estimated:
        on, miles = group.known_miles
        rate = (
            "the miles a day its readings show"
            if group.measured_rate
            else "an average driver&#39;s miles a day"
        )
        return (
            f'<p class="car-miles-text">About {thousands(group.estimated_miles)} miles today:'
            f" <strong>our estimate</strong>, from {thousands(miles)} miles on {when(on)} and"
            f" {rate}.</p>"
        )
    return (
        f'<p class="car-miles-text">{thousands(group.estimated_miles)} miles, as you told us'
        " today.</p>"
    )


def _tag(item: Reminder, snoozed_until, celebration: bool) -> str:
    if item.asks_last_service:
        return '<span class="tag tag-muted">Tell us</span>'
    if snoozed_until:
        return f'<span class="tag tag-muted">Snoozed until {when(snoozed_until)}</span>'
    if item.status == Status.OVERDUE:
        words = "Open recall" if item.kind == Kind.RECALL else "Overdue"
        return f'<span class="tag tag-danger">{words}</span>'
    if item.status == Status.DUE_SOON:
        return f'<span class="tag tag-warn">{"Coming up" if celebration else "Due soon"}</span>'
    return '<span class="tag tag-muted">Later</span>'


def reminder(
    drawing: Drawing,
    item: Reminder,
    group: CarReminders,
    open_visit_form: bool = False,
    just_requested: bool = False,
) -> str:
    """One reminder; it replaces itself after an action (htmx), or its forms post and
    redirect."""
    page, links, token = drawing.page, drawing.links, drawing.token
    failed = drawing.failed if drawing.failed.key == item.key else NO_FAILED_FORMS
    rid = dom_id(item.key)
    key = links.key(item.key)
    what, why_now, what_to_do = item.words()
    snoozed_until = page.fleet.snoozed_until(item.key)
    visit = page.visits.get(item.key)
    kind = item.kind
    celebration = kind in CELEBRATIONS
    can_visit = group.car is not None and kind in VISIT_KINDS
    asks = item.asks_last_service
    later = item.status == Status.UPCOMING
    if asks:
        due = '<p class="reminder-due">No service on file yet</p>'
    else:
        since = "Since" if kind == Kind.RECALL else "On" if celebration else "Due"
        due = f'<p class="reminder-due">{since} {when(item.due_on)}</p>'
    if snoozed_until:
        why = (
            '<p class="reminder-why">We won\'t send you anything about this until'
            f" {when(snoozed_until)}.</p>"
        )
    else:
        why = f"""<dl class="reminder-text">
      <dt>Why now</dt><dd>{escape_text(why_now)}</dd>
      <dt>What to do</dt><dd>{escape_text(what_to_do)}</dd>
    </dl>"""
    notes = ""
    if just_requested:
        notes += """
    <p class="reminder-confirm" role="status">Thank you. The service team will be in touch to confirm a time.</p>"""  # noqa: E501 - the markup as the page shows it
    if visit:
        confirm = "" if just_requested else "; the team will be in touch to confirm"
        notes += f"""
    <p class="reminder-visit">Visit requested for {when(visit.preferred_day)}, {escape_text(visit.time_window_label.lower())}{confirm}.</p>"""  # noqa: E501 - the markup as the page shows it
    if snoozed_until:
        actions = _unsnooze_form(escape_text(links.unsnooze.format(key)), token)
    elif asks:
        actions = _last_service_form(
            escape_text(links.last_service.format(key)), rid, token, group.car.id, failed.last
        )
    else:
        actions = _done_and_snooze(links, key, rid, token, kind, celebration, later)
    if can_visit and not snoozed_until and kind in (Kind.SERVICE, Kind.RECALL):
        booking = escape_text(links.booking(group.car.id, item.key))
        actions += f"""
        <a class="button button-small" href="{booking}">Book a time</a>"""
    if can_visit and not visit and not snoozed_until:
        actions += _visit_drawer(
            escape_text(links.visit.format(key)), rid, token, failed.visit, open_visit_form
        )
    status_class = f"reminder-{item.status}{' reminder-snoozed' if snoozed_until else ''}"
    return f"""
<article class="reminder {status_class}" id="{rid}" hx-target="this" hx-swap="outerHTML" aria-labelledby="{rid}-title">
  <div class="reminder-head">
    <h3 class="reminder-title" id="{rid}-title">{escape_text(what)}</h3>
    {_tag(item, snoozed_until, celebration)}
  </div>
  {due}
  {why}{notes}
  <div class="reminder-actions">{actions}
  </div>
</article>"""  # noqa: E501 - the markup as the page shows it


def _unsnooze_form(action: str, token: str) -> str:
    return f"""
      <form method="post" action="{action}" hx-post="{action}">
        <input type="hidden" name="csrf_token" value="{token}">
        <button type="submit" class="button button-secondary button-small">Bring it back now</button>
      </form>"""  # noqa: E501 - the markup as the page shows it


def _last_service_form(action: str, rid: str, token: str, car_id: int, last) -> str:
    if last is not None:
        fields = f"""{_failed_head(last)}
        <div class="form-row">
          {_field(last.performed_on, hint="A rough date is fine.")}
          {_field(last.miles, hint="If you know them.", inputmode="numeric", autocomplete="off")}
        </div>"""
    else:
        p = f"{rid}-last"
        fields = f"""
        <input name="{p}-csrf_token" type="hidden" value="{token}">
        <div class="form-row">
          <div class="field">
            <label for="{p}-performed_on">Date of its last service</label>
            <input aria-describedby="{p}-performed_on-hint" id="{p}-performed_on" name="{p}-performed_on" required type="date" value="">
            <p class="hint" id="{p}-performed_on-hint">A rough date is fine.</p>
          </div>
          <div class="field">
            <label for="{p}-miles">Miles at the time (optional)</label>
            <input aria-describedby="{p}-miles-hint" autocomplete="off" id="{p}-miles" inputmode="numeric" max="2000000" min="0" name="{p}-miles" type="number" value="">
            <p class="hint" id="{p}-miles-hint">If you know them.</p>
          </div>
        </div>"""  # noqa: E501 - the markup as the page shows it
    return f"""
      <form method="post" action="{action}" hx-post="{action}" hx-target="#car-{car_id:d}" hx-swap="outerHTML" class="last-service-form" novalidate>{fields}
        <button type="submit" class="button button-small">Save its last service</button>
      </form>"""  # noqa: E501 - the markup as the page shows it


def _done_and_snooze(
    links: CardLinks, key: str, rid: str, token: str, kind: Kind, celebration: bool, later: bool
) -> str:
    forms = ""
    if kind in (Kind.SERVICE, Kind.RECALL):
        action = escape_text(links.done.format(key))
        summary = "I&#39;ve had it serviced" if kind == Kind.SERVICE else "The recall work is done"
        forms = f"""
        <details class="reminder-drawer">
          <summary class="button button-secondary button-small">{summary}</summary>
          <form method="post" action="{action}" hx-post="{action}" class="drawer-form">
            <input name="{rid}-done-csrf_token" type="hidden" value="{token}">
            <div class="field">
              <label for="{rid}-done-miles">Miles on the clock (optional)</label>
              <input aria-describedby="{rid}-done-miles-hint" id="{rid}-done-miles" inputmode="numeric" max="2000000" min="0" name="{rid}-done-miles" type="number" value="">
              <p class="hint" id="{rid}-done-miles-hint">We&#39;ll add the visit to your service history.</p>
            </div>
            <button type="submit" class="button button-small">Mark done</button>
          </form>
        </details>"""  # noqa: E501 - the markup as the page shows it
    elif not later:
        action = escape_text(links.done.format(key))
        words = "Thanks, hide this" if celebration else "Mark done"
        forms = f"""
        <form method="post" action="{action}" hx-post="{action}">
          <input name="{rid}-done-csrf_token" type="hidden" value="{token}">
          <button type="submit" class="button button-secondary button-small">{words}</button>
        </form>"""
    if not celebration and not later and kind != Kind.RECALL:
        action = escape_text(links.snooze.format(key))
        forms += f"""
        <form method="post" action="{action}" hx-post="{action}" class="snooze-form">
          <input name="{rid}-snooze-csrf_token" type="hidden" value="{token}">
          <span class="snooze-label" aria-hidden="true">Snooze</span>
          <button type="submit" name="{rid}-snooze-days" value="7" class="button button-quiet button-small" aria-label="Snooze 7 days">7 days</button>
          <button type="submit" name="{rid}-snooze-days" value="30" class="button button-quiet button-small" aria-label="Snooze 30 days">30 days</button>
        </form>"""  # noqa: E501 - the markup as the page shows it
    return forms


def _visit_drawer(action: str, rid: str, token: str, asked, open_form: bool) -> str:
    if asked is not None:
        fields = f"""{_failed_head(asked)}
            <div class="form-row">
              {_field(asked.preferred_day, hint="From tomorrow, within four months.")}
              {_field(asked.time_window)}
            </div>
            {_field(asked.note, hint="A noise, a warning light, a courtesy car…", rows="3")}"""
    else:
        p = f"{rid}-visit"
        fields = f"""
            <input name="{p}-csrf_token" type="hidden" value="{token}">
            <div class="form-row">
              <div class="field">
                <label for="{p}-preferred_day">Preferred day</label>
                <input aria-describedby="{p}-preferred_day-hint" id="{p}-preferred_day" name="{p}-preferred_day" required type="date" value="">
                <p class="hint" id="{p}-preferred_day-hint">From tomorrow, within four months.</p>
              </div>
              <div class="field">
                <fieldset>
                  <legend>Time of day</legend>{_TIME_WINDOW_CHOICES.replace("{p}", p)}
                </fieldset>
              </div>
            </div>
            <div class="field">
              <label for="{p}-note">Anything we should know? (optional)</label>
              <textarea aria-describedby="{p}-note-hint" id="{p}-note" maxlength="1000" name="{p}-note" rows="3"></textarea>
              <p class="hint" id="{p}-note-hint">A noise, a warning light, a courtesy car…</p>
            </div>"""  # noqa: E501 - the markup as the page shows it
    return f"""
        <details class="reminder-drawer visit-drawer"{" open" if open_form else ""}>
          <summary class="button button-secondary button-small">No time fits? Request a visit</summary>
          <form method="post" action="{action}" hx-post="{action}" class="drawer-form" novalidate>{fields}
            <button type="submit" class="button button-small">Send my request</button>
          </form>
        </details>"""  # noqa: E501 - the markup as the page shows it
