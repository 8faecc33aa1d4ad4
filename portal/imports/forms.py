"""The import upload form."""

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

from portal.forms import PortalForm

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportUploadForm(PortalForm):
    """The dealer-management-system export to preview."""

    file = FileField(
        "CSV export",
        validators=[
            FileRequired(message="Choose the CSV file to import."),
            FileAllowed(["csv", "txt"], message="Upload a .csv file."),
            FileSize(MAX_IMPORT_BYTES, message="The file is larger than 20 MB; split it."),
        ],
    )
