"""An invoice from start to paid in the browser: built with two sections (one line from
the catalogue), its totals following the typing, issued, paid through the modal."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from billing.models import Invoice, LedgerCategory, Product, TaxCode
from crm.tests.factories import CompanyFactory
from e2e.swaps import answer_swapped_into
from e2e.test_accessibility import axe_violations, describe, settle

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def at_width(page, size: dict):
    """Resizes the page and waits for the sidebar to settle (it slides away on a phone)."""
    page.set_viewport_size(size)
    nav = expect(page.get_by_role("navigation", name="Main"))
    if size == PHONE:
        nav.not_to_be_in_viewport()
    else:
        nav.to_be_in_viewport()
    page.wait_for_timeout(250)


def no_sideways_scroll(page, where: str):
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where


def accessible(page, where: str):
    settle(page)
    violations = axe_violations(page)
    assert not violations, describe(where, violations)


def test_build_an_invoice_issue_it_and_see_it_paid(signed_in, live_server, shot, console_errors):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"), position=1)
    TaxCode.objects.create(code="003", name="Zero rated", rate=Decimal("0"), position=2)
    LedgerCategory.objects.create(code="4010", name="Design")
    Product.objects.create(
        name="Label design", unitprice=Decimal("150"), taxcode="001", category="4010"
    )
    CompanyFactory(name="Northwind Brewery")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    page.get_by_role("button", name="New invoice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New invoice")

    # The client comes from suggestions that follow what is typed.
    client = page.get_by_label("Client")
    client.press_sequentially("Northw", delay=30)
    option = page.locator("#client-suggestions option").first
    expect(option).to_have_attribute("value", re.compile(r"^C\d+ · Northwind Brewery$"))
    client.fill(option.get_attribute("value"))
    page.get_by_label("Purchase order (PO)").fill("NW-2024-17")

    totals = page.locator("#document-totals")
    grand = page.locator("#grand-total")

    # Section 1: a line typed in, the totals following as one types.
    page.get_by_label("Title of section 1").fill("Design")
    page.get_by_label("Item, line 1 of section 1").fill("Logo")
    # Enter in a field neither saves half an invoice nor presses a line's button.
    page.get_by_label("Item, line 1 of section 1").press("Enter")
    page.get_by_label("Qty, line 1 of section 1").fill("2")
    page.get_by_label("Unit price, line 1 of section 1").press_sequentially("100", delay=40)
    expect(grand).to_have_text("£240.00")
    expect(page.locator("#sections-0-lines-0-net")).to_have_text("£200.00")
    expect(page.get_by_label("Ledger, line 1 of section 1")).to_have_value("-")
    page.get_by_label("Ledger, line 1 of section 1").select_option("4010")

    # A second line from the catalogue: its name, price, tax code and ledger.
    page.get_by_label("Product for section 1").select_option(label="Label design · £150.00")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_label("Item, line 2 of section 1")).to_have_value("Label design")
    expect(page.get_by_label("Qty, line 2 of section 1")).to_be_focused()
    expect(page.get_by_label("Ledger, line 2 of section 1")).to_have_value("4010")
    expect(grand).to_have_text("£420.00")

    # Section 2, zero rated.
    page.get_by_role("button", name="Add section").click()
    expect(page.get_by_label("Title of section 2")).to_be_focused()
    page.get_by_label("Title of section 2").fill("Print")
    page.get_by_label("Item, line 1 of section 2").fill("Posters")
    page.get_by_label("Tax, line 1 of section 2").select_option("003")
    page.get_by_label("Qty, line 1 of section 2").fill("10")
    page.get_by_label("Unit price, line 1 of section 2").fill("5")
    expect(grand).to_have_text("£470.00")
    expect(totals).to_contain_text("Standard VAT at 20%")
    expect(totals).to_contain_text("Zero rated at 0%")

    # A line added by mistake goes again; the one before it moves up. The editor comes
    # back with the line; typing reprices only once htmx has settled its new totals.
    with answer_swapped_into(page.locator("#lines-editor")):
        page.get_by_role("button", name="Add line").nth(1).click()
    page.get_by_label("Item, line 2 of section 2").fill("Flyers")
    page.get_by_label("Unit price, line 2 of section 2").fill("1")
    expect(grand).to_have_text("£471.20")
    page.get_by_role("button", name="Move line 2 of section 2 up").click()
    expect(page.get_by_label("Item, line 1 of section 2")).to_have_value("Flyers")
    page.get_by_role("button", name="Remove line 1 of section 2").click()
    expect(page.get_by_label("Item, line 1 of section 2")).to_have_value("Posters")
    expect(grand).to_have_text("£470.00")

    # A section removed goes only after a yes.
    page.get_by_role("button", name="Add section").click()
    expect(page.get_by_label("Title of section 3")).to_be_focused()
    page.get_by_role("button", name="Remove section").nth(2).click()
    page.locator("#confirm-dialog").get_by_role("button", name="Yes, go ahead").click()
    expect(page.get_by_label("Title of section 3")).to_have_count(0)
    expect(page.get_by_label("Title of section 2")).to_be_focused()
    assert not Invoice.objects.exists()

    # A discount: the totals take it off before the tax.
    page.get_by_label("Discount (%)").fill("10")
    expect(grand).to_have_text("£423.00")
    expect(totals).to_contain_text("−£40.00")
    shot("invoice-editor")
    at_width(page, PHONE)
    no_sideways_scroll(page, "the editor on a phone")
    shot("invoice-editor-phone")
    at_width(page, DESKTOP)
    accessible(page, "the editor")

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("was saved")
    invoice = Invoice.objects.get()
    assert invoice.grandtotal == Decimal("423.00") and invoice.issued_at is None
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Draft invoice #{invoice.pk}")
    shot("invoice-draft")

    # Issue, after saying yes.
    page.get_by_role("button", name="Issue").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("It takes the next invoice number")
    dialog.get_by_role("button", name="Yes, go ahead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 1")
    document = page.locator("article.document")
    expect(document).to_contain_text("Northwind Brewery")
    expect(document).to_contain_text("NW-2024-17")
    expect(document.locator(".badge")).to_have_text("Issued")
    expect(page.locator("#invoice-balance")).to_have_text("£423.00")
    expect(page.get_by_role("button", name="Edit", exact=True)).to_have_count(0)

    # A payment in the modal: a refused amount says why there, then the right one.
    page.get_by_role("button", name="Record payment").click()
    modal = page.locator("#modal")
    expect(modal.get_by_label("Amount")).to_have_value("423.00")
    expect(modal.get_by_label("Amount")).to_be_focused()
    modal.get_by_label("Amount").fill("500")
    modal.get_by_role("button", name="Record payment").click()
    expect(modal.locator(".field-error")).to_have_text(
        "Amount is more than the balance of invoice 1 (423.00)."
    )
    shot("invoice-payment-refused")
    modal.get_by_label("Amount").fill("423")
    modal.get_by_label("Method").select_option("Card")
    modal.get_by_role("button", name="Record payment").click()
    expect(modal).to_be_hidden()
    recorded = page.locator(".flash-success").last
    expect(recorded).to_contain_text("A payment of £423.00 was recorded.")
    expect(document.locator(".badge")).to_have_text("Paid")
    expect(page.locator("#invoice-balance")).to_have_text("£0.00")
    expect(page.locator("#invoice-payments")).to_contain_text("by Card")
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    shot("invoice-paid")
    accessible(page, "the paid invoice")
    at_width(page, PHONE)
    no_sideways_scroll(page, "the invoice on a phone")
    shot("invoice-paid-phone")
    at_width(page, DESKTOP)

    # The list puts it under Paid, with the tab's money.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    paid = page.get_by_role("link", name=re.compile(r"^Paid 1"))
    expect(paid).to_contain_text("£423.00")
    paid.click()
    table = page.locator("#invoices-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Northwind Brewery")
    expect(page).to_have_url(re.compile(r"tab=paid"))
    page.get_by_role("link", name=re.compile(r"^Drafts 0")).click()
    expect(table).to_contain_text("No invoices match.")
    page.get_by_role("link", name=re.compile(r"^All 1")).click()
    expect(table).to_contain_text("Northwind Brewery")
    page.get_by_label("Search invoices").fill("northwind")
    expect(page).to_have_url(re.compile(r"search=northwind"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Northwind Brewery")
    shot("invoices-list")
    accessible(page, "the invoices list")
    at_width(page, PHONE)
    no_sideways_scroll(page, "the list on a phone")
    shot("invoices-list-phone")
    assert console_errors == []


def test_raise_a_credit_note_and_find_it_with_the_payments(
    signed_in, live_server, shot, console_errors
):
    from accounts.models import User
    from billing import invoicing

    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"), position=1)
    owner = User.objects.get(email="owner@studio.test")
    company = CompanyFactory(name="Harbour Lights")
    items = [
        {
            "title": "Website",
            "items": [
                {"title": "Design", "quantity": 1, "unitprice": 500, "taxcode": "001"},
                {"title": "Build", "quantity": 1, "unitprice": 1000, "taxcode": "001"},
            ],
        }
    ]
    invoice = invoicing.issue_invoice(
        invoicing.create_invoice(added_by=owner, client=f"C{company.pk}", items=items), by=owner
    )
    invoicing.record_payment(invoice=invoice, amount="600", date="2024-05-02", method="BACS")

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-balance")).to_have_text("£1,200.00")
    page.get_by_role("button", name="Raise credit note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credit note against invoice 1")
    # It starts from the invoice's lines; one line for an amount is a click away.
    expect(page.get_by_label("Item, line 2 of section 1")).to_have_value("Build")
    expect(page.locator("#grand-total")).to_have_text("£1,800.00")
    page.get_by_role("link", name="One line for an amount").click()
    expect(page.get_by_label("Item, line 1 of section 1")).to_have_value("Credit against invoice 1")
    # Act only once htmx has wired up the new page, or the input goes unheard.
    page.wait_for_load_state("load")
    price = page.get_by_label("Unit price, line 1 of section 1")
    expect(price).to_be_focused()
    price.fill("2000")
    expect(page.locator("#grand-total")).to_have_text("£2,400.00")
    page.get_by_role("button", name="Save draft credit note").click()
    expect(page.locator(".form-errors")).to_contain_text(
        "Total is more than is left to credit on invoice 1 (1800.00 with tax)."
    )
    shot("credit-note-refused")
    page.get_by_label("Unit price, line 1 of section 1").fill("250")
    expect(page.locator("#grand-total")).to_have_text("£300.00")
    accessible(page, "the credit note editor")
    page.get_by_role("button", name="Save draft credit note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Draft credit note"))
    page.get_by_role("button", name="Issue").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Yes, go ahead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credit note 1")
    expect(page.locator("article.document")).to_contain_text("Credit to")
    shot("credit-note")
    accessible(page, "the credit note")

    page.get_by_role("link", name="invoice 1", exact=True).click()
    expect(page.locator("#invoice-balance")).to_have_text("£900.00")
    expect(page.locator("#invoice-credit-notes")).to_contain_text("Credit note 1")

    # The payment went in; deleting it asks first, then the invoice owes it again.
    page.locator("#invoice-payments").get_by_role("button", name=re.compile("^Delete")).click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("The invoice will owe it again.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#invoice-balance")).to_have_text("£900.00")

    page.goto(f"{live_server.url}/invoices/payments/")
    expect(page.locator("#payments-table")).to_contain_text("Harbour Lights")
    expect(page.locator("#payments-table")).to_contain_text("£600.00")
    shot("payments-list")
    accessible(page, "the payments list")
    page.get_by_role("link", name="Credit notes").click()
    table = page.locator("#credit-notes-table")
    expect(table).to_contain_text("£300.00")
    page.get_by_label("Status").select_option("draft")
    expect(table).to_contain_text("No credit notes match.")
    page.get_by_label("Status").select_option("issued")
    expect(table).to_contain_text("Harbour Lights")
    shot("credit-notes-list")
    at_width(page, PHONE)
    no_sideways_scroll(page, "the credit notes on a phone")
    shot("credit-notes-list-phone")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/credit/")
    no_sideways_scroll(page, "the credit note editor on a phone")
    shot("credit-note-editor-phone")
    assert console_errors == []
