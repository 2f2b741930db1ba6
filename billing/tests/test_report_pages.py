"""The reports' pages: the index by area, the money reports' tables and CSVs against the
hand-worked book (billing/tests/report_data.py), the period picker and filters, the
htmx region, the chart, refusals and query counts."""

import pytest
from django.utils import timezone

from billing.tests.report_checks import csv_rows, table_rows
from billing.tests.report_data import make_book
from conftest import signed_in_client

pytestmark = pytest.mark.django_db

BOOK_PERIOD = "period=custom&start=2014-01-01&end=2014-05-31"


def test_pages_need_sign_in(client):
    for url in ("/reports/", "/reports/invoiced/", "/reports/outstanding/", "/reports/recurring/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_index_lists_money_reports_only_with_the_invoices_area(staff_client, restricted_to):
    page = staff_client.get("/reports/").content.decode()
    assert "Invoiced and received" in page and "Outstanding by client" in page
    assert 'href="/reports/"' in page  # the nav item
    reporter = signed_in_client(restricted_to("reports", email="rory@studio.test"))
    page = reporter.get("/reports/").content.decode()
    assert "Invoiced and received" not in page
    assert "need the invoices area" in page


def test_a_restricted_user_who_must_not_see_invoice_figures(restricted_to, book):
    reporter = signed_in_client(restricted_to("reports", email="rory@studio.test"))
    for url in ("/reports/invoiced/", "/reports/outstanding/", "/reports/recurring/"):
        response = reporter.get(f"{url}?{BOOK_PERIOD}")
        assert response.status_code == 403
        assert reporter.get(f"{url}?{BOOK_PERIOD}&download=csv").status_code == 403
    invoices_only = signed_in_client(restricted_to("invoices", email="ian@studio.test"))
    assert invoices_only.get("/reports/").status_code == 403
    assert 'href="/reports/"' not in invoices_only.get("/invoices/").content.decode()


def test_invoiced_and_received(staff_client, book):
    response = staff_client.get(f"/reports/invoiced/?{BOOK_PERIOD}")
    html = response.content.decode()
    assert table_rows(html) == [
        ["Jan 2014", "£120.00", "£0.00"],
        ["Feb 2014", "£240.00", "£60.00"],
        ["Mar 2014", "-£12.00", "£0.00"],
        ["Apr 2014", "£90.00", "£90.00"],
        ["May 2014", "£12.00", "£0.00"],
    ]
    assert "£450.00" in html and "£150.00" in html
    # The chart: accessible, one bar per month and series, its values as titles.
    assert 'role="img"' in html and '<title id="invoiced-chart-title">' in html
    assert html.count('<rect class="series-1"') == 5
    assert "<title>Feb 2014, Received: £60</title>" in html
    rows = csv_rows(staff_client.get(f"/reports/invoiced/?{BOOK_PERIOD}&download=csv"))
    assert rows[0] == ["Month", "Invoiced", "Received"]
    assert rows[-1] == ["Total", "450.00", "150.00"]
    assert len(rows) == 7


def test_filters_change_the_figures(staff_client, member, book):
    html = staff_client.get(
        f"/reports/invoiced/?{BOOK_PERIOD}&client=C{book.acme.pk}+·+Acme+Ltd"
    ).content.decode()
    assert [row[1] for row in table_rows(html)] == [
        "£120.00",
        "£0.00",
        "-£12.00",
        "£90.00",
        "£12.00",
    ]
    html = staff_client.get(f"/reports/invoiced/?{BOOK_PERIOD}&person={member.pk}").content.decode()
    assert [row[1] for row in table_rows(html)] == ["£0.00", "£240.00", "£0.00", "£0.00", "£0.00"]
    html = staff_client.get(
        f"/reports/invoiced/?{BOOK_PERIOD}&project=P{book.project.pk}"
    ).content.decode()
    assert "£240.00" in html and "£120.00" not in html


def test_named_periods_and_a_bad_custom_one(staff_client, book):
    html = staff_client.get("/reports/invoiced/?period=this-month").content.decode()
    assert len(table_rows(html)) == 1
    assert timezone.localdate().strftime("%b %Y") in html
    html = staff_client.get("/reports/invoiced/?period=custom&start=2014-05-01").content.decode()
    assert "A custom period needs a first and a last day." in html
    assert len(table_rows(html)) == 12  # the default period meanwhile
    html = staff_client.get("/reports/invoiced/?client=nobody").content.decode()
    assert "Pick a client from the suggestions" in html
    response = staff_client.get("/reports/hours/?period=custom&start=2014-01-01&end=9999-12-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The period&#x27;s days must be between 1 January 1970 and 31 December 2099." in html


def test_htmx_answers_the_region_with_the_days_out_of_band(staff_client, book):
    response = staff_client.get(
        "/reports/invoiced/?period=this-year",
        headers={"HX-Request": "true", "HX-Target": "report"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="report"')
    assert 'id="report-period-dates" hx-swap-oob="true"' in html
    year = timezone.localdate().year
    assert f'value="{year}-01-01"' in html and f'value="{year}-12-31"' in html
    assert "<html" not in html


def test_outstanding_by_client(staff_client, book):
    url = f"/reports/outstanding/?{BOOK_PERIOD}"
    html = staff_client.get(url).content.decode()
    # Pat owes C (240); Acme owes A's 48 (120 − 60 paid − 12 credited) and R's 12.
    assert table_rows(html) == [
        [f"Pat Client I{book.pat.pk}", "1", "£240.00", "£240.00"],
        [f"Acme Ltd C{book.acme.pk}", "2", "£60.00", "£60.00"],
    ]
    rows = csv_rows(staff_client.get(f"{url}&download=csv"))
    assert rows[-1] == ["", "Total", "3", "300.00", "300.00"]


def test_recurring(staff_client, book):
    html = staff_client.get(f"/reports/recurring/?{BOOK_PERIOD}").content.decode()
    assert table_rows(html)[-1] == ["May 2014", "£12.00", "1"]
    assert 'id="stat-monthly">£12.00' in html
    rows = csv_rows(staff_client.get(f"/reports/recurring/?{BOOK_PERIOD}&download=csv"))
    assert rows[-1] == ["Total", "12.00", ""]


def test_csv_cells_are_not_formulas(staff_client, admin_user, member):
    book = make_book(admin_user, member)
    book.acme.name = "=HYPERLINK(1)"
    book.acme.save()
    rows = csv_rows(staff_client.get(f"/reports/outstanding/?{BOOK_PERIOD}&download=csv"))
    assert ["C" + str(book.acme.pk), "'=HYPERLINK(1)", "2", "60.00", "60.00"] in rows


@pytest.mark.parametrize(
    "url", ["/reports/invoiced/", "/reports/outstanding/", "/reports/recurring/"]
)
def test_query_counts_stay_flat(
    staff_client, admin_user, member, django_assert_max_num_queries, url
):
    make_book(admin_user, member)
    with django_assert_max_num_queries(14):
        assert staff_client.get(f"{url}?{BOOK_PERIOD}").status_code == 200
    for _ in range(3):
        make_book(admin_user, member)
    with django_assert_max_num_queries(14):
        assert staff_client.get(f"{url}?{BOOK_PERIOD}").status_code == 200


def test_client_and_project_suggestions(staff_client, book):
    html = staff_client.get("/reports/clients/?client=Acm").content.decode()
    assert f'value="C{book.acme.pk} · Acme Ltd"' in html
    html = staff_client.get("/reports/projects/?project=Pat").content.decode()
    assert f'value="P{book.project.pk} · Pat&#x27;s site"' in html
