"""Time saved for one person at the same moment from two places: the 24-hour day
holds (exactly one of two entries that together pass it is saved, the other is a
400 that says why), and one timer runs per person however many starts race.

As crm's races, these need a database that runs transactions side by side: SQLite
takes one writer at a time (IMMEDIATE transactions), so there is nothing to race there.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from conftest import DepotClient
from projects import timesheet
from projects.models import RunningTimer, TimeEntry
from projects.tests.factories import JobFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
    ),
    pytest.mark.usefixtures("no_api_rate_limit"),
]


def in_parallel(calls):
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_entries_that_overfill_a_day_one_is_refused(depot):
    person, job = UserFactory(), JobFactory()
    body = {"date": "2026-11-23", "hours": "14", "userid": person.email, "job": f"J{job.pk}"}
    for _ in range(3):
        TimeEntry.objects.all().delete()
        responses = in_parallel(
            [lambda: DepotClient(depot.headers).post("timesheet", body) for _ in range(2)]
        )
        assert sorted(r.status_code for r in responses) == [201, 400], [
            r.content for r in responses
        ]
        refused = next(r for r in responses if r.status_code == 400).json()
        assert refused["fields"]["hours"][0].startswith("hours: 14.00 hours are already logged")
        assert TimeEntry.objects.count() == 1


def test_racing_starts_leave_one_timer(depot):
    person = UserFactory()
    jobs = [JobFactory() for _ in range(6)]

    def start(job):
        def call():
            try:
                return timesheet.start_timer(user=person, target=f"J{job.pk}")[0].pk
            except ValidationError as exc:
                return exc

        return call

    results = in_parallel([start(job) for job in jobs])
    assert RunningTimer.objects.filter(user=person).count() == 1
    # Each start either stopped the one before (logging it) or was told why not.
    started = [result for result in results if isinstance(result, int)]
    assert TimeEntry.objects.filter(user=person).count() == len(started) - 1
