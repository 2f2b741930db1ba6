"""seed_scale's invoices (billing/scale.py), in small numbers: ten priced lines each,
numbered past the account's counter, paid never beyond what they owe."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import CreditNote, DocumentEvent, Invoice, Payment
from billing.queries import status_of, with_balance
from billing.totals import document_totals
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def seed(**counts):
    arguments = ["--companies", "5", "--contacts", "10", "--activities", "0"]
    arguments += ["--projects", "4", "--jobs", "4", "--items", "4", "--time-entries", "10"]
    for kind, count in counts.items():
        arguments += [f"--{kind.replace('_', '-')}", str(count)]
    call_command("seed_scale", *arguments, stdout=StringIO())


def test_seeds_the_asked_number_of_priced_invoices_with_payments():
    seed(invoices=400)
    invoices = list(with_balance(Invoice.objects.all()))
    assert len(invoices) == 400
    for invoice in invoices:
        assert sum(len(section["items"]) for section in invoice.items) == 10
        assert document_totals(invoice.items).money_fields() == {
            "total": invoice.total,
            "tax": invoice.tax,
            "grandtotal": invoice.grandtotal,
        }
        assert invoice.balance >= 0
        assert invoice.client_company_id is not None
        if invoice.project_id:
            assert invoice.project.client_company_id == invoice.client_company_id
    assert {status_of(invoice) for invoice in invoices} >= {
        "draft",
        "issued",
        "overdue",
        "paid",
        "credited",
    }
    # Part-paid, whether overdue or not yet due.
    assert any(invoice.amountpaid and invoice.balance > 0 for invoice in invoices)
    issued = [invoice for invoice in invoices if invoice.issued]
    assert DocumentEvent.objects.count() == len(issued)
    assert Payment.objects.exists() and CreditNote.objects.exists()
    assert any(invoice.project_id for invoice in invoices)


def test_invoices_issued_afterwards_take_the_next_numbers():
    seed(invoices=30)
    highest = max(int(ref) for ref in Invoice.objects.values_list("reference", flat=True) if ref)
    account = AccountSettings.load()
    assert account.nextinvoiceid == highest + 1
    assert account.nextcreditid == 1 + CreditNote.objects.count()
    invoice = invoicing.create_invoice(
        items=Invoice.objects.first().items,
        client=CompanyFactory().code,
        added_by=UserFactory(),
        ready=True,
    )
    assert invoice.reference == str(highest + 1)


def test_if_empty_skips_invoices_when_there_are_some():
    seed(invoices=3)
    call_command(
        "seed_scale", "--if-empty", "--invoices", "50", "--projects", "0", stdout=StringIO()
    )
    assert Invoice.objects.count() == 3
