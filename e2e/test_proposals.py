"""Proposals in the browser: write one with two jobs (rows added, reordered and priced
by the server as one types), accept it, and create its project."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from accounts.models import User
from billing.models import Proposal
from billing.tests.factories import LedgerCategoryFactory, TaxCodeFactory
from crm.tests.factories import CompanyFactory
from projects.models import Project


def test_write_accept_a_proposal_and_create_its_project(
    signed_in, live_server, shot, console_errors
):
    page = signed_in
    TaxCodeFactory(code="001", name="Standard VAT", rate=Decimal("0.2"))
    TaxCodeFactory(code="002", name="Reduced VAT", rate=Decimal("0.05"))
    LedgerCategoryFactory(code="4010", name="Design")
    CompanyFactory(name="Northwind Brewery")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals")
    page.get_by_role("button", name="New proposal").click()
    page.get_by_label("Title").fill("Northwind rebrand")
    client = page.get_by_label("Client")
    client.press_sequentially("Northw", delay=30)
    expect(page.locator("#client-suggestions option").first).to_have_attribute(
        "value", re.compile(r"^C\d+ · Northwind Brewery$")
    )
    client.fill(page.locator("#client-suggestions option").first.get_attribute("value"))
    page.get_by_label("Overview").fill("A new logo, labels and a website.")

    # The first job's first item; the totals follow as one types.
    totals = page.locator("#proposal-totals")
    page.get_by_label("Name of job 1", exact=True).fill("Design")
    page.get_by_label("Item 1 of job 1", exact=True).fill("Concepts")
    page.get_by_label("Hours of item 1 of job 1", exact=True).fill("10")
    page.get_by_label("Rate of item 1 of job 1", exact=True).fill("100")
    expect(totals.locator("#totals-total")).to_have_text("£1,000.00")
    expect(page.locator("#job-0-item-0-net")).to_have_text("1,000.00")

    # A second item, added in place: its name takes the focus.
    page.get_by_role("button", name="Add item to job 1").click()
    expect(page.get_by_label("Item 2 of job 1", exact=True)).to_be_focused()
    page.get_by_label("Item 2 of job 1", exact=True).fill("Print run")
    page.get_by_label("Type of item 2 of job 1", exact=True).select_option("fixed")
    page.get_by_label("Hours of item 2 of job 1", exact=True).fill("1")
    page.get_by_label("Rate of item 2 of job 1", exact=True).fill("400")
    page.get_by_label("Tax of item 2 of job 1", exact=True).select_option("002")
    page.get_by_label("Print item 2 of job 1", exact=True).uncheck()
    expect(totals.locator("#totals-total")).to_have_text("£1,400.00")
    expect(totals.locator("#totals-tax")).to_have_text("£220.00")

    # Reordered with the keyboard's buttons: the moved row keeps the focus.
    page.get_by_role("button", name="Move item 2 of job 1 up").click()
    expect(page.get_by_label("Item 1 of job 1", exact=True)).to_have_value("Print run")
    expect(page.get_by_role("button", name="Move item 1 of job 1 down")).to_be_focused()

    # A second job, with its own discount off its items.
    page.get_by_role("button", name="Add job").click()
    expect(page.get_by_label("Name of job 2", exact=True)).to_be_focused()
    page.get_by_label("Name of job 2", exact=True).fill("Build")
    page.get_by_label("Discount (%) of job 2", exact=True).fill("10")
    page.get_by_label("Item 1 of job 2", exact=True).fill("Templates")
    page.get_by_label("Hours of item 1 of job 2", exact=True).fill("20")
    page.get_by_label("Rate of item 1 of job 2", exact=True).fill("85")
    page.get_by_label("Category of item 1 of job 2", exact=True).select_option("4010")
    # 1,000 + 400 + 1,700 less 10 %; tax 200 + 20 + 306.
    expect(totals.locator("#totals-total")).to_have_text("£2,930.00")
    expect(totals.locator("#totals-tax")).to_have_text("£526.00")
    expect(totals.locator("#totals-grandtotal")).to_have_text("£3,456.00")
    expect(page.locator("#job-1-net")).to_have_text("1,530.00")

    # A mistake shows in the totals, naming its place, and goes when put right.
    page.get_by_label("Hours of item 1 of job 2", exact=True).fill("twenty")
    expect(totals).to_contain_text("Jobs: job 2, item 1: hours must be a number.")
    expect(totals.locator("#totals-total")).to_have_text("—")
    shot("proposals-editor-problem")
    page.get_by_label("Hours of item 1 of job 2", exact=True).fill("20")
    expect(totals.locator("#totals-grandtotal")).to_have_text("£3,456.00")
    page.get_by_label("Discount (%)", exact=True).fill("5")
    expect(totals.locator("#totals-total")).to_have_text("£2,783.50")
    shot("proposals-editor-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("proposals-editor-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)

    page.get_by_role("button", name="Add proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind rebrand")
    proposal = Proposal.objects.get()
    assert (proposal.total, proposal.tax, proposal.grandtotal) == (
        Decimal("2783.50"),
        Decimal("499.70"),
        Decimal("3283.20"),
    )
    expect(page.locator("#proposal-grandtotal")).to_have_text("£3,283.20")
    expect(page.locator(".proposal-job-view").first).to_contain_text("Print run")
    shot("proposals-detail-pending")

    page.get_by_role("button", name="Accept").click()
    expect(page.locator("#messages")).to_contain_text("is accepted")
    expect(page.get_by_role("heading", name="Accepted")).to_be_visible()
    shot("proposals-detail-accepted")
    page.get_by_role("button", name="Create project").click()

    # The project's page: the same number, its jobs and their items.
    expect(page).to_have_url(f"{live_server.url}/projects/{proposal.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind rebrand")
    expect(page.locator("#messages")).to_contain_text(f"was made from proposal {proposal.pk}")
    jobs = page.locator("#jobs .job-block h3")
    expect(jobs).to_have_count(2)
    expect(jobs.nth(0)).to_contain_text("Design")
    expect(jobs.nth(1)).to_contain_text("Build")
    expect(page.locator("#jobs")).to_contain_text("Print run")
    expect(page.locator("#jobs")).to_contain_text("Templates")
    shot("proposals-project")
    project = Project.objects.get()
    assert project.pk == proposal.pk and project.brief == "A new logo, labels and a website."

    # The list shows it accepted, with its project and its totals.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    table = page.locator("#proposals-table")
    expect(table).to_contain_text("Accepted")
    expect(table).to_contain_text(f"Project {proposal.pk}")
    expect(table).to_contain_text("3,283.20")
    shot("proposals-list")
    assert console_errors == []


def test_the_proposal_pages_pass_axe(signed_in, live_server):
    """The list, a proposal's page, the editor (new, existing and refused) and the
    editor after a row is added in place: WCAG 2.1 A and AA at both widths."""
    from billing import proposals
    from e2e.test_accessibility import PHONE, Audit

    page = signed_in
    TaxCodeFactory(code="001", name="Standard VAT", rate=Decimal("0.2"))
    LedgerCategoryFactory(code="4010", name="Design")
    owner = User.objects.get(email="owner@studio.test")
    proposal = proposals.create_proposal(
        title="Taproom website",
        client=CompanyFactory(name="Northwind Brewery").code,
        overview="A new site.",
        expanded=[{"Scope": "Six templates"}],
        conclusion=[{"Next": "A kick-off"}],
        jobs=[
            {
                "name": "Design",
                "discount": 5,
                "items": [
                    {"name": "Concepts", "hours": 10, "rate": 100, "taxcode": "001"},
                    {"name": "Proofs", "hours": 2, "rate": 80, "taxcode": "001", "print": False},
                ],
            }
        ],
        status="A",
        added_by=owner,
    )
    audit = Audit(page, live_server.url)
    for size in ({"width": 1280, "height": 800}, PHONE):
        page.set_viewport_size(size)
        for path in (
            "/proposals/",
            f"/proposals/{proposal.pk}/",
            "/proposals/add/",
            f"/proposals/{proposal.pk}/edit/",
        ):
            audit.visit(path)
        page.get_by_role("button", name="Add item to job 1").click()
        expect(page.get_by_label("Item 3 of job 1", exact=True)).to_be_focused()
        page.get_by_label("Hours of item 3 of job 1", exact=True).fill("lots")
        expect(page.locator("#proposal-totals")).to_contain_text("Not priced yet")
        audit.check(f"/proposals/{proposal.pk}/edit/ (a row added, a mistake)")
        page.goto(f"{live_server.url}/proposals/add/")
        page.get_by_role("button", name="Add proposal").click()
        expect(page.locator(".has-error").first).to_be_visible()
        audit.check("/proposals/add/ (refused)")
    audit.assert_clean()
