"""The weekly timesheet in a browser: hours typed in the grid are saved as one moves
on and are there after a reload; the timer keeps running across a reload and stops
into an entry; the page reads at desktop and phone widths."""

from playwright.sync_api import expect

from e2e.swaps import answer_swapped_into
from projects.models import JobItem, RunningTimer, TimeEntry
from projects.tests.factories import JobFactory, ProjectFactory


def test_log_time_in_the_grid_and_run_the_timer(signed_in, live_server, shot, console_errors):
    page = signed_in
    job = JobFactory(title="Website", project=ProjectFactory(title="Acme rebrand"))
    item = JobItem.objects.create(job=job, title="Wireframes", added_by=job.added_by)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timesheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timesheet")

    # Add a row by typing part of its title and picking it. The week comes back with the
    # row; its cells save on change only once htmx has settled them, so wait for that.
    page.get_by_label("Add a row").press_sequentially("wire", delay=30)
    with answer_swapped_into(page.locator("#week")):
        page.get_by_role("link", name=f"Acme rebrand › Website › Wireframes T{item.pk}").click()
    row = page.locator(f'tr[data-row="T{item.pk}"]')
    expect(row).to_be_visible()

    # Type in Monday, Tab to Tuesday (saving Monday), type, Enter saves Tuesday.
    monday = row.locator("td.cell input[name=hours]").nth(0)
    monday.fill("1:30")
    monday.press("Tab")
    tuesday = row.locator("td.cell input[name=hours]").nth(1)
    expect(tuesday).to_be_focused()
    tuesday.fill("2")
    tuesday.press("Enter")
    expect(page.locator("#week-total")).to_have_text("3.50")
    expect(page.locator(f"#row-total-T{item.pk}")).to_have_text("3.50")
    # Too much for one day is refused in place.
    wednesday = row.locator("td.cell input[name=hours]").nth(2)
    wednesday.fill("25")
    wednesday.press("Enter")
    expect(row.locator(".cell-error .field-error")).to_contain_text("at most 24")
    shot("timesheet-grid-1280")

    page.reload()
    row = page.locator(f'tr[data-row="T{item.pk}"]')
    expect(row.locator("td.cell input[name=hours]").nth(0)).to_have_value("1.50")
    expect(row.locator("td.cell input[name=hours]").nth(1)).to_have_value("2.00")
    assert TimeEntry.objects.count() == 2

    # The timer: start on the row, reload, still running, stop, the entry is there.
    row.get_by_role("button", name="Start the timer on Acme rebrand › Website › Wireframes").click()
    expect(page.locator(".timer-clock")).to_be_visible()
    page.reload()
    clock = page.locator(".timer-clock")
    expect(clock).to_have_text("0:00:01", timeout=5000)
    assert RunningTimer.objects.filter(item=item).exists()
    shot("timesheet-timer-1280")
    page.get_by_role("button", name="Stop and log").click()
    expect(page.locator(".flash").last).to_contain_text("hours logged")
    expect(page.locator(".timer-clock")).to_have_count(0)
    assert TimeEntry.objects.count() == 3 and not RunningTimer.objects.exists()

    page.get_by_role("button", name="Entries").click()
    expect(page.locator("#entries-table tbody tr")).to_have_count(3)
    shot("timesheet-entries-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/timesheet/")
    shot("timesheet-grid-390")
    page.goto(f"{live_server.url}/timesheet/entries/")
    shot("timesheet-entries-390")
    assert console_errors == []
