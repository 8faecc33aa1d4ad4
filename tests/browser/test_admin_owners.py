"""Staff find an owner as they type, open them and leave a note; the import preview reads well."""

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.extensions import db
from portal.garage.models import Vehicle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery"


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _sign_in(page, live_server, email: str) -> None:
    # Release this thread's SQLite transaction (reading an expired attribute opens one, and
    # BEGIN IMMEDIATE would hold the write lock the server needs).
    db.session.remove()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_coordinator_searches_as_they_type_opens_an_owner_and_adds_a_note(
    live_server, browser_page, make_user, axe_check, tmp_path
):
    coordinator = make_user(
        role=Role.COORDINATOR, name="Jordan Blake", email="jordan@dealership.example"
    )
    for number, (name, model) in enumerate(
        [
            ("Priya Patel", "Accord"),
            ("Marcus Reyes", "Pilot"),
            ("Grace Whitfield", "Civic"),
            ("Kenji Tanaka", "CR-V"),
        ]
    ):
        owner = make_user(
            name=name, email=f"{name.split()[0].lower()}@example.com", phone=f"+1202555014{number}"
        )
        db.session.add(
            Vehicle(
                owner_id=owner.id,
                vin=f"1HGCM8263{number}A00435{number}",
                make="Honda",
                model=model,
                year=2023,
                purchase_date=date(2023, 4, 1),
            )
        )
    db.session.commit()
    page = browser_page
    _sign_in(page, live_server, coordinator.email)

    page.goto(f"{live_server}/admin/owners")
    page.evaluate("window.__sameDocument = true")
    rows = page.locator("#owner-results tbody tr")
    assert rows.count() == 4
    _screenshot(page, tmp_path, "admin-owners-list")
    axe_check(page)

    page.get_by_label("Find an owner").press_sequentially("whitf", delay=40)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Whitfield")
    assert page.evaluate("window.__sameDocument") is True  # no page load: htmx swapped the results
    assert "q=whitf" in page.url  # and the address can be shared or reloaded

    page.get_by_role("link", name="Grace Whitfield").click()
    page.wait_for_url("**/admin/owners/*")
    assert page.get_by_role("heading", name="Grace Whitfield").is_visible()
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Add a note for the team").fill("Asked about winter tyres; call in October.")
    page.get_by_role("button", name="Save note").click()
    page.locator(".note-body", has_text="winter tyres").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_by_label("Add a note for the team").input_value() == ""
    assert "Jordan Blake" in page.locator(".note-meta").first.inner_text()
    axe_check(page)


def test_admin_previews_an_import_that_reads_clearly(
    live_server, browser_page, make_user, axe_check, tmp_path
):
    from tests.imports.conftest import csv_bytes, dms_row

    admin = make_user(role=Role.ADMIN, name="Alex Morgan", email="alex@dealership.example")
    rows = [
        dms_row(n, first_name=first)
        for n, first in enumerate(["Priya", "Marcus", "Elena", "Sam"], 1)
    ]
    rows.append(dms_row(5, email="sam-at-example.com"))
    rows.append(dms_row(6, vin=dms_row(2)["vin"]))
    rows.append(dms_row(7, year="20x3", phone="12"))
    upload = tmp_path / "dms-export.csv"
    upload.write_bytes(csv_bytes(rows))

    page = browser_page
    _sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/imports")
    axe_check(page)
    page.get_by_label("CSV export").set_input_files(str(upload))
    page.get_by_role("button", name="Preview import").click()
    page.wait_for_url("**/admin/imports/*")
    assert page.get_by_role("button", name="Apply import").is_visible()
    assert page.locator(".import-table tbody tr").count() == 7
    _screenshot(page, tmp_path, "admin-import-preview")
    axe_check(page)
    page.get_by_role("button", name="Apply import").click()
    page.locator(".flash-success").wait_for()
    assert "4 owners and 4 cars added" in page.locator(".flash-success").inner_text()
