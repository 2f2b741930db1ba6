"""The day's work from end to end, as a new user would do it: a project for a client,
a job in it, an item in the job, hours typed in the weekly grid, the timer run across
a reload, the hours on the project page and on the dashboard's My week, and an
action completed; at desktop and phone widths."""

import re

from playwright.sync_api import expect

from accounts.models import User
from crm.tests.factories import CompanyFactory
from e2e.swaps import answer_swapped_into
from projects.models import JobAction, JobItem, Project, RunningTimer, TimeEntry

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_from_a_new_project_to_hours_on_the_dashboard(signed_in, live_server, shot, console_errors):
    page = signed_in
    CompanyFactory(name="Harbour Lights")
    me = User.objects.get(email="owner@studio.test")

    # A project for the client.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("button", name="New project").click()
    page.get_by_label("Title").fill("Lighthouse tours")
    page.get_by_label("Client").press_sequentially("Harb", delay=30)
    suggestion = page.locator("#client-suggestions option").first
    expect(suggestion).to_have_attribute("value", re.compile(r"Harbour Lights$"))
    page.get_by_label("Client").fill(suggestion.get_attribute("value"))
    page.get_by_role("button", name="Add project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lighthouse tours")
    project = Project.objects.get(title="Lighthouse tours")

    # A job in it, and an item in the job with six hours allocated.
    jobs = page.locator("#jobs")
    jobs.get_by_label("Job title").fill("Booking site")
    jobs.get_by_role("button", name="Add job").click()
    expect(jobs.locator(".job-block h3")).to_contain_text("Booking site")
    add_item = jobs.locator("form.add-item")
    add_item.get_by_label("Item title").fill("Page design")
    add_item.get_by_label("Hours or quantity").fill("6")
    add_item.get_by_label("Rate").fill("85")
    add_item.get_by_role("button", name="Add item").click()
    expect(jobs.locator(".item-list > li")).to_have_count(1)
    item = JobItem.objects.get(title="Page design")
    expect(page.locator("#project-hours")).to_contain_text("0 / 6 h · 6 h left")

    # An action on the item, for me.
    new_action = jobs.locator(f"#action-{item.pk}-new")
    new_action.get_by_label("Action").fill("Send the first layouts")
    new_action.get_by_label("Assign to").select_option(label=me.name)
    new_action.get_by_role("button", name="Add action").click()
    expect(jobs.locator(f"#item-{item.pk} .action-list")).to_contain_text("Send the first layouts")

    # Hours in the weekly grid: Monday 2:30, Tuesday 1.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timesheet").click()
    page.get_by_label("Add a row").press_sequentially("page des", delay=30)
    # The week comes back with the row; its cells save on change once htmx settles them.
    with answer_swapped_into(page.locator("#week")):
        page.get_by_role(
            "link", name=f"Lighthouse tours › Booking site › Page design T{item.pk}"
        ).click()
    row = page.locator(f'tr[data-row="T{item.pk}"]')
    cells = row.locator("td.cell input[name=hours]")
    cells.nth(0).fill("2:30")
    cells.nth(0).press("Tab")
    expect(cells.nth(1)).to_be_focused()
    cells.nth(1).fill("1")
    cells.nth(1).press("Enter")
    expect(page.locator("#week-total")).to_have_text("3.50")

    # The timer keeps running across a reload, then stops into an entry.
    row.get_by_role(
        "button", name="Start the timer on Lighthouse tours › Booking site › Page design"
    ).click()
    expect(page.locator(".timer-clock")).to_be_visible()
    page.reload()
    expect(page.locator(".timer-clock")).to_have_text(re.compile(r"^0:00:0[1-9]$"), timeout=5000)
    shot("the-work-timer-1280")
    page.get_by_role("button", name="Stop and log").click()
    expect(page.locator(".timer-clock")).to_have_count(0)
    assert not RunningTimer.objects.exists()
    assert TimeEntry.objects.filter(item=item).count() == 3

    # The project page shows what was logged against what was allocated.
    logged = TimeEntry.objects.filter(item=item).values_list("hours", flat=True)
    total = sum(logged)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator("#project-hours")).to_contain_text(f"{total.normalize()} / 6 h")
    shot("the-work-project-1280")

    # The dashboard's My week: the hours, and the action waiting; then it is done.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    week = page.locator(".my-week")
    expect(week).to_contain_text(f"{total.normalize()} of 37.5 hours logged")
    expect(week).to_contain_text("Send the first layouts")
    shot("the-work-dashboard-1280")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("the-work-dashboard-390")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(page.locator("#my-actions")).to_be_visible()
    # Act only once htmx has wired up the new page, or the input goes unheard.
    page.wait_for_load_state("load")
    page.locator("#my-actions").get_by_label("Send the first layouts").click()
    expect(page.locator("#my-actions")).to_contain_text("Nothing is waiting for you.")
    assert JobAction.objects.get().status == JobAction.Status.COMPLETED
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator(".my-week")).to_contain_text("No actions waiting for you.")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    shot("the-work-project-390")
    assert console_errors == []
