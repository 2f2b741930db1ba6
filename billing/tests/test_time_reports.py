"""The time reports' figures against the hand-worked fixture (billing/tests/time_fixture.py)."""

from datetime import date
from decimal import Decimal

import pytest

from billing import time_reports
from billing.reports import ReportFilters
from billing.tests.time_fixture import PERIOD

pytestmark = pytest.mark.django_db


def Filters(**fields) -> ReportFilters:
    return ReportFilters(**{"start": PERIOD[0], "end": PERIOD[1], **fields})


def D(text) -> Decimal:
    return Decimal(text)


def test_timesheets_by_month_counts_each_day_in_its_month(studio):
    report = time_reports.timesheets(Filters())
    assert report.count == 3
    assert [(g.key, g.total, g.billable) for g in report.groups] == [
        ("2014-02", D("2.00"), D("2.00")),
        ("2014-03", D("7.25"), D("2.25")),
        ("2014-04", D("4.00"), D("4.00")),
    ]
    march = report.groups[1]
    assert [(p["id"], p["name"], p["total"], p["billable"]) for p in march.projects] == [
        (studio.p1.pk, "Website", D("5.00"), D("0.00")),
        (studio.p2.pk, "Logo", D("2.25"), D("2.25")),
    ]
    assert march.projects[1]["client"] == {"type": "I", "id": studio.pat.pk, "name": "Pat Potter"}
    assert (report.total, report.billable, report.nonbillable) == (
        D("13.25"),
        D("8.25"),
        D("5.00"),
    )


def test_empty_months_are_there_and_pages_are_months(studio):
    report = time_reports.timesheets(Filters(start=date(2014, 4, 1), end=date(2014, 6, 30)))
    assert [(g.key, g.total, g.projects) for g in report.groups][1:] == [
        ("2014-05", D("0.00"), []),
        ("2014-06", D("0.00"), []),
    ]
    page = time_reports.timesheets(Filters(), start=1, rows=1)
    assert page.count == 3
    assert [g.key for g in page.groups] == ["2014-03"]
    assert page.total == D("13.25")  # the totals are the whole report's


def test_timesheets_by_client(studio):
    report = time_reports.timesheets(Filters(), groupby="client")
    assert [(g.key, g.label, g.total, g.billable) for g in report.groups] == [
        (f"C{studio.acme.pk}", "Acme Ltd", D("11.00"), D("6.00")),
        (f"I{studio.pat.pk}", "Pat Potter", D("2.25"), D("2.25")),
    ]
    assert report.count == 2


@pytest.mark.parametrize(
    ("narrow", "total"),
    [
        (lambda s: {"client": s.pat}, "2.25"),
        (lambda s: {"project_id": s.p1.pk}, "11.00"),
        (lambda s: {"job_id": s.j2.pk}, "4.50"),
        (lambda s: {"item_id": s.t1.pk}, "5.00"),
        (lambda s: {"assigned": s.ben}, "4.25"),
        (lambda s: {"assigned": s.ann, "job_id": s.j1.pk}, "5.00"),
        (lambda s: {"project_id": 10**12}, "0"),
        (lambda s: {"action_id": 10**6}, "0"),
        (lambda s: {"start": None, "end": None}, "18.25"),
    ],
)
def test_timesheets_filters(studio, narrow, total):
    assert time_reports.timesheets(Filters(**narrow(studio))).total == D(total)


def test_no_period_runs_from_the_first_entry_to_the_last(studio):
    report = time_reports.timesheets(Filters(start=None, end=None), today=date(2014, 5, 20))
    assert [g.key for g in report.groups] == ["2014-01", "2014-02", "2014-03", "2014-04", "2014-05"]
    since = time_reports.timesheets(Filters(end=None), today=date(2014, 3, 2))
    assert [g.key for g in since.groups] == ["2014-02", "2014-03", "2014-04"]


def test_hours_by_person_with_utilisation(studio):
    report = time_reports.hours_by(Filters(), "person")
    # February to April 2014 has 20 + 21 + 22 weekdays: 472.5 hours at 7.5 a day.
    assert report.capacity == D("472.5")
    assert [(r.name, r.total, r.billable, r.nonbillable, r.utilisation) for r in report.rows] == [
        ("Ann Archer", D("9.00"), D("6.00"), D("3.00"), D("1.9")),
        ("Ben Baker", D("4.25"), D("2.25"), D("2.00"), D("0.9")),
    ]
    assert report.billable_share == D("62.3")
    assert report.utilisation == D("1.4")


