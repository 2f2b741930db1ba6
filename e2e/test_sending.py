"""Sending an issued invoice from its page: the Send dialog, its refusal inline, then
the Deliveries list saying it was sent (the worker runs inline in the tests)."""

from django.core import mail
from playwright.sync_api import expect

from billing.tests.documents import issued_invoice
from crm.tests.factories import CompanyFactory, ContactFactory


def test_send_an_invoice_from_its_page(signed_in, live_server, shot, console_errors):
    page = signed_in
    company = CompanyFactory(name="Northwind Brewery")
    ContactFactory(fullname="Joe Bloggs", email="joe@northwind.test", company=company)
    ContactFactory(fullname="Ann Other", email="", company=company)
    invoice = issued_invoice(client=company)

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    deliveries = page.locator("#document-sendings")
    expect(deliveries).to_contain_text("Not sent yet.")
    page.get_by_role("button", name="Send", exact=True).click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text(f"Send Invoice {invoice.reference}")
    joe = dialog.get_by_label("Joe Bloggs (joe@northwind.test)")
    expect(joe).to_be_checked()
    expect(dialog.get_by_label("Ann Other (no email address)")).not_to_be_checked()
    message = dialog.get_by_label("Message")
    expect(message).to_have_value(
        f"Hello,\n\nPlease find attached invoice {invoice.reference} for £300.00.\n\n"
        "Thank you,\nMy Studio"
    )
    shot("send-dialog")

    # Nobody ticked: the dialog says so and sends nothing.
    joe.uncheck()
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Choose at least one person to send it to.")
    shot("send-dialog-refused")
    assert mail.outbox == []

    dialog.get_by_label("Joe Bloggs (joe@northwind.test)").check()
    dialog.get_by_label("Message").fill("Hello Joe,\n\nYour invoice for the spring labels.")
    dialog.get_by_role("button", name="Send").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(deliveries).to_contain_text("To Joe Bloggs")
    expect(deliveries.locator(".badge")).to_have_text("Sent")
    # Only the list was drawn again: the document and its payments are still there.
    expect(page.get_by_role("heading", name="Payments")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    shot("send-delivered")

    [sent] = mail.outbox
    assert sent.to == ["Joe Bloggs <joe@northwind.test>"]
    assert sent.attachments[0][2] == "application/pdf"
    assert sent.attachments[0][1].startswith(b"%PDF-")
    assert console_errors == []
