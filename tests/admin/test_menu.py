"""The staff menu: drawn once per kind of staff and page, yet right on every page."""

import re

from portal.admin import menu

MENU = re.compile(r'<nav class="admin-nav" aria-label="Admin sections">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def _menu(client, path: str) -> tuple[list[str], list[str]]:
    """(the menu's labels, the ones marked as the current page) on one staff page."""
    html = client.get(path).get_data(as_text=True)
    links = LINK.findall(MENU.search(html).group(1))
    return [label for _, _, label in links], [label for _, mark, label in links if mark]


def test_the_kept_menu_marks_each_page_and_shows_each_role_its_own_links(
    client, login, admin_user, coordinator
):
    login(admin_user)
    # Twice each, in an order that would show a menu kept for another page.
    for _ in range(2):
        labels, current = _menu(client, "/admin/")
        assert current == ["Dashboard"] and "Audit log" in labels and "Staff" in labels
        assert _menu(client, "/admin/referrals")[1] == ["Referrals"]
        assert _menu(client, "/admin/audit")[1] == ["Audit log"]
    client.post("/logout")
    login(coordinator)
    labels, current = _menu(client, "/admin/referrals")
    assert current == ["Referrals"] and labels[:3] == ["Dashboard", "Owners", "Events"]
    assert "Audit log" not in labels and "Staff" not in labels and "Import owners" not in labels


def test_the_menu_is_rendered_once_per_kind_of_staff_and_page(
    client, login, admin_user, monkeypatch
):
    rendered = []
    render = menu._render_menu
    monkeypatch.setattr(
        menu,
        "_render_menu",
        lambda *args, **kwargs: rendered.append(kwargs) or render(*args, **kwargs),
    )
    login(admin_user)
    for _ in range(3):
        client.get("/admin/")
        client.get("/admin/referrals")
    assert rendered == [
        {"is_admin": True, "current": "admin.index"},
        {"is_admin": True, "current": "admin.referrals"},
    ]
