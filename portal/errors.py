"""The one exception services raise for a rule the user broke."""


class ServiceError(Exception):
    """A user-facing refusal; `field` names the form field it belongs next to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
