import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Periodical, Product, TaxCode
from crm.tests.factories import CompanyFactory, ContactFactory
from e2e.test_accessibility import PHONE, Audit


def _month_end_dates(year: int) -> list[str]:
    """A monthly schedule from 31 January: each month's last day when it is shorter."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = ["31", "29" if leap else "28", "31", "30", "31"]
    return [f"{year}-{month:02d}-{day}" for month, day in zip(range(1, 6), days, strict=True)]


def test_a_monthly_recurring_invoice_shows_its_next_five_dates(
    signed_in, live_server, shot, console_errors
):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"), position=1)
    company = CompanyFactory(name="Northwind Brewery")
    ContactFactory(company=company, fullname="Nia Northwind")
    Product.objects.create(
        name="Hosting", description="Managed server", unitprice=Decimal("120"), taxcode="001"
    )
    year = timezone.localdate().year + 1

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.get_by_role("navigation", name="Billing lists").get_by_role(
        "link", name="Recurring"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recurring invoices")
    page.get_by_role("button", name="New recurring invoice").click()

    # The client comes from suggestions that follow what is typed; its people are
    # then offered as the invoices' recipients.
    client = page.get_by_label("Client")
    client.press_sequentially("Northw", delay=30)
    expect(page.locator("#client-suggestions option").first).to_have_attribute(
        "value", re.compile(r"^C\d+ · Northwind Brewery$")
    )
    client.fill(page.locator("#client-suggestions option").first.get_attribute("value"))
    client.dispatch_event("change")
    expect(page.locator("#recipients")).to_contain_text("Nia Northwind")
    page.get_by_label("Title", exact=True).fill("Support retainer")

    # Monthly from 31 January: the next five dates follow as the schedule is typed.
    page.get_by_label("Repeats").select_option("M")
    page.get_by_label("First invoice").fill(f"{year}-01-31")
    runs = page.locator("#next-runs time")
    expect(runs.first).to_have_attribute("datetime", f"{year}-01-31")
    expect(runs).to_have_count(5)
    assert [runs.nth(n).get_attribute("datetime") for n in range(5)] == _month_end_dates(year)

    # A line typed in: its amount and the totals follow.
    page.get_by_label("Section 1, line 1: title").fill("Support hours")
    page.get_by_label("Section 1, line 1: quantity").fill("4")
    page.get_by_label("Section 1, line 1: unit price").fill("50")
    page.get_by_label("Section 1, line 1: tax code").select_option("001")
    expect(page.locator("#s0-l0-net")).to_have_text("200.00")
    expect(page.locator("#preview-grandtotal")).to_have_text("£240.00")

    # Another from the catalogue, in place.
    page.get_by_label("Add a product from the catalogue to section 1").select_option(
        label="Hosting"
    )
    expect(page.get_by_label("Section 1, line 2: title")).to_have_value("Hosting")
    expect(page.get_by_label("Section 1, line 2: quantity")).to_be_focused()
    expect(page.locator("#preview-grandtotal")).to_have_text("£384.00")

    # A third line typed and removed straight away: the totals come back with it.
    page.get_by_role("button", name="Add line").click()
    third = page.get_by_label("Section 1, line 3: title")
    expect(third).to_be_focused()
    third.fill("Extra")
    page.get_by_label("Section 1, line 3: unit price").fill("1000")
    page.get_by_role("button", name="Remove section 1, line 3").click()
    expect(third).to_have_count(0)
    expect(page.locator("#preview-grandtotal")).to_have_text("£384.00")
    page.get_by_label("Nia Northwind").check()
    page.get_by_label("Email each invoice when it is issued").check()
    shot("recurring-invoice-editor")

    # Every other month instead: the dates move at once.
    page.get_by_label("Every").fill("2")
    expect(runs.first).to_have_attribute("datetime", f"{year}-01-31")
    expect(runs.nth(1)).to_have_attribute("datetime", f"{year}-03-31")
    expect(runs.nth(4)).to_have_attribute("datetime", f"{year}-09-30")
    page.get_by_label("Every").fill("1")
    expect(runs.nth(1)).to_have_attribute("datetime", re.compile(rf"{year}-02-2[89]"))

    page.get_by_role("button", name="Add recurring invoice").click()
    expect(page.locator(".flash-success")).to_contain_text("Support retainer was saved.")
    periodical = Periodical.objects.get()
    assert (periodical.repeat, periodical.first) == ("M", date(year, 1, 31))
    assert periodical.grandtotal == Decimal("384.00")
    assert periodical.sendemail and len(periodical.email_to) == 1
    expect(page.locator("#next-runs time")).to_have_count(5)
    expect(page.locator("#invoices-made")).to_contain_text("None yet")
    shot("recurring-invoice-saved")

    # Listed with its next invoice.
    page.get_by_role("button", name="Back").click()
    table = page.locator("#periodicals-table")
    expect(table).to_contain_text("Support retainer")
    expect(table).to_contain_text("Every month")
    expect(table.locator("time").first).to_have_attribute("datetime", f"{year}-01-31")
    shot("recurring-invoices-list")

    # On a phone the lines scroll sideways inside their card; the page doesn't.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/invoices/recurring/{periodical.pk}/")
    expect(page.locator("#next-runs time")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("recurring-invoice-phone")
    assert console_errors == []


def test_deleting_asks_first(signed_in, live_server, shot, console_errors):
    from billing.tests.factories import PeriodicalFactory

    page = signed_in
    periodical = PeriodicalFactory(title="Old retainer")
    page.goto(f"{live_server.url}/invoices/recurring/{periodical.pk}/")
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    shot("recurring-invoice-delete")
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator(".flash-success")).to_contain_text("Old retainer was deleted")
    assert not Periodical.objects.exists()
    assert console_errors == []


def test_the_products_catalogue_in_settings(signed_in, live_server, shot, console_errors):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"), position=1)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Products").click()
    rows = page.locator("#products-rows")

    page.get_by_label("Product name").fill("Hosting")
    page.get_by_label("Product description").fill("Managed server, monthly")
    page.get_by_label("Product unit price").fill("120")
    page.get_by_label("Product tax code").select_option("001")
    page.get_by_role("button", name="Add product").click()
    expect(rows.locator("tr", has_text="Hosting")).to_contain_text("120.00")

    # The same name again is refused inline.
    page.get_by_label("Product name").fill("hosting")
    page.get_by_label("Product unit price").fill("5")
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("#products-add-row .field-error")).to_contain_text("already in use")
    shot("settings-products")

    page.get_by_role("button", name="Edit Hosting").click()
    editing = page.locator("tr.editing")
    editing.locator("input[name$='unitprice']").fill("99.50")
    editing.get_by_role("button", name="Save").click()
    expect(rows.locator("tr:not(.add-row)", has_text="Hosting")).to_contain_text("99.50")
    assert Product.objects.get().unitprice == Decimal("99.50")
    assert console_errors == []


@pytest.mark.parametrize("viewport", [None, PHONE])
def test_the_pages_pass_axe(signed_in, live_server, viewport):
    from billing import periodicals
    from billing.tests.factories import PeriodicalFactory

    page = signed_in
    if viewport:
        page.set_viewport_size(viewport)
    Product.objects.create(name="Hosting", unitprice=Decimal("120"))
    periodical = PeriodicalFactory(title="Retainer", sendemail=True)
    ContactFactory(company=periodical.client_company, fullname="Ann Accounts")
    periodicals.invoice_due_periods()
    audit = Audit(page, live_server.url)
    for path in (
        "/invoices/recurring/",
        "/invoices/recurring/add/",
        f"/invoices/recurring/{periodical.pk}/",
        "/settings/products/",
    ):
        audit.visit(path)
    # Refused, with its errors inline.
    page.goto(f"{live_server.url}/invoices/recurring/add/")
    page.get_by_role("button", name="Add recurring invoice").click()
    expect(page.locator(".has-error").first).to_be_visible()
    audit.check("/invoices/recurring/add/ (refused)")
    audit.assert_clean()
