"""Stylesheets and scripts carry their content's version, so browsers keep them a year."""

import hashlib
import re
from pathlib import Path

from portal.templating import static_url
from tests.fast_setup import no_database

ASSET = re.compile(r'(?:href|src)="(/static/([^"?]+)\?v=([0-9a-f]{12}))"')


def test_every_page_asset_is_linked_by_its_contents_version(client, app):
    assets = ASSET.findall(client.get("/login").get_data(as_text=True))
    assert len(assets) >= 10
    for _url, filename, version in assets:
        body = (Path(app.static_folder) / filename).read_bytes()
        assert version == hashlib.sha256(body).hexdigest()[:12], filename


def test_a_versioned_asset_is_kept_a_year_and_a_bare_one_is_checked_each_time(client):
    url = ASSET.search(client.get("/login").get_data(as_text=True)).group(1)
    kept = client.get(url)
    assert kept.status_code == 200
    assert kept.cache_control.max_age == 365 * 24 * 3600
    assert kept.cache_control.public and kept.cache_control.immutable
    assert not kept.cache_control.no_cache
    bare = client.get(url.split("?")[0])
    assert bare.status_code == 200 and bare.cache_control.no_cache
    assert bare.cache_control.max_age is None


@no_database
def test_a_changed_file_gets_a_new_version(app, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "note.css").write_text("a { color: black }")
    with app.test_request_context("/"):
        first = static_url("note.css")
        (tmp_path / "note.css").write_text("a { color: navy }")
        assert static_url("note.css") != first
