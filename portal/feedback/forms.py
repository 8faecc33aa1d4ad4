"""The owner's answer (a score and a comment) and the staff's note closing a follow-up."""

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.feedback.rules import COMMENT_MAX, NOTE_MAX, SCORE_WORDS
from portal.forms import PortalForm


class AnswerForm(PortalForm):
    """1 to 5, and a few words if the owner wants to add them."""

    score = RadioField(
        "How did it go, from 1 (poor) to 5 (excellent)?",
        choices=[SelectChoice(score, words) for score, words in SCORE_WORDS.items()],
        coerce=int,
        validators=[InputRequired("Choose a number from 1 to 5.")],
    )
    comment = TextAreaField(
        "Anything you'd like to tell us? (optional)",
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message="Keep the comment under 2,000 characters."),
        ],
    )


class CloseFollowUpForm(PortalForm):
    """What the team did about a low score."""

    note = TextAreaField(
        "What was done",
        validators=[
            InputRequired("Say what was done, for the record."),
            Length(max=NOTE_MAX, message="Keep the note under 2,000 characters."),
        ],
    )
