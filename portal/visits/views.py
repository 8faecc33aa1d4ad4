"""Owner side of visits: each visit's story on the car's page, and its photos and clips.

Files are served only to the car's owner and to staff; anyone else gets a 404. Clips answer
HTTP Range requests (206 Partial Content) so a phone can seek without loading the whole clip.
"""

from pathlib import Path

from flask import abort, current_app, send_file
from flask_login import current_user, login_required

from portal.extensions import db
from portal.visits import bp, queries
from portal.visits.rules import money


def _send(media_id: int, thumb: bool):
    media = queries.media_for_viewer(db.session, media_id, current_user)
    name = media.thumb_name if media is not None and thumb else media.stored_name if media else None
    if name is None:
        abort(404)
    path = Path(current_app.config["PORTAL_VISIT_MEDIA_FOLDER"]) / name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=media.content_type, conditional=True, max_age=3600)
    # Private to the signed-in viewer: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Accept-Ranges"] = "bytes"
    return response


@bp.get("/visits/media/<int:media_id>")
@login_required
def media(media_id: int):
    """A visit's photo or clip, for the car's owner or staff (Range requests answered)."""
    return _send(media_id, thumb=False)


@bp.get("/visits/media/<int:media_id>/thumb")
@login_required
def media_thumb(media_id: int):
    """A photo's small copy, for the car's history."""
    return _send(media_id, thumb=True)


def car_visits(vehicle) -> dict:
    """The car page's section: each completed visit's story, newest first (four queries)."""
    return {"visits": queries.car_visits(db.session, vehicle.id), "money": money}
