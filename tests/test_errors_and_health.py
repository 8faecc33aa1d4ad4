"""Error pages in the portal's look, and the health check."""

import pytest

from portal import create_app
from portal.config import TestConfig


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [("/no-such-page", 404, "couldn't find that page"), ("/admin/", 403, "dealership staff")],
)
def test_error_pages_use_the_layout(client, make_owner, login, path, code, words):
    login(make_owner())
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in page
    assert "Owners Club" in page
    assert "Back to the club" in page


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": "Not Found"}


def test_server_error_page_is_friendly(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_health_check_is_503_when_the_database_is_unreachable(tmp_path):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        INSTANCE_PATH=str(tmp_path),
        # Nothing listens on port 1: the connection is refused at once.
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
    )
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
