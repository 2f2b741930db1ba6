"""The owner's morning page: billing's money panel and everyone's hours this week
(billing/dashboard.py), and projects' open projects over budget, with figures worked
out by hand."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import dashboard
from billing.models import Invoice
from billing.tests.documents import credit_note, draft_invoice, issued_invoice, payment
from billing.tests.factories import PeriodicalFactory
from crm.tests.factories import CompanyFactory
from projects import queries as project_queries
from projects.models import Project
from projects.tests.factories import JobItemFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def fixed(amount) -> list[dict]:
    """One fixed line of `amount` net at the standard 20 %: gross is 1.2 × amount."""
    return [
        {
            "title": "Work",
            "items": [
                {"type": "fixed", "title": "Work", "unitprice": str(amount), "taxcode": "001"}
            ],
        }
    ]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def panel(html: str, css: str) -> str:
    return re.search(rf'<section class="card {css}".*?</section>', html, re.S).group(0)


# --- this month against last ----------------------------------------------------------


def test_invoiced_and_received_this_month_against_last(admin_user):
    acme = CompanyFactory(name="Acme")
    february = issued_invoice(client=acme, items=fixed(100), date=utc(2014, 2, 10, 12))  # 120
    march = issued_invoice(client=acme, items=fixed(200), date=utc(2014, 3, 5, 12))  # 240
    credit_note(march, 10, date=utc(2014, 3, 10, 12))  # −12
    # 23:30 UTC on 28 February is still February in London (GMT).
    issued_invoice(client=acme, items=fixed(50), date=utc(2014, 2, 28, 23, 30))  # 60
    issued_invoice(client=acme, items=fixed(1000), date=utc(2014, 3, 25, 12))  # after today
    draft_invoice(client=acme, items=fixed(5000), date=utc(2014, 3, 6, 12))  # never counted
    payment(february, "60", day=date(2014, 2, 15))
    payment(march, "100", day=date(2014, 3, 1))

    figures = dashboard.month_figures(date(2014, 3, 20))

    assert figures["invoiced"] == {
        "this_month": Decimal("228.00"),
        "last_month": Decimal("180.00"),
        "change": Decimal("27"),
    }
    assert figures["received"] == {
        "this_month": Decimal("100.00"),
        "last_month": Decimal("60.00"),
        "change": Decimal("67"),
    }


def test_no_change_is_shown_against_a_month_with_nothing():
    figures = dashboard.month_figures(date(2014, 3, 20))
    assert figures["invoiced"]["change"] is None
    assert figures["received"]["this_month"] == Decimal("0.00")


# --- overdue ------------------------------------------------------------------------------


def test_overdue_total_and_the_oldest_debts_first():
    now = utc(2014, 6, 1, 12)
    acme, beta = CompanyFactory(name="Acme"), CompanyFactory(name="Beta")
    oldest = issued_invoice(client=acme, items=fixed(100), date=utc(2014, 1, 1, 12), terms=30)
    paid = issued_invoice(client=acme, items=fixed(100), date=utc(2013, 12, 1, 12), terms=30)
    payment(paid, "120", day=date(2014, 1, 5))
    part_paid = issued_invoice(client=beta, items=fixed(200), date=utc(2014, 3, 1, 12), terms=14)
    payment(part_paid, "40", day=date(2014, 3, 20))
    issued_invoice(client=beta, items=fixed(300), date=utc(2014, 5, 25, 12), terms=30)  # not due

    overdue = dashboard.overdue_figures(now)

    assert overdue["count"] == 2
    assert overdue["amount"] == Decimal("320.00")  # 120 + (240 − 40)
    assert [invoice.pk for invoice in overdue["oldest"]] == [oldest.pk, part_paid.pk]
    assert [invoice.balance for invoice in overdue["oldest"]] == [
        Decimal("120.00"),
        Decimal("200.00"),
    ]
    assert [invoice.days_overdue for invoice in overdue["oldest"]] == [121, 78]


# --- recurring invoices due soon ----------------------------------------------------------


def recurring(**fields):
    # Added long ago: a recurring invoice bills from the period running when it was added.
    return PeriodicalFactory(added=utc(2013, 12, 1, 12), **fields)


def test_recurring_invoices_due_in_the_next_seven_days_soonest_first():
    today = date(2014, 6, 10)
    soon = recurring(title="Starts in three days", first=date(2014, 6, 13))
    recurring(title="Starts in ten days", first=date(2014, 6, 20))
    due_today = recurring(title="Due today", first=date(2014, 1, 10))
    made = draft_invoice(client=due_today.client_company, items=fixed(50))
    Invoice.objects.filter(pk=made.pk).update(periodical=due_today, period=date(2014, 5, 10))
    invoiced = recurring(title="June already made", first=date(2014, 1, 1))
    made = draft_invoice(client=invoiced.client_company, items=fixed(50))
    Invoice.objects.filter(pk=made.pk).update(periodical=invoiced, period=date(2014, 6, 1))
    recurring(title="Ended", first=date(2014, 1, 12), last=date(2014, 5, 31))

    shown, count = dashboard.recurring_due(today)

    assert [(due.day, due.periodical.pk) for due in shown] == [
        (date(2014, 6, 10), due_today.pk),
        (date(2014, 6, 13), soon.pk),
    ]
    assert count == 2


# --- projects over budget -----------------------------------------------------------------


def logged(item, hours):
    return TimeEntryFactory(item=item, hours=Decimal(hours))


def test_open_projects_over_their_allocated_hours_most_over_first(
    django_capture_on_commit_callbacks,
):
    little_over = JobItemFactory(hours=10)
    logged(little_over, "11")
    far_over = JobItemFactory(hours=4)
    logged(far_over, "7.5")
    within = JobItemFactory(hours=10)
    logged(within, "9")
    finished = JobItemFactory(hours=1)
    logged(finished, "5")
    Project.objects.filter(pk=finished.job.project_id).update(status=Project.Status.FINISHED)
    unplanned = JobItemFactory(hours=0)
    logged(unplanned, "3")

    found = project_queries.projects_over_budget()

    assert [project.pk for project in found["over_budget"]] == [
        far_over.job.project_id,
        little_over.job.project_id,
    ]
    assert [project.hours_over for project in found["over_budget"]] == [
        Decimal("3.5"),
        Decimal("1"),
    ]
    assert found["over_budget_count"] == 2

    # Remembered until the hours change: one more entry puts a third project over.
    with django_capture_on_commit_callbacks(execute=True):
        logged(within, "2")
    again = project_queries.projects_over_budget()
    assert again["over_budget_count"] == 3
    assert within.job.project_id in [project.pk for project in again["over_budget"]]


def test_remembered_over_budget_figures_read_only_the_shown_projects(
    django_assert_max_num_queries,
):
    logged(JobItemFactory(hours=1), "2")
    project_queries.projects_over_budget()
    with django_assert_max_num_queries(2):  # the cache, the projects shown
        assert project_queries.projects_over_budget()["over_budget_count"] == 1


# --- the page -------------------------------------------------------------------------------


def test_the_dashboard_shows_money_overdue_recurring_hours_and_projects(staff_client, admin_user):
    today = timezone.localdate()
    now = timezone.now()
    acme = CompanyFactory(name="Acme Widgets")
    this_month = datetime.combine(
        today.replace(day=1), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=12)
    issued_invoice(client=acme, items=fixed(100), date=this_month)
    late = issued_invoice(client=acme, items=fixed(250), date=now - timedelta(days=100), terms=30)
    PeriodicalFactory(title="Monthly retainer", first=today + timedelta(days=2))
    TimeEntryFactory(user=admin_user, hours=Decimal("6.5"), date=today)
    logged(JobItemFactory(hours=2, job__project__title="Runaway rebrand"), "5")

    html = staff_client.get("/").content.decode()

    money = panel(html, "dashboard-money")
    assert "Invoiced this month" in money and "£120.00" in money
    assert "£300.00" in money  # overdue: the late invoice's 250 + 20 % tax
    assert f'href="/invoices/{late.pk}/">{late.reference}</a>' in money
    assert "70" in money  # days overdue
    assert "Monthly retainer" in money
    hours = panel(html, "team-week")
    assert admin_user.name in hours and "6.5" in hours
    over = panel(html, "over-budget")
    assert "Runaway rebrand" in over and ">3<" in over


def test_a_user_without_the_money_areas_sees_none_of_it(restricted_client):
    html = restricted_client.get("/").content.decode()
    assert "dashboard-money" not in html
    assert "team-week" not in html
    assert "over-budget" not in html


def test_without_the_reports_area_figures_link_to_the_lists(restricted_to):
    from conftest import signed_in_client

    client = signed_in_client(restricted_to("invoices", "timesheets"))
    money = panel(client.get("/").content.decode(), "dashboard-money")
    assert "/reports/" not in money
    assert 'href="/invoices/?tab=overdue"' in money


@pytest.mark.parametrize("rows", [1, 50])
def test_the_dashboard_reads_the_same_number_of_queries_however_many_rows(
    rows, staff_client, admin_user, django_assert_max_num_queries
):
    now = timezone.now()
    for number in range(rows):
        invoice = issued_invoice(items=fixed(10 + number), date=now - timedelta(days=60), terms=7)
        payment(invoice, "1", day=timezone.localdate())
        PeriodicalFactory(first=timezone.localdate() + timedelta(days=number % 7))
        logged(JobItemFactory(hours=1), "2")
        TimeEntryFactory(hours=Decimal("1"))
    # The first view adds up and remembers the overdue and over-budget figures (the
    # database cache's writes are a few queries each); the next reads them back.
    with django_assert_max_num_queries(48):
        response = staff_client.get("/")
    assert response.status_code == 200
    with django_assert_max_num_queries(24):
        assert staff_client.get("/").status_code == 200
