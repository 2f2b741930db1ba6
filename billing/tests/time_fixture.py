"""A small studio's time and invoices, figures worked out by hand, for the time
reports' tests (services, API, pages). The account's time zone is London: British
Summer Time starts on 30 March 2014, so a document at 23:30 UTC on 30 April is dated
1 May there.

Period February to April 2014:

| entry | who | day        | on              | hours | billable | rate  | cost   |
| e1    | ann | 2014-02-28 | T1 hourly (P1)  | 2.00  | yes      | 50    | 100.00 |
| e2    | ann | 2014-03-01 | T1, internal    | 3.00  | no       | 50    | 150.00 |
| e3    | ben | 2014-03-31 | T2 fixed (P1)   | 1.50  | no       | 60 *  |  90.00 |
| e4    | ben | 2014-03-15 | J2, no item     | 0.50  | no       | 60 *  |  30.00 |
| e5    | ann | 2014-04-01 | T3 hourly (P1)  | 4.00  | yes      | 80    | 320.00 |
| e6    | ben | 2014-03-10 | T4 hourly (P2)  | 2.25  | yes      | 100   | 225.00 |
| e0    | ann | 2014-01-31 | T1 (outside)    | 5.00  | yes      | 50    |        |
(* the account's first charge rate, "Standard" at 60)

Months: Feb 2.00 (P1), Mar 7.25 (P1 5.00, P2 2.25), Apr 4.00 (P1); total 13.25,
billable 8.25. Ann 9.00 (billable 6.00), Ben 4.25 (billable 2.25).

Money in the period: P1 invoice A 1000 (5 March) − credit note 200 (20 March) +
invoice B 150 for its job J2 (10 April) = 950; a draft of 5000 and a January invoice
of 300 don't count. P2's invoice of 400 is dated 1 May in London: not counted.
P1: allocated 15 (T1 10 + T3 5; T2 is fixed), logged 11.00, cost 690, margin 260.
P2: allocated 4, logged 2.25, cost 225, margin −225: worst, so first.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from accounts.tests.factories import UserFactory
from billing.tests.documents import credit_note, draft_invoice, issued_invoice, lines
from billing.tests.factories import ChargeRateFactory
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.models import JobItem
from projects.tests.factories import (
    JobFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

PERIOD = (date(2014, 2, 1), date(2014, 4, 30))


@dataclass
class Studio:
    ann: object
    ben: object
    acme: object
    pat: object
    p1: object
    p2: object
    p3: object
    j1: object
    j2: object
    j3: object
    t1: object
    t2: object
    t3: object
    t4: object


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def make_studio() -> Studio:
    ann = UserFactory(email="ann@studio.test", name="Ann Archer")
    ben = UserFactory(email="ben@studio.test", name="Ben Baker")
    ChargeRateFactory(name="Senior", rate=Decimal("90.00"), position=1)
    ChargeRateFactory(name="Standard", rate=Decimal("60.00"), position=0)
    acme = CompanyFactory(name="Acme Ltd")
    pat = ContactFactory(firstname="Pat", lastname="Potter", fullname="Pat Potter")
    p1 = ProjectFactory(title="Website", client_company=acme)
    p2 = ProjectFactory(title="Logo", client_company=None, client_contact=pat)
    p3 = ProjectFactory(title="Idle", client_company=acme)
    j1 = JobFactory(project=p1, title="Design")
    j2 = JobFactory(project=p1, title="Build")
    j3 = JobFactory(project=p2, title="Sketches")
    t1 = JobItemFactory(job=j1, hours=10, rate=50)
    t2 = JobItemFactory(job=j1, type=JobItem.Type.FIXED, hours=1, rate=500)
    t3 = JobItemFactory(job=j2, hours=5, rate=80)
    t4 = JobItemFactory(job=j3, hours=4, rate=100)
    JobItemFactory(job=JobFactory(project=p3), hours=3, rate=70)

    def log(user, day, hours, *, item=None, job=None, **fields):
        if item is None:
            return TimeEntryFactory(
                item=None, job=job, project=job.project, user=user, date=day, hours=hours, **fields
            )
        return TimeEntryFactory(item=item, user=user, date=day, hours=hours, **fields)

    log(ann, date(2014, 2, 28), Decimal("2.00"), item=t1)
    log(ann, date(2014, 3, 1), Decimal("3.00"), item=t1, is_internal=True)
    log(ben, date(2014, 3, 31), Decimal("1.50"), item=t2)
    log(ben, date(2014, 3, 15), Decimal("0.50"), job=j2)
    log(ann, date(2014, 4, 1), Decimal("4.00"), item=t3)
    log(ben, date(2014, 3, 10), Decimal("2.25"), item=t4)
    log(ann, date(2014, 1, 31), Decimal("5.00"), item=t1)

    invoice_a = issued_invoice(for_code=f"P{p1.pk}", items=lines(1000), date=at(2014, 3, 5, 10))
    credit_note(invoice_a, 200, date=at(2014, 3, 20, 10))
    issued_invoice(for_code=f"J{j2.pk}", items=lines(150), date=at(2014, 4, 10, 10))
    draft_invoice(for_code=f"P{p1.pk}", items=lines(5000), date=at(2014, 3, 6, 10))
    issued_invoice(for_code=f"P{p1.pk}", items=lines(300), date=at(2014, 1, 15, 10))
    issued_invoice(for_code=f"P{p2.pk}", items=lines(400), date=at(2014, 4, 30, 23, 30))
    return Studio(ann, ben, acme, pat, p1, p2, p3, j1, j2, j3, t1, t2, t3, t4)
