"""Workers running the recurring invoices' round at the same moment still make one
invoice per period, numbered without gaps.

As the other races, this needs a database that runs transactions side by side:
SQLite takes one writer at a time (IMMEDIATE transactions), so nothing races there."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing import periodicals
from billing.models import Invoice, Periodical
from billing.tests.factories import PeriodicalFactory
from conftest import run_in_parallel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
    ),
]


def test_four_workers_catching_up_a_week_make_each_invoice_once():
    today = timezone.localdate()
    week_ago = today - timedelta(days=7)
    for _ in range(3):
        periodical = PeriodicalFactory(repeat="D", first=week_ago)
        Periodical.objects.filter(pk=periodical.pk).update(
            added=timezone.make_aware(datetime.combine(week_ago, time.min))
        )

    made = run_in_parallel(4, lambda _index: periodicals.invoice_due_periods())

    assert sum(made) == 24
    assert Invoice.objects.count() == 24
    references = sorted(int(ref) for ref in Invoice.objects.values_list("reference", flat=True))
    assert references == list(range(1, 25))
    assert periodicals.invoice_due_periods() == 0
