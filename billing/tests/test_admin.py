"""The admin shows billing's documents but never writes them: an issued invoice or
credit note can't be changed or deleted there, from its page or the list's bulk
action; a draft or a payment is deleted through the services."""

import pytest

from billing.models import CreditNote, Invoice, Payment
from billing.tests.documents import credit_note, draft_invoice, issued_invoice, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(admin_user, client):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_an_issued_invoice_is_shown_read_only(admin_client_):
    invoice = issued_invoice()
    page = admin_client_.get(f"/admin/billing/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "Issued" in html  # its history, read-only
    assert "/delete/" not in html
    response = admin_client_.post(
        f"/admin/billing/invoice/{invoice.pk}/change/", {"purchaseorder": "changed"}
    )
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.purchaseorder == ""
    assert admin_client_.get("/admin/billing/invoice/add/").status_code == 403


def test_an_issued_invoice_is_never_deleted(admin_client_):
    invoice = issued_invoice()
    assert admin_client_.get(f"/admin/billing/invoice/{invoice.pk}/delete/").status_code == 403
    assert (
        admin_client_.post(
            f"/admin/billing/invoice/{invoice.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    # The list's bulk action refuses a selection holding an issued invoice.
    draft = draft_invoice()
    selection = {"action": "delete_selected", "_selected_action": [invoice.pk, draft.pk]}
    response = admin_client_.post("/admin/billing/invoice/", selection)
    assert response.status_code == 200
    assert "permission to delete" in response.content.decode()
    response = admin_client_.post("/admin/billing/invoice/", {**selection, "post": "yes"})
    assert response.status_code == 403
    assert Invoice.objects.count() == 2


def test_a_draft_is_deleted_through_the_service(admin_client_):
    draft = draft_invoice()
    page = admin_client_.get(f"/admin/billing/invoice/{draft.pk}/change/")
    assert 'name="_save"' not in page.content.decode()  # drafts change on their own pages
    response = admin_client_.post(f"/admin/billing/invoice/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.exists()
    drafts = [draft_invoice().pk, draft_invoice().pk]
    admin_client_.post(
        "/admin/billing/invoice/",
        {"action": "delete_selected", "_selected_action": drafts, "post": "yes"},
    )
    assert not Invoice.objects.exists()


def test_an_issued_credit_note_is_kept_and_a_draft_may_go(admin_client_):
    invoice = issued_invoice()
    note = credit_note(invoice, 10)
    draft = credit_note(invoice, 10, issue=False)
    url = "/admin/billing/creditnote/{}/{}/"
    assert admin_client_.get(url.format(note.pk, "change")).status_code == 200
    assert admin_client_.post(url.format(note.pk, "change"), {}).status_code == 403
    assert admin_client_.post(url.format(note.pk, "delete"), {"post": "yes"}).status_code == 403
    assert admin_client_.post(url.format(draft.pk, "delete"), {"post": "yes"}).status_code == 302
    assert list(CreditNote.objects.all()) == [note]


def test_a_payment_is_never_changed_but_may_be_deleted(admin_client_):
    invoice = issued_invoice()
    paid = payment(invoice, 100)
    url = f"/admin/billing/payment/{paid.pk}/"
    assert admin_client_.get(url + "change/").status_code == 200
    assert admin_client_.post(url + "change/", {"amount": "1"}).status_code == 403
    assert admin_client_.get("/admin/billing/payment/add/").status_code == 403
    assert admin_client_.post(url + "delete/", {"post": "yes"}).status_code == 302
    assert not Payment.objects.exists()


def test_the_lists_show(admin_client_):
    invoice = issued_invoice()
    credit_note(invoice, 10)
    payment(invoice, 10)
    for name in ("invoice", "creditnote", "payment"):
        assert admin_client_.get(f"/admin/billing/{name}/").status_code == 200
