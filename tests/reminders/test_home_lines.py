"""The home page's reminder lines, drawn in Python, read as the template loop drew them."""

import re
from datetime import date
from types import SimpleNamespace

from portal.reminders.home_lines import home_lines
from portal.reminders.rules import Kind, Reminder, Status
from portal.templating import dealership

#: The loop `reminders/_home.html` had before its lines were drawn in Python.
TEMPLATE_LOOP = """{% for reminder, car in pressing %}
        <li>
          {% if reminder.asks_last_service %}<span class="tag tag-muted">Tell us</span>
          {% elif reminder.status == "overdue" %}<span class="tag tag-danger">{{ "Open recall" if reminder.kind == "recall" else "Overdue" }}</span>
          {% else %}<span class="tag tag-warn">Due soon</span>{% endif %}
          <a href="{{ reminders_url }}#{{ reminder.key|reminder_dom_id }}">{{ reminder.what }}</a>
          <span class="muted">· {{ car.label if car else "for you" }} · {{ reminder.due_on|when }}</span>
        </li>
      {% endfor %}"""  # noqa: E501 - the template's lines as they were


def reminder(key, kind, status, what, asks=False, vehicle_id=1):
    return Reminder(
        key, kind, 7, vehicle_id, date(2026, 2, 28), status, lambda: (what, "", ""), asks
    )


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def test_each_kind_of_line_reads_as_the_template_drew_it(app):
    civic = SimpleNamespace(label='Blue <Civic> & "Co"')
    pressing = [
        (reminder("service:1", Kind.SERVICE, Status.OVERDUE, "Service overdue"), civic),
        (reminder("recall:1:24V-1", Kind.RECALL, Status.OVERDUE, "Open <recall>"), civic),
        (reminder("service:2", Kind.SERVICE, Status.DUE_SOON, "Last service?", asks=True), civic),
        (reminder("warranty:1", Kind.WARRANTY, Status.DUE_SOON, "Warranty & cover"), civic),
        (reminder("birthday:7:2026", Kind.BIRTHDAY, Status.DUE_SOON, "Happy birthday", None), None),
    ]
    url = "/owners/reminders?a=1&b=2"
    with app.test_request_context("/"):
        expected = app.jinja_env.from_string(TEMPLATE_LOOP).render(
            pressing=pressing, reminders_url=url, dealership=dealership()
        )
        drawn = home_lines(pressing, url)
    assert squeezed(drawn) == squeezed(expected)
    for words in ("Tell us", "Open recall", "Overdue", "Due soon", "for you"):
        assert words in drawn
    assert "<Civic>" not in drawn and "Open &lt;recall&gt;" in drawn
