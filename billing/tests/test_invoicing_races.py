"""Issuing and paying at the same moment from many places: references stay unique
and gapless, and a balance is never overpaid.

As the other races, these need a database that runs transactions side by side:
SQLite takes one writer at a time (IMMEDIATE transactions), so nothing races there."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import Invoice, InvoicedTime, Payment
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


# --- invoicing the work -------------------------------------------------------------


def _work_to_bill(hours_each: str = "1", entries: int = 4):
    from projects import timesheet
    from projects.models import JobItem
    from projects.tests.factories import JobFactory

    TaxCodeFactory(code="001", rate=D("0.2"))
    job = JobFactory(title="Design")
    hourly = JobItem.objects.create(job=job, title="Concepts", rate=100, added_by=job.added_by)
    JobItem.objects.create(
        job=job, title="Print run", type="fixed", hours=1, rate=900, added_by=job.added_by
    )
    logged = [
        timesheet.log_time(
            user=UserFactory(), date=date(2026, 11, 2), hours=hours_each, target=f"T{hourly.pk}"
        )
        for _ in range(entries)
    ]
    return job, logged


def _billed_quantities() -> dict[str, D]:
    """Each billed line's quantity summed over the invoices, by line title."""
    found: dict[str, D] = {}
    for items in Invoice.objects.values_list("items", flat=True):
        for section in items:
            for line in section["items"]:
                found[line["title"]] = found.get(line["title"], D(0)) + D(line["quantity"])
    return found


def test_five_clicks_at_once_make_one_invoice():
    job, logged = _work_to_bill()
    owner = UserFactory()
    results = in_parallel(
        [
            lambda: invoicing.invoice_work(for_code=f"P{job.project_id}", added_by=owner)
            for _ in range(5)
        ]
    )
    assert Invoice.objects.count() == 1
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert [exc.error_dict["for"][0].code for exc in refused] == ["nothing_to_bill"] * 4
    assert _billed_quantities() == {"Concepts": D(4), "Print run": D(1)}
    assert InvoicedTime.objects.count() == len(logged)


def test_the_project_and_its_job_invoiced_at_once_bill_each_hour_once():
    job, logged = _work_to_bill()
    owner = UserFactory()
    in_parallel(
        [
            lambda: invoicing.invoice_work(for_code=f"P{job.project_id}", added_by=owner),
            lambda: invoicing.invoice_work(for_code=f"J{job.pk}", added_by=owner),
        ]
    )
    assert Invoice.objects.count() == 1
    assert _billed_quantities() == {"Concepts": D(4), "Print run": D(1)}


def test_time_changed_while_it_is_invoiced_is_billed_as_it_ends_up_or_refused():
    from projects import timesheet
    from projects.models import TimeEntry

    job, logged = _work_to_bill()
    owner = UserFactory()
    calls = [lambda: invoicing.invoice_work(for_code=f"J{job.pk}", added_by=owner)]
    calls += [lambda entry=entry: timesheet.update_time_entry(entry, hours="3") for entry in logged]
    results = in_parallel(calls)
    # Each change came before the invoice (and is billed) or after it (and was refused).
    billed = TimeEntry.objects.filter(invoiced__isnull=False)
    assert billed.count() == len(logged)
    hours = sum(billed.values_list("hours", flat=True), D(0))
    assert _billed_quantities()["Concepts"] == hours
    refused = sum(isinstance(result, ValidationError) for result in results[1:])
    assert hours == D(1) * refused + D(3) * (len(logged) - refused)
