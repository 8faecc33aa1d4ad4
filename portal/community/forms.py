"""The announcement form coordinators use."""

from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.community.models import Audience, BodyFormat
from portal.forms import PortalForm


class AnnouncementForm(PortalForm):
    """Title, body, format, audience and whether it stays on top."""

    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=20_000)])
    body_format = RadioField(
        "Written as",
        choices=[
            SelectChoice(BodyFormat.TEXT, "Plain text"),
            SelectChoice(
                BodyFormat.MARKDOWN, "Markdown (bold, italics, lists, links, quotes, code)"
            ),
        ],
        default=BodyFormat.TEXT,
        validators=[DataRequired()],
    )
    audience = RadioField(
        "Who sees it",
        choices=[
            SelectChoice(Audience.EVERYONE, "Everyone, including visitors"),
            SelectChoice(Audience.OWNERS, "Signed-in owners"),
            SelectChoice(Audience.MAKE, "Owners of a particular make (and model)"),
        ],
        default=Audience.EVERYONE,
        validators=[DataRequired()],
    )
    make = StringField("Make", validators=[Optional(), Length(max=60)])
    model = StringField("Model (optional)", validators=[Optional(), Length(max=60)])
    pinned = BooleanField("Pin to the top of the community page")

    def values(self) -> dict:
        """The announcement's columns from the form."""
        return {
            "title": self.title.data.strip(),
            "body": self.body.data.strip(),
            "body_format": self.body_format.data,
            "audience": self.audience.data,
            "make": (self.make.data or "").strip() or None,
            "model": (self.model.data or "").strip() or None,
            "pinned": self.pinned.data,
        }
