"""A collaborator in a browser: given one job of a project's two, they sign in, find
it under My jobs with its items, can't open the other job or the project, log time on
their job in the weekly grid and tick an action; at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import CollaboratorFactory
from e2e.conftest import sign_in_through_form
from projects.models import JobAction, TimeEntry
from projects.tests.factories import JobActionFactory, JobFactory, JobItemFactory, ProjectFactory


@pytest.mark.django_db(transaction=True)
def test_a_collaborator_sees_and_works_on_only_their_job(page, live_server, shot, console_errors):
    project = ProjectFactory(title="Acme rebrand")
    theirs = JobFactory(title="Illustrations", project=project)
    other = JobFactory(title="Media buying", project=project)
    item = JobItemFactory(job=theirs, title="Spot drawings", type="hourly", hours=6)
    JobItemFactory(job=other, title="Ad placements")
    action = JobActionFactory(item=item, title="Send the first sketches")
    cole = CollaboratorFactory(
        email="cole@freelance.test", name="Cole Collaborator", collaborator_jobs=[theirs.pk]
    )
    action.assigned_to = cole
    action.save(update_fields=["assigned_to"])

    sign_in_through_form(page, live_server, cole.email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Projects")).to_have_count(0)
    nav.get_by_role("link", name="My jobs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My jobs")
    expect(page.get_by_role("link", name="Illustrations")).to_be_visible()
    expect(page.get_by_text("Media buying")).to_have_count(0)
    shot("collaborator-my-jobs-1280")

    page.get_by_role("link", name="Illustrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Illustrations")
    expect(page.get_by_text("Spot drawings", exact=True)).to_be_visible()
    expect(page.get_by_text("Ad placements")).to_have_count(0)
    # Items are reworked by the studio, not here.
    expect(page.get_by_role("button", name="Add item")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    # Act only once htmx has wired up the new page, or the input goes unheard.
    page.wait_for_load_state("load")

    # Tick the action done: the block answers in place, and it stays done.
    page.get_by_role("checkbox", name="Send the first sketches").check()
    expect(page.locator(f"#action-{action.pk}")).to_have_class("action done")
    action.refresh_from_db()
    assert action.status == JobAction.Status.COMPLETED
    shot("collaborator-job-1280")

    # The other job and the project are refused, however they are reached.
    for path in (f"/projects/jobs/{other.pk}/", f"/projects/{project.pk}/", "/projects/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path

    # Log time on their item from the job page, in the weekly grid.
    page.goto(f"{live_server.url}/projects/jobs/{theirs.pk}/")
    page.get_by_role("link", name="Log time on Spot drawings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timesheet")
    # Act only once htmx has wired up the new page, or the input goes unheard.
    page.wait_for_load_state("load")
    row = page.locator(f'tr[data-row="T{item.pk}"]')
    monday = row.locator("td.cell input[name=hours]").nth(0)
    monday.fill("2.5")
    monday.press("Enter")
    expect(page.locator("#week-total")).to_have_text("2.50")
    entry = TimeEntry.objects.get()
    assert (entry.user_id, entry.item_id, entry.hours) == (cole.pk, item.pk, 2.5)
    # The grid's "add a row" offers nothing of the other job.
    page.get_by_label("Add a row").press_sequentially("Ad pl", delay=30)
    expect(page.get_by_text("No open project, job or item has “Ad pl”")).to_be_visible()
    shot("collaborator-timesheet-1280")

    page.goto(f"{live_server.url}/projects/jobs/{theirs.pk}/")
    expect(page.get_by_text("2.5 / 6 h · 3.5 h left").first).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/projects/jobs/{theirs.pk}/")
    shot("collaborator-job-390")
    page.goto(f"{live_server.url}/projects/jobs/mine/")
    shot("collaborator-my-jobs-390")
    # A refused page is expected to log its 403 in the console; nothing else may.
    assert [error for error in console_errors if "403" not in error] == []
