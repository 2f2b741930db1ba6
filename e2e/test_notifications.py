from playwright.sync_api import expect

from accounts import services
from accounts.models import User

PHONE = {"width": 390, "height": 844}


def owner() -> User:
    return User.objects.get(email="owner@studio.test")


def test_read_a_notification_and_the_badge_goes(signed_in, live_server, shot, console_errors):
    page = signed_in
    me = owner()
    services.notify(
        "teamadd",
        title="You were added to Northwind rebrand",
        users=[me],
        link="projects/12",
        content="Olivia added you to the project's team.",
    )
    services.notify("actionassigned", title="Proof the labels", users=[me], link="gadget/9")
    page.reload()
    badge = page.locator("#notification-badge")
    expect(badge).to_have_text("2 unread")
    shot("notifications-badge")

    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    listing = page.locator("#notifications")
    expect(listing.locator(".notification.unread")).to_have_count(2)
    # A link Docket doesn't know is shown as text, not followed.
    expect(listing.get_by_role("link", name="Proof the labels")).to_have_count(0)
    expect(listing).to_contain_text("gadget/9")
    shot("notifications-list")

    listing.get_by_role("button", name="Mark read: Proof the labels").click()
    expect(listing.locator(".notification.unread")).to_have_count(1)
    expect(badge).to_have_text("1 unread")
    listing.get_by_role("button", name="Mark all read").click()
    expect(listing.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#notification-badge .badge")).to_have_count(0)

    listing.get_by_role("button", name="Delete: Proof the labels").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Yes, go ahead").click()
    expect(listing.locator(".notification")).to_have_count(1)
    shot("notifications-list-read")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#notifications .notification")).to_have_count(1)
    shot("notifications-list-phone")
    assert console_errors == []


def test_add_and_tick_a_private_task(signed_in, live_server, shot, console_errors):
    page = signed_in
    day = page.locator("#my-day")
    expect(day.get_by_role("heading", level=2)).to_contain_text("My day")
    day.get_by_role("button", name="Add").click()
    expect(day.locator(".field-error")).to_have_text("Task is required.")
    day.get_by_label("Task", exact=True).fill("Call the printer about proofs")
    day.get_by_role("button", name="Add").click()
    expect(day.locator(".private-task")).to_have_count(1)
    expect(day.get_by_label("Task", exact=True)).to_have_value("")
    day.get_by_label("Task", exact=True).fill("Book the photographer")
    day.get_by_role("button", name="Add").click()
    expect(day.locator(".private-task")).to_have_count(2)
    day.get_by_role("checkbox", name="Call the printer about proofs").click()
    expect(day.locator(".private-task.done")).to_have_count(1)
    expect(day.get_by_role("checkbox", name="Call the printer about proofs")).to_be_checked()
    shot("my-day")

    # Tomorrow has its own list.
    day.get_by_role("link", name="Next day").click()
    expect(day.get_by_role("heading", level=2)).to_contain_text("My tasks")
    expect(day.locator(".private-task")).to_have_count(0)
    day.get_by_label("Task", exact=True).fill("Send the invoice")
    day.get_by_role("button", name="Add").click()
    expect(day.locator(".private-task")).to_have_count(1)
    day.get_by_role("link", name="Today").click()
    expect(day.locator(".private-task")).to_have_count(2)
    page.set_viewport_size(PHONE)
    page.reload()
    expect(day.locator(".private-task")).to_have_count(2)
    shot("my-day-phone")
    assert console_errors == []
