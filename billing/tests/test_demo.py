"""seed_demo's billing (billing/demo.py): a catalogue, an invoice in every state with
its payments and credit notes, and a draft of a project's unbilled time."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from billing.demo import load_demo_billing
from billing.models import CreditNote, Invoice, InvoicedTime, Payment, Product
from billing.queries import status_of, unbilled_work, with_balance
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_invoice_in_every_state():
    call_command("seed_demo", stdout=StringIO())
    assert Product.objects.count() == 10
    invoices = list(with_balance(Invoice.objects.order_by("pk")))
    assert sorted({status_of(invoice) for invoice in invoices}) == [
        "credited",
        "draft",
        "issued",
        "overdue",
        "paid",
        "part-paid",
    ]
    # Numbered from the account's counter, in the order they were issued.
    references = [invoice.reference for invoice in invoices if invoice.reference]
    assert references == ["2401", "2402", "2403", "2404", "2405"]
    assert Payment.objects.count() == 2
    assert list(CreditNote.objects.order_by("pk").values_list("reference", flat=True)) == [
        "101",
        "102",
    ]
    assert all(invoice.balance >= 0 for invoice in invoices)
    # One draft bills the website's unbilled time and items: it has none left.
    website = Project.objects.get(title="Website redesign")
    from_work = Invoice.objects.get(project=website)
    assert not from_work.issued and from_work.grandtotal > Decimal(0)
    assert InvoicedTime.objects.filter(invoice=from_work).exists()
    assert not unbilled_work("project", website.pk)["anything"]
    # Loaded again, the catalogue is brought up to date and no invoice is added.
    load_demo_billing(list(User.objects.order_by("pk")))
    assert Invoice.objects.count() == len(invoices) and Product.objects.count() == 10
