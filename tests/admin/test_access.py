"""Who may open admin URLs: built from the URL map, so new routes are covered automatically."""

import re

from portal.accounts.models import Role


def _admin_rules(app):
    """(url, method, endpoint) for every admin rule; URL parameters filled with 1."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        yield url, method, rule.endpoint


def test_the_admin_area_has_the_pages_this_branch_adds(app):
    endpoints = {endpoint for _url, _method, endpoint in _admin_rules(app)}
    assert {"admin.owners", "admin.imports", "admin.staff", "admin.audit_log"} <= endpoints


def test_owner_gets_403_on_every_admin_url(app, client, make_owner, login):
    owner = make_owner()
    login(owner)
    answers = {
        (method, url): client.open(url, method=method).status_code
        for url, method, _endpoint in _admin_rules(app)
    }
    assert answers and set(answers.values()) == {403}, answers


def test_coordinator_gets_403_on_every_admin_only_url(app, client, make_user, login):
    login(make_user(role=Role.COORDINATOR))
    admin_only = [
        (url, method)
        for url, method, endpoint in _admin_rules(app)
        if getattr(app.view_functions[endpoint], "admin_only", False)
    ]
    assert len(admin_only) >= 10
    answers = {
        (method, url): client.open(url, method=method).status_code for url, method in admin_only
    }
    assert set(answers.values()) == {403}, answers


def test_coordinator_opens_the_staff_pages_that_are_not_admin_only(app, client, make_user, login):
    coordinator = make_user(role=Role.COORDINATOR)
    login(coordinator)
    for url in (
        "/admin/",
        "/admin/owners",
        f"/admin/owners/{coordinator.id}",
        "/admin/owners/export.csv",
    ):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in_from_every_admin_url(app, client):
    for url, method, _endpoint in _admin_rules(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)
