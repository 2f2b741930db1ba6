"""The time reports in the browser: open Hours from the reports index, pick a period
and a person, see the chart and the table change without a reload, switch to the
projects, download the CSV and check its totals; then Profitability, worst first."""

import csv
import io
import re

from playwright.sync_api import expect

from e2e.test_accessibility import axe_violations, describe


def _swap(page, action) -> None:
    """Does `action` and waits until the report region's answer is swapped in: the
    filters' requests replace each other (hx-sync), so a test that changes two at once
    would see the first aborted (htmx logs that as a console error), and the answer
    puts the period's days back out of band."""

    def is_report(response) -> bool:
        rest = response.url.partition("/reports/")[2]
        return bool(rest) and not rest.startswith(("clients/", "projects/"))

    with page.expect_response(is_report):
        action()
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


def _csv(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_hours_and_profitability(signed_in, live_server, shot, console_errors):
    from billing.tests.time_fixture import make_studio

    studio = make_studio()
    page = signed_in
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name="Hours Where the time went").click()
    expect(page.get_by_role("heading", name="Hours", level=1)).to_be_visible()
    # Act only once htmx has wired up the new page, or the input goes unheard.
    page.wait_for_load_state("load")

    _swap(page, lambda: page.locator("#report-period").select_option("custom"))
    _swap(page, lambda: page.locator("#report-start").fill("2014-02-01"))
    _swap(page, lambda: page.locator("#report-end").fill("2014-04-30"))
    total = page.locator("#total-hours")
    expect(total).to_have_text("13.25")
    table = page.locator("#hours-table tbody")
    expect(table.locator("tr")).to_have_count(2)
    expect(table.locator("tr").first).to_contain_text("Ann Archer")
    chart = page.locator("#hours-chart")
    expect(chart.locator("rect")).to_have_count(6)  # 3 months × billable and not
    assert "period=custom" in page.url and "start=2014-02-01" in page.url
    shot("reports-hours-by-person")

    # A person: the table, the totals and the chart follow.
    _swap(page, lambda: page.locator("#report-person").select_option(label="Ben Baker"))
    expect(total).to_have_text("4.25")
    expect(table.locator("tr")).to_have_count(1)
    expect(chart.locator("rect title").first).to_contain_text("Feb 2014, Billable: 0.00")
    # A shorter period.
    _swap(page, lambda: page.locator("#report-start").fill("2014-03-11"))
    expect(total).to_have_text("2.00")

    _swap(page, lambda: page.locator("#report-person").select_option(label="Everyone"))
    _swap(page, lambda: page.locator("#report-start").fill("2014-02-01"))
    expect(total).to_have_text("13.25")
    _swap(page, lambda: page.get_by_role("link", name="By project").click())
    expect(table.locator("tr").first).to_contain_text("Website")
    expect(page.locator("#total-billable")).to_have_text("8.25")
    shot("reports-hours-by-project")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = _csv(download.value)
    assert rows[0][:3] == ["Project", "Title", "Client"]
    body, footer = rows[1:-1], rows[-1]
    assert sum(float(row[5]) for row in body) == float(footer[5]) == 13.25
    assert footer[3:5] == ["8.25", "5.00"]
    violations = axe_violations(page)
    assert not violations, describe("the hours report", violations)

    page.goto(f"{live_server.url}/reports/")
    page.get_by_role("link", name="Profitability Projects worst").click()
    _swap(page, lambda: page.locator("#report-period").select_option("custom"))
    _swap(page, lambda: page.locator("#report-start").fill("2014-02-01"))
    _swap(page, lambda: page.locator("#report-end").fill("2014-04-30"))
    expect(page.locator("#total-margin")).to_have_text("£35.00")
    rows = page.locator("#profitability-table tbody tr")
    expect(rows.first).to_contain_text("Logo")
    expect(rows.first).to_contain_text("-£225.00")
    page.locator("#report-client").fill(f"C{studio.acme.pk} · Acme Ltd")
    _swap(page, lambda: page.locator("#report-client").dispatch_event("change"))
    expect(rows).to_have_count(1)
    expect(page.locator("#total-margin")).to_have_text("£260.00")
    shot("reports-profitability")
    # The link itself was clicked on the hours report above. Here the client field
    # still has focus, and its suggestion list (a datalist filled a moment after
    # typing) can take a click meant for the page, once in a while on a busy
    # machine: the CSV is fetched from the link's address, as the signed-in browser.
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_have_attribute("href", re.compile(rf"client=C{studio.acme.pk}"))
    answer = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text())))
    assert rows[-1] == ["Total", "", "", "15.00", "11.00", "", "690.00", "950.00", "260.00"]
    violations = axe_violations(page)
    assert not violations, describe("the profitability report", violations)
    assert not console_errors
