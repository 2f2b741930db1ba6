"""Job items and actions in the browser: add an item to a job (a refused value shows
on its field), reorder with the keyboard, add an action, and tick it done from My
actions; at desktop and phone widths."""

from datetime import date

from playwright.sync_api import expect

from e2e.swaps import answer_swapped_into
from projects.models import JobAction, JobItem
from projects.tests.factories import JobFactory, JobItemFactory, TimeEntryFactory


def test_an_item_an_action_and_my_actions(signed_in, live_server, shot, console_errors):
    page = signed_in
    job = JobFactory(title="Bottle labels", project__title="Northwind rebrand")
    first = JobItemFactory(job=job, title="Sketches", hours=4)
    TimeEntryFactory(item=first, hours=5)
    page.goto(f"{live_server.url}/projects/{job.project_id}/")

    block = page.locator(f"#job-{job.pk}-items")
    add = block.locator("form.add-item")
    add.get_by_label("Item title").fill("Artwork")
    add.get_by_label("Hours or quantity").fill("-3")
    add.get_by_role("button", name="Add item").click()
    expect(block.locator(".field-error")).to_contain_text("Hours or quantity must be from 0")
    block.locator("form.add-item").get_by_label("Hours or quantity").fill("6")
    block.locator("form.add-item").get_by_label("Rate").fill("80")
    block.locator("form.add-item").get_by_role("button", name="Add item").click()
    expect(block.locator(".item-list > li")).to_have_count(2)
    expect(block.locator(".item-list > li").nth(1)).to_contain_text("Artwork")
    expect(block.locator(".hours-line")).to_contain_text("5 / 10 h")
    expect(page.locator("#project-hours")).to_contain_text("5 / 10 h · 5 h left")
    expect(block.locator(f"#item-{first.pk}")).to_contain_text("1 h over")
    artwork = JobItem.objects.get(title="Artwork")

    # Keyboard reorder: the moved item's button keeps the focus after the swap.
    block.get_by_role("button", name="Move Artwork up").click()
    expect(block.locator(".item-list > li").first).to_contain_text("Artwork")
    expect(block.get_by_role("button", name="Move Artwork up")).to_be_disabled()
    expect(block.get_by_role("button", name="Move Artwork down")).to_be_focused()
    # By dragging: Sketches back above Artwork.
    # Onto the top of Artwork's row, in view, which puts it above whatever the
    # page's scroll (the middle of a row is where "above" turns into "below").
    page.locator(f"#item-{artwork.pk}").evaluate("row => row.scrollIntoView({block: 'center'})")
    with answer_swapped_into(block):
        handle = block.locator(f"#item-{first.pk} .drag-handle")
        handle.drag_to(block.locator(f"#item-{artwork.pk}"), target_position={"x": 40, "y": 8})
    expect(block.locator(".item-list > li").first).to_contain_text("Sketches")
    assert list(job.items.order_by("order").values_list("title", flat=True)) == [
        "Sketches",
        "Artwork",
    ]

    # An action on the new item, for me, due today.
    new_action = block.locator(f"#action-{artwork.pk}-new")
    new_action.get_by_label("Action").fill("Send proofs to the brewery")
    new_action.get_by_label("Deadline").fill(str(date.today()))
    new_action.get_by_role("button", name="Add action").click()
    expect(block.locator(f"#item-{artwork.pk} .action-list")).to_contain_text(
        "Send proofs to the brewery"
    )
    shot("job-items-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("job-items-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", name="Due today")).to_be_visible()
    mine = page.locator("#my-actions")
    expect(mine).to_contain_text("Northwind rebrand › Bottle labels › Artwork")
    mine.get_by_text("Reassign or reschedule").click()
    shot("my-actions-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the sidebar slides away at phone width
    shot("my-actions-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(400)
    # The list is swapped out as the box is ticked: click it, as check() would look
    # for the old box afterwards.
    mine.get_by_label("Send proofs to the brewery").click()
    expect(page.locator("#my-actions")).to_contain_text("is done")
    expect(page.locator("#my-actions")).to_contain_text("Nothing is waiting for you.")
    assert JobAction.objects.get().status == "C"
    assert console_errors == []
