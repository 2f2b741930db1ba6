"""Billing the work in the browser: a project's page shows its unbilled time and
items, "Invoice unbilled work" makes the draft and opens it, and the project's and
its client's pages then list the draft with nothing left to bill; at desktop and
phone widths."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from billing import invoicing
from billing.models import Invoice
from billing.tests.factories import TaxCodeFactory
from projects.models import JobItem
from projects.tests.factories import JobFactory, TimeEntryFactory


def test_invoicing_a_projects_unbilled_work(signed_in, live_server, shot, console_errors):
    page = signed_in
    # The draft opens in the admin until invoices have pages of their own.
    User.objects.filter(email="owner@studio.test").update(is_staff=True)
    TaxCodeFactory(code="001", name="Standard VAT", rate=Decimal("0.2"))
    job = JobFactory(title="Design", project__title="Harbour Lights rebrand")
    project, client = job.project, job.project.client_company
    concepts = JobItem.objects.create(
        job=job, title="Concepts", rate=110, hours=12, added_by=job.added_by
    )
    JobItem.objects.create(
        job=job, title="Print run", type="fixed", hours=1, rate=2400, added_by=job.added_by
    )
    TimeEntryFactory(item=concepts, hours=Decimal("6.5"))
    earlier = invoicing.create_invoice(
        items=[{"title": "Deposit", "quantity": 1, "unitprice": 500, "taxcode": "001"}],
        for_code=f"P{project.pk}",
        date=timezone.now() - timedelta(days=40),
        terms=30,
        added_by=job.added_by,
        ready=True,
    )

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    panel = page.locator("#invoices")
    expect(panel).to_contain_text("£3,115.00")  # 6.5 h × 110 + 2,400
    expect(panel).to_contain_text("6.5 h of time and 1 fixed or external item")
    expect(panel).to_contain_text("£600.00 overdue")
    expect(panel.locator(".invoice-rows li")).to_have_count(1)
    expect(panel.locator(".invoice-rows li")).to_contain_text(earlier.reference)
    expect(panel.locator(".invoice-rows li")).to_contain_text("Overdue")
    shot("billing-project-panel-1280")
    assert console_errors == []

    button = panel.get_by_role("button", name="Invoice unbilled work")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/billing/invoice/*/change/")
    draft = Invoice.objects.get(issued_at=None)
    assert draft.grandtotal == Decimal("3738.00")
    expect(page.locator("body")).to_contain_text("A draft invoice for")
    # Django's admin asks for a /favicon.ico Docket doesn't serve: not our page.
    page.wait_for_load_state("networkidle")
    console_errors.clear()

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(panel.locator(".invoice-rows li")).to_have_count(2)
    expect(panel.locator(".invoice-rows li").first).to_contain_text(f"Draft #{draft.pk}")
    expect(panel).to_contain_text("Nothing: all the work is billed")
    expect(panel.get_by_role("button", name="Invoice unbilled work")).to_have_count(0)

    page.goto(f"{live_server.url}/connections/companies/{client.pk}/")
    expect(page.locator("#invoices .invoice-rows li")).to_have_count(2)
    shot("billing-company-panel-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/projects/jobs/{job.pk}/")
    expect(page.locator("#invoices")).to_contain_text("Nothing: all the work is billed")
    shot("billing-job-panel-390")
    assert console_errors == []
