"""The Hours and Profitability pages against the hand-worked studio
(billing/tests/time_fixture.py): tables, totals, CSVs, the filters, the htmx region,
the areas, the paging and flat query counts."""

from datetime import date
from decimal import Decimal

import pytest

from billing.tests.report_checks import csv_rows, table_rows
from conftest import signed_in_client
from projects.tests.factories import JobItemFactory, ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

PERIOD = "period=custom&start=2014-02-01&end=2014-04-30"


def test_pages_need_sign_in(client):
    for url in ("/reports/hours/", "/reports/profitability/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_hours_by_person(staff_client, studio):
    html = staff_client.get(f"/reports/hours/?{PERIOD}").content.decode()
    assert table_rows(html, "hours-table") == [
        ["Ann Archer", "6.00", "3.00", "9.00", "66.7%", "1.9%"],
        ["Ben Baker", "2.25", "2.00", "4.25", "52.9%", "0.9%"],
    ]
    assert 'id="total-hours">13.25<' in html
    # The chart: Feb, Mar, Apr stacked, billable and not.
    assert "Mar 2014, Billable: 2.25" in html and "Mar 2014, Non-billable: 5.00" in html
    assert "Hours by month" in html


def test_hours_by_project_and_its_csv(staff_client, studio):
    html = staff_client.get(f"/reports/hours/?{PERIOD}&by=project").content.decode()
    assert table_rows(html, "hours-table") == [
        ["Website", "Acme Ltd", "6.00", "5.00", "11.00", "54.5%"],
        ["Logo", "Pat Potter", "2.25", "0.00", "2.25", "100.0%"],
    ]
    rows = csv_rows(staff_client.get(f"/reports/hours/?{PERIOD}&by=project&download=csv"))
    assert rows == [
        [
            "Project",
            "Title",
            "Client",
            "Billable hours",
            "Non-billable hours",
            "Total hours",
            "Billable %",
        ],
        [f"P{studio.p1.pk}", "Website", "Acme Ltd", "6.00", "5.00", "11.00", "54.50"],
        [f"P{studio.p2.pk}", "Logo", "Pat Potter", "2.25", "0.00", "2.25", "100.00"],
        ["Total", "", "", "8.25", "5.00", "13.25", "62.30"],
    ]


def test_hours_csv_by_person(staff_client, studio):
    rows = csv_rows(staff_client.get(f"/reports/hours/?{PERIOD}&download=csv"))
    assert rows[1] == [
        "Ann Archer",
        "ann@studio.test",
        "6.00",
        "3.00",
        "9.00",
        "66.70",
        "472.50",
        "1.90",
    ]
    assert rows[-1][0] == "Total" and rows[-1][4] == "13.25"


def test_filters_narrow_the_hours(staff_client, studio):
    html = staff_client.get(
        f"/reports/hours/?{PERIOD}&person={studio.ben.pk}&client=I{studio.pat.pk}"
    ).content.decode()
    assert table_rows(html, "hours-table") == [
        ["Ben Baker", "2.25", "0.00", "2.25", "100.0%", "0.5%"]
    ]
    project = staff_client.get(f"/reports/hours/?{PERIOD}&project=P{studio.p1.pk}").content.decode()
    assert 'id="total-hours">11.00<' in project


def test_the_period_changes_the_figures_in_the_htmx_region(staff_client, studio):
    response = staff_client.get(
        "/reports/hours/?period=custom&start=2014-03-01&end=2014-03-31",
        headers={"HX-Request": "true", "HX-Target": "report"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="report"') or 'id="report"' in html[:300]
    assert "<html" not in html
    assert 'id="total-hours">7.25<' in html
    assert 'hx-swap-oob="true"' in html  # the period's days follow


def test_a_bad_period_says_so_and_shows_the_default(staff_client, studio):
    html = staff_client.get("/reports/hours/?period=custom&start=2014-03-01").content.decode()
    assert "needs a first and a last day" in html


def test_profitability_page(staff_client, studio):
    html = staff_client.get(f"/reports/profitability/?{PERIOD}").content.decode()
    assert table_rows(html, "profitability-table") == [
        ["Logo", "Pat Potter", "4.00", "2.25", "2.25", "£225.00", "£0.00", "-£225.00"],
        [
            "Website",
            "Acme Ltd",
            "15.00",
            "11.00",
            "6.00",
            "£690.00",
            "£950.00 (−200.00)",
            "£260.00",
        ],
    ]
    assert 'id="total-margin">£35.00<' in html
    assert "Invoiced against the cost of time" in html
    rows = csv_rows(staff_client.get(f"/reports/profitability/?{PERIOD}&download=csv"))
    assert rows[1:] == [
        [
            f"P{studio.p2.pk}",
            "Logo",
            "Pat Potter",
            "4.00",
            "2.25",
            "2.25",
            "225.00",
            "0.00",
            "-225.00",
        ],
        [
            f"P{studio.p1.pk}",
            "Website",
            "Acme Ltd",
            "15.00",
            "11.00",
            "6.00",
            "690.00",
            "950.00",
            "260.00",
        ],
        ["Total", "", "", "19.00", "13.25", "", "915.00", "950.00", "35.00"],
    ]


def test_profitability_without_the_invoices_area_shows_hours_only(restricted_to, studio):
    reader = signed_in_client(restricted_to("reports", "timesheets", email="tess@studio.test"))
    html = reader.get(f"/reports/profitability/?{PERIOD}").content.decode()
    # Most over their allocation first: Logo is 1.75 hours under, Website 4.
    assert table_rows(html, "profitability-table") == [
        ["Logo", "Pat Potter", "4.00", "2.25", "2.25"],
        ["Website", "Acme Ltd", "15.00", "11.00", "6.00"],
    ]
    assert "£" not in html.split('id="report"')[1]
    header = csv_rows(reader.get(f"/reports/profitability/?{PERIOD}&download=csv"))[0]
    assert "Invoiced" not in header and "Margin" not in header
    index = reader.get("/reports/").content.decode()
    assert "/reports/hours/" in index and "/reports/invoiced/" not in index


def test_areas(restricted_to, studio):
    for areas in (("reports",), ("timesheets",), ("projects", "invoices")):
        user = signed_in_client(restricted_to(*areas, email=f"{'-'.join(areas)}@studio.test"))
        for url in ("/reports/hours/", "/reports/profitability/"):
            assert user.get(f"{url}?{PERIOD}").status_code == 403
            assert user.get(f"{url}?{PERIOD}&download=csv").status_code == 403


def test_collaborators_are_refused(collaborator_client):
    assert collaborator_client.get("/reports/hours/").status_code == 403


def _more_projects(count: int):
    for n in range(count):
        item = JobItemFactory(job__project=ProjectFactory(), hours=5)
        TimeEntryFactory(item=item, date=date(2014, 3, 1 + n % 28), hours=Decimal("1.25"))


def test_paging_and_flat_query_counts(staff_client, django_assert_max_num_queries):
    _more_projects(1)
    urls = [
        f"/reports/hours/?{PERIOD}",
        f"/reports/hours/?{PERIOD}&by=project",
        f"/reports/profitability/?{PERIOD}",
    ]
    for url in urls:
        with django_assert_max_num_queries(12):
            assert staff_client.get(url).status_code == 200
    _more_projects(59)
    for url in urls:
        with django_assert_max_num_queries(12):
            assert staff_client.get(url).status_code == 200
    html = staff_client.get(f"/reports/profitability/?{PERIOD}&page=2").content.decode()
    assert len(table_rows(html, "profitability-table")) == 10
    assert "51–60 of 60" in html and "Page 2 of 2" in html
    beyond = staff_client.get(f"/reports/hours/?{PERIOD}&by=project&page=99").content.decode()
    assert "Page 2 of 2" in beyond
    rows = csv_rows(staff_client.get(f"/reports/profitability/?{PERIOD}&page=2&download=csv"))
    assert len(rows) == 1 + 60 + 1  # the header, every project, the total
