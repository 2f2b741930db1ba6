"""The Send dialog and the Deliveries list on the invoice, credit note and proposal pages."""

import json

import pytest
from django.core import mail

from billing import delivery
from billing.models import DocumentSending
from billing.tests.documents import credit_note, draft_invoice, issued_invoice
from billing.tests.factories import ProposalFactory
from conftest import signed_in_client
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    monkeypatch.setattr(delivery, "attachment", lambda document: b"%PDF-1.7\n")


@pytest.fixture
def company():
    company = CompanyFactory(name="Acme Studio")
    ContactFactory(fullname="Joe Bloggs", email="joe@acme.test", company=company)
    ContactFactory(fullname="No Mail", email="", company=company)
    return company


def text(response) -> str:
    return response.content.decode()


def test_the_dialog_ticks_the_clients_people_and_offers_a_message(staff_client, company):
    invoice = issued_invoice(client=company)
    joe = company.people.get(email="joe@acme.test")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert f'hx-get="/invoices/{invoice.pk}/send/"' in page and "Deliveries" in page
    assert "Not sent yet." in page

    dialog = text(staff_client.get(f"/invoices/{invoice.pk}/send/", headers=HTMX))
    assert f"Send Invoice {invoice.reference}" in dialog
    assert f'value="{joe.pk}"' in dialog and "Joe Bloggs (joe@acme.test)" in dialog
    assert "No Mail (no email address)" in dialog
    # The company's people with an email address are ticked; the one without is not.
    assert dialog.count("checked") == 1
    assert f"Please find attached invoice {invoice.reference} for £300.00." in dialog
    assert "admin@studio.test" in dialog  # a user to copy


def test_sending_from_the_dialog_queues_it_and_the_worker_sends_it(
    staff_client, admin_user, company, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(client=company)
    joe = company.people.get(email="joe@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/invoices/{invoice.pk}/send/",
            {"to": [str(joe.pk)], "bcc": ["admin@studio.test"], "message": "Hello Joe"},
            headers=HTMX,
        )
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["closeModal"] and events["sendingsChanged"]
    [sent] = mail.outbox
    assert sent.to == ["Joe Bloggs <joe@acme.test>"] and sent.bcc == ["admin@studio.test"]
    panel = text(staff_client.get(f"/invoices/{invoice.pk}/sendings/", headers=HTMX))
    assert "To Joe Bloggs" in panel and 'badge-green">Sent' in panel
    assert "every 3s" not in panel  # nothing under way: it stops asking
    assert DocumentSending.objects.get().by == admin_user


def test_a_refused_sending_says_why_in_the_dialog(staff_client, company):
    invoice = issued_invoice(client=company)
    nomail = company.people.get(email="")
    url = f"/invoices/{invoice.pk}/send/"
    nobody = text(staff_client.post(url, {"message": "Hi"}, headers=HTMX))
    assert "Choose at least one person to send it to." in nobody
    no_address = text(
        staff_client.post(url, {"to": [str(nomail.pk)], "message": "Hi"}, headers=HTMX)
    )
    assert "No Mail has no email address: add one on their page, or leave them out." in no_address
    joe = company.people.get(email="joe@acme.test")
    too_long = text(
        staff_client.post(url, {"to": [str(joe.pk)], "message": "x" * 10_001}, headers=HTMX)
    )
    assert "Message must be at most 10000 characters (it has 10001)." in too_long
    assert not DocumentSending.objects.exists()


def test_a_queued_sending_refreshes_itself_and_a_failure_shows_its_reason(staff_client, company):
    invoice = issued_invoice(client=company)
    joe = company.people.get(email="joe@acme.test")
    sending = delivery.request_sending(invoice, to=[joe.pk], message="Hi")
    panel = text(staff_client.get(f"/invoices/{invoice.pk}/sendings/", headers=HTMX))
    assert "every 3s" in panel and "Queued" in panel
    DocumentSending.objects.filter(pk=sending.pk).update(
        state=DocumentSending.State.FAILED,
        attempts=1,
        reason="The mail server could not be reached: Connection refused",
    )
    panel = text(staff_client.get(f"/invoices/{invoice.pk}/sendings/", headers=HTMX))
    assert "Connection refused" in panel and "Trying again shortly (attempt 1 of 4)." in panel
    assert "every 3s" in panel
    DocumentSending.objects.filter(pk=sending.pk).update(attempts=4)
    panel = text(staff_client.get(f"/invoices/{invoice.pk}/sendings/", headers=HTMX))
    assert 'badge-red">Failed' in panel and "every 3s" not in panel


def test_a_draft_has_no_send_button(staff_client, company):
    invoice = draft_invoice(client=company, sendemail=True)
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert f"/invoices/{invoice.pk}/send/" not in page
    assert "it is set to go by email as it is issued" in page
    response = staff_client.post(f"/invoices/{invoice.pk}/send/", {"message": "Hi"}, headers=HTMX)
    assert "A draft is not sent: issue it first, then send it." in text(response)


def test_a_credit_note_and_a_proposal_are_sent_from_their_pages(
    staff_client, company, django_capture_on_commit_callbacks
):
    joe = company.people.get(email="joe@acme.test")
    note = credit_note(issued_invoice(client=company), 10)
    proposal = ProposalFactory(client_company=company)
    for page, send in [
        (f"/invoices/creditnotes/{note.pk}/", f"/invoices/creditnotes/{note.pk}/send/"),
        (f"/proposals/{proposal.pk}/", f"/proposals/{proposal.pk}/send/"),
    ]:
        assert f'hx-get="{send}"' in text(staff_client.get(page))
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(send, {"to": [str(joe.pk)], "message": "Hi"}, headers=HTMX)
        assert response.status_code == 204
        assert 'badge-green">Sent' in text(staff_client.get(page))
    assert [m.attachments[0][0] for m in mail.outbox] == [
        f"Credit note {note.reference}.pdf",
        f"Proposal {proposal.pk}.pdf",
    ]


def test_sending_needs_the_documents_area(restricted_to, company):
    invoice = issued_invoice(client=company)
    proposal = ProposalFactory(client_company=company)
    proposals_only = signed_in_client(restricted_to("proposals"))
    invoices_only = signed_in_client(restricted_to("invoices"))
    assert proposals_only.get(f"/invoices/{invoice.pk}/send/").status_code == 403
    assert proposals_only.post(f"/invoices/{invoice.pk}/send/").status_code == 403
    assert proposals_only.get(f"/invoices/{invoice.pk}/sendings/").status_code == 403
    assert invoices_only.get(f"/proposals/{proposal.pk}/send/").status_code == 403
    assert not DocumentSending.objects.exists()