def test_hours_by_project(studio):
    report = time_reports.hours_by(Filters(), "project")
    assert [(r.key, r.total, r.billable, r.client["name"]) for r in report.rows] == [
        (f"P{studio.p1.pk}", D("11.00"), D("6.00"), "Acme Ltd"),
        (f"P{studio.p2.pk}", D("2.25"), D("2.25"), "Pat Potter"),
    ]


def test_weekdays():
    assert time_reports.weekdays_between(date(2014, 3, 1), date(2014, 3, 31)) == 21
    assert time_reports.weekdays_between(date(2014, 3, 1), date(2014, 3, 2)) == 0
    assert time_reports.weekdays_between(date(2014, 3, 3), date(2014, 3, 3)) == 1


def test_profitability_worst_first_with_credit_notes_and_the_local_date(studio):
    report = time_reports.profitability(Filters())
    assert report.count == 2
    p2, p1 = report.rows
    assert (p2["id"], p2["allocated"], p2["logged"], p2["cost"], p2["invoiced"], p2["margin"]) == (
        studio.p2.pk,
        D("4.00"),
        D("2.25"),
        D("225.00"),
        D("0.00"),
        D("-225.00"),
    )
    assert (p1["id"], p1["allocated"], p1["logged"], p1["billable"]) == (
        studio.p1.pk,
        D("15.00"),
        D("11.00"),
        D("6.00"),
    )
    assert (p1["cost"], p1["credited"], p1["invoiced"], p1["margin"]) == (
        D("690.00"),
        D("200.00"),
        D("950.00"),
        D("260.00"),
    )
    assert p1["jobs"] == [
        {"id": studio.j1.pk, "name": "Design", "allocated": D("10.00"), "logged": D("6.50")},
        {"id": studio.j2.pk, "name": "Build", "allocated": D("5.00"), "logged": D("4.50")},
    ]
    assert p1["client"] == {"type": "C", "id": studio.acme.pk, "name": "Acme Ltd"}
    assert (report.allocated, report.logged, report.cost, report.invoiced) == (
        D("19.00"),
        D("13.25"),
        D("915.00"),
        D("950.00"),
    )


def test_profitability_counts_a_document_by_its_date_in_london(studio):
    # Invoice of 400 at 23:30 UTC on 30 April is 1 May in London.
    may = time_reports.profitability(Filters(start=date(2014, 5, 1), end=date(2014, 5, 31)))
    assert [(row["id"], row["invoiced"], row["logged"]) for row in may.rows] == [
        (studio.p2.pk, D("400.00"), D("0.00"))
    ]


def test_profitability_filters(studio):
    everything = time_reports.profitability(Filters(start=None, end=None))
    assert everything.count == 3  # the idle project too, without a period
    assert everything.rows[-1]["id"] == studio.p1.pk  # 1250 invoiced − 940 cost
    assert everything.rows[-1]["margin"] == D("310.00")
    by_ben = time_reports.profitability(Filters(assigned=studio.ben))
    assert [(r["id"], r["logged"]) for r in by_ben.rows] == [
        (studio.p2.pk, D("2.25")),
        (studio.p1.pk, D("2.00")),
    ]
    job = time_reports.profitability(Filters(job_id=studio.j2.pk))
    assert [(r["id"], r["logged"], r["invoiced"], len(r["jobs"])) for r in job.rows] == [
        (studio.p1.pk, D("4.50"), D("150.00"), 1)
    ]
    client = time_reports.profitability(Filters(client=studio.acme))
    assert [r["id"] for r in client.rows] == [studio.p1.pk]
    page = time_reports.profitability(Filters(), start=1, rows=1)
    assert [r["id"] for r in page.rows] == [studio.p1.pk] and page.count == 2


def test_queries_stay_flat(studio, django_assert_num_queries):
    with django_assert_num_queries(2):
        time_reports.timesheets(Filters())
    with django_assert_num_queries(1):
        time_reports.hours_by(Filters(), "person")
    with django_assert_num_queries(6):
        time_reports.profitability(Filters())
