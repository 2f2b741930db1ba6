"""A small book of money for the reports' tests, with figures worked out by hand.

Account time zone Europe/London (GMT in winter, BST from 30 March 2014).

    A  Acme (C)  2014-01-15 12:00 UTC   line 100 (SALES)            gross 120   by admin
    C  Pat (I)   2014-02-28 23:30 UTC   line 200, project P          gross 240   by member
    B  Acme (C)  2014-03-31 23:30 UTC   lines 50 (SALES) + 25 (FEES) gross  90   by admin
                 = 00:30 on 1 April in London: April's, not March's
    R  Acme (C)  2014-04-30 23:30 UTC   line 10 (recurring invoice)  gross  12   by admin
                 = 1 May in London
    a draft for Acme in February: never counted
    credit note on A  2014-03-10        line 10 (no category)        gross −12
    payments: A 60 on 2014-02-01 (part), B 90 on 2014-04-05 (all)

Invoiced by month Jan..May: 120, 240, −12, 90, 12 (450). By client: Acme 210
(120 − 12 + 90 + 12), Pat 240. By category: SALES 180 (120 + 60), FEES 30, "-" 240
(240 + 12 − 12).
Paid: B only. Balances: A 48 (120 − 60 − 12), C 240, R 12.
Received by month: Feb 60, Apr 90.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from billing.models import Invoice, LedgerCategory
from billing.tests.documents import (
    credit_note,
    draft_invoice,
    issued_invoice,
    payment,
    standard_vat,
)
from billing.tests.factories import PeriodicalFactory
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.tests.factories import ProjectFactory


def line(amount, category: str = "-") -> dict:
    return {
        "type": "fixed",
        "title": f"Work {amount}",
        "unitprice": str(amount),
        "taxcode": "001",
        "category": category,
    }


def section(*items) -> list[dict]:
    return [{"title": "Work", "items": list(items)}]


@dataclass
class Book:
    acme: object
    pat: object
    project: object
    a: Invoice
    b: Invoice
    c: Invoice
    r: Invoice
    periodical: object


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def epoch(day: date) -> int:
    """Noon UTC of `day`: the API reads an epoch as a day in the account's time zone."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def make_book(admin, member) -> Book:
    standard_vat()
    LedgerCategory.objects.get_or_create(code="SALES", defaults={"name": "Sales"})
    LedgerCategory.objects.get_or_create(code="FEES", defaults={"name": "Fees"})
    acme = CompanyFactory(name="Acme Ltd")
    pat = ContactFactory(firstname="Pat", lastname="Client")
    pat.refresh_from_db()
    project = ProjectFactory(client_company=None, client_contact=pat, title="Pat's site")
    a = issued_invoice(
        client=acme, items=section(line(100, "SALES")), date=utc(2014, 1, 15, 12), added_by=admin
    )
    c = issued_invoice(
        client=pat,
        items=section(line(200)),
        date=utc(2014, 2, 28, 23, 30),
        added_by=member,
        for_code=f"P{project.pk}",
    )
    b = issued_invoice(
        client=acme,
        items=section(line(50, "SALES"), line(25, "FEES")),
        date=utc(2014, 3, 31, 23, 30),
        added_by=admin,
    )
    periodical = PeriodicalFactory(
        client_company=acme,
        first=date(2014, 1, 1),
        added_by=admin,
        grandtotal=Decimal("12.00"),
        repeat="M",
    )
    r = issued_invoice(
        client=acme, items=section(line(10)), date=utc(2014, 4, 30, 23, 30), added_by=admin
    )
    Invoice.objects.filter(pk=r.pk).update(periodical=periodical, period=date(2014, 5, 1))
    draft_invoice(client=acme, items=section(line(1000)), date=utc(2014, 2, 10), added_by=admin)
    credit_note(a, 10, date=utc(2014, 3, 10, 12))
    payment(a, "60", day=date(2014, 2, 1))
    payment(b, "90", day=date(2014, 4, 5))
    return Book(acme, pat, project, a, b, c, r, periodical)
