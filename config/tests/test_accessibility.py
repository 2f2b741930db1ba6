"""The shared templates every app reuses pass WCAG 2.1 AA where markup decides it
(the browser checks with axe-core are in e2e/test_accessibility.py)."""

import re

import pytest
from django.conf import settings

from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

APP_CSS = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()


def test_the_sort_order_is_on_the_header_cell_not_its_link(staff_client):
    CompanyFactory(name="Alpha Studio")
    html = staff_client.get("/connections/companies/", {"sort": "-name"}).content.decode()
    header = re.search(r"<th [^>]*aria-sort=\"descending\"[^>]*>\s*<a [^>]*>Name", html)
    assert header, "the Name header cell carries aria-sort"
    links = re.findall(r"<a [^>]*>", html.split("<thead>")[1].split("</thead>")[0])
    assert links and not any("aria-sort" in link for link in links)
    assert html.count("aria-sort=") == 1  # only the ordered column


def test_the_sidebar_is_a_labelled_landmark_of_its_own(staff_client):
    html = staff_client.get("/").content.decode()
    assert '<aside class="sidebar" id="sidebar" aria-label="Main menu">' in html


def test_form_section_headings_follow_the_page_heading(staff_client):
    html = staff_client.get("/connections/companies/add/").content.decode()
    assert '<h2 class="form-section">Address</h2>' in html
    assert "<h3" not in html  # nothing skips from h1 to h3
    modal = staff_client.get("/accounts/users/add/standard/", headers={"HX-Request": "true"})
    assert '<h2 id="modal-title">Add user</h2>' in modal.content.decode()


def test_greyed_choices_are_greyed_by_colour_not_by_fading():
    # Opacity .55 left the Areas legend at 3.0:1; the muted colour is 5.4:1 on white.
    assert "fieldset:has(input:disabled) { opacity" not in APP_CSS
    assert ".field fieldset:has(input:disabled) legend { color: var(--docket-muted); }" in APP_CSS


def test_an_empty_credentials_table_scrolls_by_keyboard(staff_client):
    html = staff_client.get("/settings/api/").content.decode()
    assert "No API credentials yet." in html
    for label in ("API credentials", "Bearer tokens"):
        box = f'<div class="table-scroll" role="region" aria-label="{label}" tabindex="0">'
        assert box in html


def test_the_api_docs_page_has_a_language_and_a_main_landmark(staff_client):
    html = staff_client.get("/api/v1/docs").content.decode()
    assert '<html lang="en">' in html
    assert '<main id="swagger-ui"></main>' in html
    # CSP-clean: no inline script runs (the settings are JSON data, not code), no inline style.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "<style" not in html and "style=" not in html


def test_focus_rings_are_solid_and_light_on_the_dark_menu():
    assert "--docket-focus: #1d4ed8;" in APP_CSS  # 6.7:1 on white, 6.3:1 on the page
    assert ".sidebar { --docket-focus: #93c5fd; }" in APP_CSS  # 9.6:1 on the menu
    assert "outline: 2px solid var(--docket-focus)" in APP_CSS


def test_a_searched_list_says_how_many_it_found_in_the_live_region(staff_client):
    CompanyFactory(name="Alpha Studio")
    CompanyFactory(name="Alpha Works")
    CompanyFactory(name="Zeta")
    page = staff_client.get("/connections/companies/").content.decode()
    live = '<div id="list-status" class="visually-hidden" role="status" aria-live="polite"></div>'
    assert live in page
    swap = staff_client.get(
        "/connections/companies/",
        {"search": "alpha"},
        headers={"HX-Request": "true", "HX-Target": "connections"},
    ).content.decode()
    assert '<div id="list-status" hx-swap-oob="innerHTML">2 companies found</div>' in swap
    one = staff_client.get(
        "/connections/people/",
        {"search": "nobody"},
        headers={"HX-Request": "true", "HX-Target": "connections"},
    ).content.decode()
    assert '<div id="list-status" hx-swap-oob="innerHTML">0 people found</div>' in one
