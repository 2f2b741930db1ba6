"""An issued invoice's e-invoice in the browser: the XML downloads from its page, and
the page says what the account and the client lack for a valid one until they're
filled in."""

from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect

from accounts.models import AccountSettings
from accounts.services import update_account_settings
from billing.models import TaxCode
from billing.tests.documents import issued_invoice
from crm.tests.factories import CompanyFactory
from e2e.test_invoices import accessible


def test_the_invoice_page_offers_the_xml_and_asks_for_what_is_missing(
    signed_in, live_server, shot, console_errors
):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"))
    AccountSettings.load()
    update_account_settings(company_name="Northwind Studio", vat_number="")
    client = CompanyFactory(name="Northwind Brewery", city="Leeds", country="")
    invoice = issued_invoice(client=client)

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    card = page.locator("#einvoice")
    expect(card.get_by_role("note")).to_contain_text("Not yet a valid e-invoice.")
    expect(card.get_by_role("note")).to_have_text(
        "Not yet a valid e-invoice. Fill in your VAT number, your country and "
        "Northwind Brewery's country."
    )
    accessible(page, "an issued invoice lacking e-invoice fields")
    shot("einvoice-missing-fields")

    with page.expect_download() as download:
        card.get_by_role("link", name="Download the Factur-X XML").click()
    assert download.value.suggested_filename == f"invoice-{invoice.reference}-factur-x.xml"
    assert b"<ram:TypeCode>380</ram:TypeCode>" in Path(download.value.path()).read_bytes()

    card.get_by_role("link", name="your VAT number").click()
    page.get_by_label("VAT number").fill("GB123456789")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Company details saved.")).to_be_visible()
    client.country = "United Kingdom"
    client.save()

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(card).to_contain_text("Download the Factur-X XML")
    expect(card.get_by_role("note")).to_have_count(0)
    shot("einvoice-complete")
    assert console_errors == []
