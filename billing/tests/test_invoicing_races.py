"""Issuing and paying at the same moment from many places: references stay unique
and gapless, and a balance is never overpaid.

As the other races, these need a database that runs transactions side by side:
SQLite takes one writer at a time (IMMEDIATE transactions), so nothing races there."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import Invoice, Payment
from billing.tests.factories import TaxCodeFactory
from crm.tests.factories import CompanyFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
    ),
]

ITEMS = [{"title": "Work", "quantity": 1, "unitprice": 100, "taxcode": "001"}]


def in_parallel(calls):
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            return call()
        except ValidationError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_issuers_at_once_take_twenty_numbers_without_gaps():
    TaxCodeFactory(code="001", rate=D("0.2"))
    owner, client = UserFactory(), CompanyFactory()
    drafts = [
        invoicing.create_invoice(items=ITEMS, total="100", client=f"C{client.pk}", added_by=owner)
        for _ in range(20)
    ]
    in_parallel([lambda invoice=invoice: invoicing.issue_invoice(invoice) for invoice in drafts])
    references = sorted(int(ref) for ref in Invoice.objects.values_list("reference", flat=True))
    assert references == list(range(1, 21))


def test_racing_payments_never_pay_more_than_the_balance():
    TaxCodeFactory(code="001", rate=D("0.2"))
    owner, client = UserFactory(), CompanyFactory()
    invoice = invoicing.create_invoice(
        items=ITEMS, total="100", client=f"C{client.pk}", added_by=owner, ready=True
    )
    results = in_parallel(
        [
            lambda: invoicing.record_payment(
                invoice=invoice.pk, amount="50", date="2026-11-30", method="BACS"
            )
            for _ in range(6)
        ]
    )
    assert Payment.objects.count() == 2  # 120 owed: two of 50 fit, a third doesn't
    assert sum(isinstance(result, ValidationError) for result in results) == 4
