"""Every page passes axe-core's WCAG 2.1 A and AA rules, at desktop and phone width,
and the two things axe can't see: a searched list announces its count, and a refused
page starts the keyboard at its first error.

axe-core comes from e2e/vendor/axe.min.js (npm axe-core, MPL-2.0; the app never
serves it). page.evaluate runs it through DevTools, which the page's
Content-Security-Policy doesn't govern, so no inline <script> is injected.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import SCREENSHOTS

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    # resultTypes: every rule still runs on every node, but only the violations come
    # back with all their nodes; passes, the bulk of the answer, are cut to one each.
    result = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']
        })""",
        WCAG_21_AA,
    )
    return result["violations"]


def settle(page):
    """Waits until htmx has what the page asks for once it is loaded (a badge, a
    polled status) and nothing is moving (a message sliding in, the phone menu sliding
    away), so axe sees the page a person would.

    Like Playwright's "networkidle" (no request for 500 ms), but with a quiet spell of
    QUIET_SECONDS, long enough for a swap to start the request it brings (a few ms),
    on pages the `page` fixture tracks (e2e/conftest.py); others get "networkidle"."""
    requests = getattr(page, "docket_requests", None)
    if requests is None:
        page.wait_for_load_state("networkidle")
    else:
        requests.wait_for_quiet()
    page.wait_for_function(MOTIONLESS)


# No CSS animation or transition in its active phase. One waiting out its delay (a
# message's fade-out, seconds away) doesn't count, nor one that never ends (the bar of
# an import not yet started).
MOTIONLESS = """() => document.getAnimations().every((a) => {
    const timing = a.effect.getComputedTiming();
    return a.playState !== 'running' || timing.progress === null || timing.endTime === Infinity;
})"""


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}")
            lines.append(f"      {node['failureSummary'].replace(chr(10), chr(10) + '      ')}")
    return "\n".join(lines)


class Audit:
    """Visits pages and collects every violation, so one run reports them all."""

    def __init__(self, page, base_url):
        self.page, self.base_url, self.report = page, base_url, []

    def visit(self, path: str, status: int = 200):
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.status == status, f"{path} answered {response.status}"
        self.check(path)

    def check(self, where: str):
        # Let htmx settle (a polling import, a swapped list) before looking.
        settle(self.page)
        violations = axe_violations(self.page)
        if violations:
            self.report.append(describe(where, violations))

    def assert_clean(self):
        assert not self.report, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(self.report)


@pytest.fixture
def example_data(transactional_db):
    """One of each thing the pages show: a company with a person and journal entries,
    a second user, an import waiting to run, an API credential."""

    from accounts import services
    from accounts.models import PrivateTask, User
    from accounts.tests.factories import UserFactory
    from crm.models import ImportJob
    from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory
    from projects.tests.factories import (
        JobActionFactory,
        JobFactory,
        JobItemFactory,
        ProjectFactory,
        TimeEntryFactory,
    )

    company = CompanyFactory(name="Acme Studio", tags=["client"])
    person = ContactFactory(firstname="Ada", lastname="Lovelace", company=company)
    ActivityFactory(about=company, title="Kick-off call")
    ActivityFactory(about=person, title="Sent the quote")
    colleague = UserFactory(email="bea@studio.test", name="Bea Byrne", jobtitle="Designer")
    owner = User.objects.get(email="owner@studio.test")
    project = ProjectFactory(
        title="Rebrand",
        client_company=company,
        team=[colleague],
        contacts=[person],
        brief="A new logo.",
        expanded=[{"title": "Scope", "content": "Logo and labels"}],
    )
    # A job with items (one over its hours) and actions, some of them the owner's.
    item = JobItemFactory(
        job=JobFactory(project=project, team=[owner]), title="Logo", team=[colleague]
    )
    TimeEntryFactory(item=item, hours=12)
    JobItemFactory(job=item.job, title="Print run", type="fixed")
    JobActionFactory(item=item, title="Send drafts", assigned_to=owner)
    JobActionFactory(item=item, title="Approve", assigned_to=owner, status="C")
    job = ImportJob.objects.create(
        kind="people", csv_text="name\nAda\n", total_rows=1, created_by=owner
    )
    services.notify(
        "teamadd", title="Added to Rebrand", users=[owner], link=f"project/{project.pk}"
    )
    services.notify("actionassigned", title="Proof the labels", users=[owner], link="action/1")
    PrivateTask.objects.create(user=owner, date=timezone.localdate(), text="Call the printer")

    # A row in this week's timesheet, and an entry in the entries list.
    TimeEntryFactory(
        user=owner,
        date=timezone.localdate(),
        hours=Decimal("1.25"),
        item=None,
        project=project,
        notes="Logo sketches",
    )
    return {
        "company": company,
        "person": person,
        "colleague": colleague,
        "owner": owner,
        "job": job,
        "project": project,
        "project_job": item.job,
    }


