"""Reports in the browser: open Invoiced and received, change the period and a filter,
the chart and the table change together, and the CSV downloaded holds what is shown."""

import csv
import io

from playwright.sync_api import expect

from e2e.test_accessibility import axe_violations, describe


def test_invoiced_and_received_period_filter_chart_table_and_csv(
    signed_in, live_server, shot, console_errors
):
    from accounts.models import User
    from accounts.tests.factories import UserFactory
    from billing.tests.report_data import make_book

    owner = User.objects.get(email="owner@studio.test")
    book = make_book(owner, UserFactory(name="Morgan Member"))

    page = signed_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    page.get_by_role("link", name="Invoiced and received").click()
    expect(page.get_by_role("heading", name="Invoiced and received", level=1)).to_be_visible()
    table = page.locator("#report-table tbody tr")
    chart_bars = page.locator("#invoiced-chart rect")
    expect(table).to_have_count(12)  # the last 12 months by default
    expect(chart_bars).to_have_count(24)

    # The period: custom, January to May 2014; the chart and the table follow.
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("From", exact=True).fill("2014-01-01")
    page.get_by_label("To", exact=True).fill("2014-05-31")
    expect(table).to_have_count(5)
    expect(chart_bars).to_have_count(10)
    expect(page.locator("#report-table tfoot")).to_contain_text("£450.00")
    expect(
        page.locator("#invoiced-chart title", has_text="Feb 2014, Invoiced: £240")
    ).to_have_count(1)
    assert "start=2014-01-01" in page.url

    # A client: Pat's February invoice leaves the chart and the table together.
    client = page.get_by_label("Client", exact=True)
    client.fill(f"C{book.acme.pk} · Acme Ltd")
    client.press("Tab")
    expect(page.locator("#report-table tfoot")).to_contain_text("£210.00")
    expect(table.nth(1)).to_contain_text("£0.00")
    expect(page.locator("#invoiced-chart title", has_text="Feb 2014, Invoiced: £0")).to_have_count(
        1
    )
    expect(page.locator("#invoiced-chart title", has_text="Apr 2014, Received: £90")).to_have_count(
        1
    )
    shot("reports-invoiced-and-received")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == ["Month", "Invoiced", "Received"]
    assert rows[1:] == [
        ["Jan 2014", "120.00", "0.00"],
        ["Feb 2014", "0.00", "60.00"],
        ["Mar 2014", "-12.00", "0.00"],
        ["Apr 2014", "90.00", "90.00"],
        ["May 2014", "12.00", "0.00"],
        ["Total", "210.00", "150.00"],
    ]

    violations = axe_violations(page)
    assert not violations, describe("the invoiced and received report", violations)

    page.goto(
        f"{live_server.url}/reports/outstanding/?period=custom&start=2014-01-01&end=2014-05-31"
    )
    expect(page.locator("#report-table tfoot")).to_contain_text("£300.00")
    shot("reports-outstanding")
    violations = axe_violations(page)
    assert not violations, describe("the outstanding report", violations)
    assert not console_errors
