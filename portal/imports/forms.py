"""The import upload form."""

from flask import current_app
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

from portal.forms import PortalForm

MEGABYTE = 1024 * 1024


def within_import_limit(form, field) -> None:
    """The file is no larger than the import's own limit (the PORTAL_IMPORT_MAX_BYTES setting)."""
    limit = current_app.config["PORTAL_IMPORT_MAX_BYTES"]
    message = f"The file is larger than {limit / MEGABYTE:g} MB; split it."
    FileSize(limit, message=message)(form, field)


class ImportUploadForm(PortalForm):
    """The dealer-management-system export to preview."""

    file = FileField(
        "CSV export",
        validators=[
            FileRequired(message="Choose the CSV file to import."),
            FileAllowed(["csv", "txt"], message="Upload a .csv file."),
            within_import_limit,
        ],
    )