def audit_signed_in_pages(page, live_server, data) -> Audit:
    audit = Audit(page, live_server.url)
    company, person = data["company"].pk, data["person"].pk
    for path in (
        "/",
        "/connections/people/",
        "/connections/companies/",
        f"/connections/companies/{company}/",
        f"/connections/people/{person}/",
        "/connections/companies/add/",
        f"/connections/companies/{company}/edit/",
        "/connections/people/add/",
        f"/connections/people/{person}/edit/",
        "/connections/import/",
        f"/connections/import/{data['job'].pk}/",
        "/projects/",
        f"/projects/{data['project'].pk}/",
        "/projects/add/",
        f"/projects/{data['project'].pk}/edit/",
        "/projects/actions/",
        f"/projects/jobs/{data['project_job'].pk}/",
        "/projects/jobs/mine/",
        "/accounts/users/",
        f"/accounts/users/{data['colleague'].pk}/",
        f"/accounts/users/{data['owner'].pk}/",  # one's own access, greyed
        "/settings/",
        "/notifications/",
        "/timesheet/",
        "/timesheet/entries/",
    ):
        audit.visit(path)
    # Every settings page, as its menu lists them.
    page.goto(f"{live_server.url}/settings/")
    settings_pages = page.locator(".settings-nav a").evaluate_all(
        "(links) => links.map((link) => new URL(link.href).pathname)"
    )
    assert len(settings_pages) >= 5
    for path in settings_pages:
        audit.visit(path)
    audit.visit("/no-such-page/", status=404)

    # The add-user form in the shared modal.
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#modal")).to_be_visible()
    audit.check("/accounts/users/ (Add user dialog)")

    # A form the server refused, with its errors.
    page.goto(f"{live_server.url}/connections/companies/add/")
    page.get_by_role("button", name="Add company").click()
    expect(page.locator(".has-error").first).to_be_visible()
    audit.check("/connections/companies/add/ (refused)")
    page.goto(f"{live_server.url}/projects/add/")
    page.get_by_role("button", name="Add project").click()
    expect(page.locator(".has-error").first).to_be_visible()
    audit.check("/projects/add/ (refused)")
    return audit


def test_every_page_passes_axe_wcag21_aa(signed_in, live_server, example_data, shot):
    page = signed_in
    audit = audit_signed_in_pages(page, live_server, example_data)
    # Swagger UI draws the API docs with its own markup: the page is ours (lang, <main>).
    audit.visit("/api/v1/docs")
    expect(page.locator("main#swagger-ui .info")).to_be_visible()
    audit.check("/api/v1/docs (drawn)")
    audit.assert_clean()


def test_every_page_passes_axe_at_phone_width(signed_in, live_server, example_data, shot):
    page = signed_in
    page.set_viewport_size(PHONE)
    audit = audit_signed_in_pages(page, live_server, example_data)
    # The open menu on a phone.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#sidebar")).to_be_visible()
    audit.check("/ (menu open)")
    page.goto(f"{live_server.url}/settings/api/")
    shot("a11y-phone-api-settings")
    audit.assert_clean()


def test_signed_out_pages_pass_axe(page, live_server, transactional_db):
    audit = Audit(page, live_server.url)
    for path in (
        "/accounts/login/",
        "/accounts/password-reset/",
        "/accounts/password-reset/sent/",
        "/accounts/reset/x/bad-token/",
        "/accounts/reset/done/",
    ):
        audit.visit(path)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("nobody@studio.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_be_visible()
    audit.check("/accounts/login/ (refused)")
    audit.assert_clean()


def test_a_search_announces_how_many_it_found(signed_in, live_server, example_data):
    from crm.tests.factories import CompanyFactory

    page = signed_in
    CompanyFactory(name="Acme Works")
    page.goto(f"{live_server.url}/connections/companies/")
    status = page.get_by_role("status").and_(page.locator("#list-status"))
    expect(status).to_have_text("")
    page.get_by_role("searchbox").fill("acme")
    expect(status).to_have_text("2 companies found")
    expect(page.locator("#connections tbody tr")).to_have_count(2)
    page.get_by_role("searchbox").fill("acme works")
    expect(status).to_have_text("1 company found")


def test_a_refused_page_starts_the_keyboard_at_its_first_error(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/connections/companies/add/")
    page.get_by_role("button", name="Add company").click()  # with no name
    name = page.locator("input[aria-invalid=true]")
    expect(name).to_have_count(1)
    expect(name).to_have_attribute("name", "name")
    expect(name).to_be_focused()
    # The ring is the solid one, not Pico's faint shadow.
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    expect(name).to_be_focused()
    outline = name.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    shot("a11y-refused-form-focus")
    # On the dark menu the ring is light.
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.focus()
    ring = sign_out.evaluate("(el) => getComputedStyle(el).outlineColor")
    assert ring == "rgb(147, 197, 253)"
    shot("a11y-menu-button-focus")


def test_a_refused_sign_in_starts_the_keyboard_at_its_error(
    page, live_server, transactional_db, shot, console_errors
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("nobody@studio.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    # An error about the whole form: its summary, read out first.
    summary = page.locator(".form-errors")
    expect(summary).to_contain_text("correct email")
    expect(summary).to_be_focused()
    shot("a11y-sign-in-refused-focus")

    # An error on a field: that field.
    page.goto(f"{live_server.url}/accounts/password-reset/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Send reset link").click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    shot("a11y-password-reset-refused-focus")
    assert console_errors == []


def test_a_refused_page_focuses_its_error_without_javascript(
    browser, live_server, transactional_db, shot
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Sign in").click()  # nothing filled in
        expect(page.locator(".field-error")).to_have_count(2)
        expect(page.get_by_label("Email")).to_be_focused()
        page.screenshot(path=str(SCREENSHOTS / "a11y-sign-in-no-js-focus.png"), caret="initial")
    finally:
        context.close()
