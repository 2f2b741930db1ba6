"""A project's jobs in the browser: edit a job's title and team in place, reorder two
jobs from the keyboard (the focus stays on the moved job), and start the timer on an
item from the project page, then stop it; at desktop and phone widths."""

from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.swaps import answer_swapped_into
from projects.models import Job, RunningTimer, TimeEntry
from projects.tests.factories import JobFactory, JobItemFactory


def test_edit_reorder_and_time_jobs_on_the_project_page(
    signed_in, live_server, shot, console_errors
):
    page = signed_in
    bea = UserFactory(name="Bea Designer")
    first = JobFactory(title="Brand", project__title="Northwind rebrand")
    second = JobFactory(title="Labels", project=first.project)
    item = JobItemFactory(job=second, title="Sketches", type="hourly", hours=4)
    JobItemFactory(job=second, title="Print run", type="fixed")
    page.goto(f"{live_server.url}/projects/{first.project_id}/")

    # Edit: a refused title shows on its field; then the title and the team change.
    section = page.locator(f"#job-{first.pk}")
    section.get_by_role("button", name="Edit Brand").click()
    form = section.locator(f"#job-{first.pk}-edit")
    form.get_by_label("Job title").fill("")
    form.get_by_role("button", name="Save job").click()
    expect(section.locator(".field-error")).to_contain_text("required")
    form.get_by_label("Job title").fill("Brand book")
    form.get_by_label("Bea Designer").check()
    shot("jobs-inline-edit-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("jobs-inline-edit-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)
    form.get_by_role("button", name="Save job").click()
    expect(section.locator(f"#job-{first.pk}-title")).to_have_text("1. Brand book")
    expect(section.locator(".job-head")).to_contain_text("Bea Designer")
    expect(section.get_by_role("button", name="Edit Brand book")).to_be_focused()
    edited = Job.objects.get(pk=first.pk)
    assert edited.title == "Brand book"
    assert list(edited.team.all()) == [bea]

    # Keyboard reorder: Labels up above Brand book, the focus on its ↓ after the swap.
    jobs = page.locator("#job-list .job-list > li")
    page.get_by_role("button", name="Move Labels up").focus()
    page.keyboard.press("Enter")
    expect(jobs.first).to_have_id(f"job-{second.pk}")
    expect(page.get_by_role("button", name="Move Labels up")).to_be_disabled()
    expect(page.get_by_role("button", name="Move Labels down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(jobs.first).to_have_id(f"job-{first.pk}")
    expect(page.get_by_role("button", name="Move Labels down")).to_be_disabled()
    expect(page.get_by_role("button", name="Move Labels up")).to_be_focused()
    # And by dragging: Labels first again.
    with answer_swapped_into(page.locator("#job-list")):
        page.locator(f"#job-{second.pk} .job-head .drag-handle").drag_to(
            page.locator(f"#job-{first.pk} .job-head")
        )
    expect(jobs.first).to_have_id(f"job-{second.pk}")
    order = Job.objects.filter(project=first.project).order_by("order")
    assert list(order.values_list("pk", flat=True)) == [second.pk, first.pk]

    # The timer, from the item's row: it comes back running, the clock ticking.
    expect(page.get_by_role("button", name="Start the timer on Print run")).to_have_count(0)
    page.get_by_role("button", name="Start the timer on Sketches").click()
    row = page.locator(f"#item-{item.pk}")
    clock = row.get_by_role("timer", name="Timer running on Sketches")
    expect(clock).to_be_visible()
    expect(clock).not_to_have_text("0:00:00", timeout=3000)
    assert RunningTimer.objects.get().item_id == item.pk
    shot("jobs-inline-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("jobs-inline-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)
    row.get_by_role("button", name="Stop the timer on Sketches and log the time").click()
    expect(page.locator("#messages")).to_contain_text("hours logged")
    expect(page.get_by_role("button", name="Start the timer on Sketches")).to_be_visible()
    assert not RunningTimer.objects.exists()
    assert TimeEntry.objects.get().item_id == item.pk
    assert console_errors == []
