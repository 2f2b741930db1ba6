"""Invoices, credit notes and payments through the service every caller uses."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import DocumentEvent, Invoice
from billing.queries import invoices_overdue_on, with_balance
from billing.tests.factories import TaxCodeFactory
from billing.totals import public_sections
from crm.tests.factories import CompanyFactory
from projects.tests.factories import JobFactory

pytestmark = pytest.mark.django_db

SPEC_ITEMS = [
    {
        "title": "Section 1",
        "items": [
            {
                "type": "hourly",
                "title": "Item 1",
                "quantity": 1,
                "unitprice": 100,
                "taxcode": "001",
            },
            {
                "type": "hourly",
                "title": "Item 2",
                "quantity": 1,
                "unitprice": 150,
                "taxcode": "001",
            },
        ],
    }
]


@pytest.fixture(autouse=True)
def vat():
    TaxCodeFactory(code="001", rate=D("0.2"))


@pytest.fixture
def owner():
    return UserFactory()


def draft(owner, **fields):
    values = {"items": SPEC_ITEMS, "total": "250", "client": f"C{CompanyFactory().pk}"}
    return invoicing.create_invoice(added_by=owner, **{**values, **fields})


def issued(owner, **fields):
    return invoicing.issue_invoice(draft(owner, **fields), by=owner)


def errors_of(refused) -> dict:
    return {field: [str(m) for m in messages] for field, messages in refused.message_dict.items()}


def test_the_specs_example_is_priced_and_stays_a_draft(owner):
    invoice = draft(owner)
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (D("250"), D("50"), D("300"))
    assert invoice.reference is None and not invoice.issued
    assert invoice.due == invoice.date + timedelta(days=30)


def test_a_total_that_does_not_match_is_refused_with_the_expected_value(owner):
    with pytest.raises(ValidationError) as refused:
        draft(owner, total="249.99")
    assert errors_of(refused.value)["total"] == [
        "total does not match the items (expected 250.00)."
    ]
    assert not Invoice.objects.exists()


def test_the_client_comes_from_the_job_billed(owner):
    job = JobFactory()
    invoice = draft(owner, client="", for_code=f"J{job.pk}")
    assert (invoice.job, invoice.project) == (job, job.project)
    assert invoice.client == job.project.client


def test_no_client_is_refused(owner):
    with pytest.raises(ValidationError) as refused:
        draft(owner, client="")
    assert "client is required" in errors_of(refused.value)["client"][0]


def test_issuing_takes_the_next_number_and_records_it(owner):
    account = AccountSettings.load()
    account.nextinvoiceid = 171
    account.save()
    first, second = issued(owner), issued(owner)
    assert (first.reference, second.reference) == ("171", "172")
    assert AccountSettings.load().nextinvoiceid == 173
    assert DocumentEvent.objects.filter(invoice=first, kind="issued", by=owner).count() == 1


def test_a_counter_set_back_skips_numbers_already_used(owner):
    issued(owner)
    account = AccountSettings.load()
    account.nextinvoiceid = 1
    account.save()
    assert issued(owner).reference == "2"


def test_ready_with_a_date_that_has_come_issues_at_once(owner):
    assert draft(owner, ready=True).issued


def test_ready_for_a_later_date_is_issued_by_the_worker_on_its_day(owner):
    later = timezone.now() + timedelta(days=3)
    invoice = draft(owner, ready=True, date=later)
    assert not invoice.issued
    assert invoicing.issue_due_invoices() == 0
    assert invoicing.issue_due_invoices(now=later + timedelta(minutes=1)) == 1
    invoice.refresh_from_db()
    assert invoice.reference == "1"
    # Run again (a worker that retried): nothing more.
    assert invoicing.issue_due_invoices(now=later + timedelta(minutes=2)) == 0


def test_an_issued_invoice_keeps_its_money_and_cannot_be_deleted(owner):
    invoice = issued(owner)
    fewer_lines = [{**SPEC_ITEMS[0], "items": SPEC_ITEMS[0]["items"][:1]}]
    with pytest.raises(ValidationError) as refused:
        invoicing.update_invoice(invoice, items=fewer_lines, total="100", discount="10")
    assert set(errors_of(refused.value)) == {"items", "total", "discount"}
    assert "raise a credit note" in errors_of(refused.value)["discount"][0]
    with pytest.raises(ValidationError, match="raise a credit note"):
        invoicing.delete_invoice(invoice)
    # Delivery may still change.
    invoicing.update_invoice(invoice, emailmessage="Thanks!")
    invoice.refresh_from_db()
    assert (invoice.email_message, invoice.grandtotal) == ("Thanks!", D("300"))


def test_an_issued_invoice_takes_its_fixed_fields_back_unchanged(owner):
    """A client sends back what it read (the date to the second, numbers as numbers):
    only what would change is refused."""
    job = JobFactory()
    invoice = issued(owner, client="", for_code=f"J{job.pk}", purchaseorder="PO-1", terms=14)
    as_read = {
        "items": json.loads(json.dumps(public_sections(invoice.items), default=float)),
        "total": 250,
        "discount": 0,
        "client": f"C{job.project.client_company_id}",
        "for_code": f"J{job.pk}",
        "purchaseorder": "PO-1",
        "date": int(invoice.date.timestamp()),
        "terms": 14,
    }
    invoicing.update_invoice(invoice, emailmessage="Paid yet?", **as_read)
    invoice.refresh_from_db()
    assert (invoice.email_message, invoice.total, invoice.terms) == ("Paid yet?", D("250"), 14)
    for name, changed in (
        ("date", as_read["date"] + 1),
        ("for_code", f"P{job.project_id}"),
        ("for_code", ""),
        ("client", f"C{CompanyFactory().pk}"),
        ("terms", 15),
        ("purchaseorder", "PO-2"),
        ("total", "250.01"),
    ):
        with pytest.raises(ValidationError, match="raise a credit note"):
            invoicing.update_invoice(invoice, **{**as_read, name: changed})
    note = invoicing.issue_credit_note(credit(invoice, owner, "10"), by=owner)
    invoicing.update_credit_note(
        note,
        invoice=invoice.pk,
        items=note.items,
        total="10",
        date=int(note.date.timestamp()),
        emailmessage="Sorry",
    )
    with pytest.raises(ValidationError) as refused:
        invoicing.update_credit_note(note, invoice=issued(owner).pk, total="11")
    assert set(errors_of(refused.value)) == {"invoiceid", "total"}


def test_every_bad_line_is_named_and_an_object_is_not_no_lines(owner):
    items = [
        {"title": "A", "items": [{"title": "x", "unitprice": 1, "taxcode": "nope"}]},
        {"title": "B", "items": [{"title": "y", "unitprice": "ten", "taxcode": "001"}]},
    ]
    with pytest.raises(ValidationError) as refused:
        draft(owner, items=items, total="2")
    assert errors_of(refused.value)["items"] == [
        "items: section 1, line 1: tax code 'nope' does not exist.",
        "items: section 2, line 1: unitprice must be a number.",
    ]
    with pytest.raises(ValidationError) as refused:
        draft(owner, items={}, total="0")
    assert errors_of(refused.value)["items"] == ["items must be a list of sections."]


def test_drafts_change_and_delete(owner):
    invoice = draft(owner)
    invoicing.update_invoice(invoice, discount="10", total="225")
    invoice.refresh_from_db()
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (D("225"), D("45"), D("270"))
    invoicing.delete_invoice(invoice)
    assert not Invoice.objects.exists()


def balance_of(invoice):
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get()


def test_payments_reduce_the_balance_up_to_paid(owner):
    invoice = issued(owner)
    payment = invoicing.record_payment(
        invoice=invoice.pk, amount="100", date="2026-11-30", method="bacs"
    )
    assert payment.method == "BACS"
    row = balance_of(invoice)
    assert (row.amountpaid, row.balance, row.is_paid) == (D("100"), D("200"), False)
    with pytest.raises(ValidationError) as refused:
        invoicing.record_payment(invoice=invoice, amount="200.01", date="2026-11-30", method="Cash")
    assert errors_of(refused.value)["amount"] == [
        f"amount is more than the balance of invoice {invoice.reference} (200.00)."
    ]
    invoicing.record_payment(invoice=invoice, amount="200", date="2026-11-30", method="Cash")
    assert balance_of(invoice).is_paid
    invoicing.delete_payment(payment)
    row = balance_of(invoice)
    assert (row.balance, row.is_paid) == (D("100"), False)


def test_a_payment_needs_an_issued_invoice_and_sane_values(owner):
    invoice = draft(owner)
    with pytest.raises(ValidationError) as refused:
        invoicing.record_payment(invoice=invoice, amount="-5", date="", method="Bitcoin")
    assert set(errors_of(refused.value)) == {"invoice", "amount", "date", "method"}


def credit(invoice, owner, amount, **fields):
    items = [{"title": "Refund", "quantity": 1, "unitprice": amount, "taxcode": "001"}]
    return invoicing.create_credit_note(
        invoice=invoice.pk, items=items, total=amount, added_by=owner, **fields
    )


def test_credit_notes_reduce_the_balance_once_issued_and_never_over_credit(owner):
    invoice = issued(owner)
    note = credit(invoice, owner, "50")
    assert balance_of(invoice).balance == D("300")  # a draft credits nothing yet
    invoicing.issue_credit_note(note, by=owner)
    note.refresh_from_db()
    assert note.reference == "1" and note.grandtotal == D("60")
    assert balance_of(invoice).balance == D("240")
    with pytest.raises(ValidationError) as refused:
        credit(invoice, owner, "200.01")
    assert errors_of(refused.value)["total"] == [
        f"total is more than is left to credit on invoice {invoice.reference} (240.00 with tax)."
    ]
    credit(invoice, owner, "200", ready=True)
    row = balance_of(invoice)
    assert (row.balance, row.is_paid) == (D("0"), True)


def test_a_draft_invoice_cannot_be_credited(owner):
    with pytest.raises(ValidationError, match="must be an issued invoice"):
        credit(draft(owner), owner, "10")


def test_overdue_is_issued_unpaid_and_past_its_terms(owner):
    old = timezone.now() - timedelta(days=40)
    late = issued(owner, date=old, terms=30)
    on_time = issued(owner, date=old, terms=60)
    paid = issued(owner, date=old, terms=30)
    invoicing.record_payment(invoice=paid, amount="300", date="2026-11-30", method="Card")
    draft(owner, date=old, terms=1)
    assert list(invoices_overdue_on(timezone.now())) == [late]
    assert on_time not in invoices_overdue_on(timezone.now() + timedelta(days=19))
