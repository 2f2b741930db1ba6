from django.core import mail
from playwright.sync_api import expect

from accounts.models import User


def test_add_a_user_who_gets_an_invitation(signed_in, live_server, shot, console_errors):
    page = signed_in
    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Add user").click()
    dialog = page.locator("#modal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Nina Novak")
    dialog.get_by_label("Email").fill("not-an-email")
    dialog.get_by_role("button", name="Add and send invitation").click()
    expect(dialog.locator(".field-error")).to_contain_text("valid email")
    shot("users-add-error")

    dialog.get_by_label("Email").fill("nina@studio.test")
    dialog.get_by_label("Job title").fill("Motion designer")
    dialog.get_by_role("button", name="Add and send invitation").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#users")).to_contain_text("Nina Novak")
    expect(page.locator(".flash-success")).to_contain_text("invitation")
    shot("users-list")

    assert User.objects.get(email="nina@studio.test").jobtitle == "Motion designer"
    assert any("nina@studio.test" in message.to for message in mail.outbox)

    # Search as you type narrows the table and keeps the URL.
    page.get_by_label("Search users").fill("nin")
    expect(page).to_have_url(f"{live_server.url}/accounts/users/?search=nin&type=")
    expect(page.locator("#users tbody tr")).to_have_count(1)
    assert console_errors == []


def test_deactivate_a_user_after_confirming(signed_in, live_server, shot):
    from accounts.tests.factories import UserFactory

    page = signed_in
    colleague = UserFactory(email="tom@studio.test", name="Tom Becker")
    page.goto(f"{live_server.url}/accounts/users/{colleague.pk}/")
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator(".flash-success")).to_contain_text("deactivated")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    shot("users-edit")
    colleague.refresh_from_db()
    assert colleague.is_active is False


def test_back_and_forward_restore_the_user_filters(signed_in, live_server, shot, console_errors):
    from accounts.tests.factories import CollaboratorFactory, UserFactory

    page = signed_in
    UserFactory(name="Tom Becker", is_active=False)
    CollaboratorFactory(name="Sam Okafor")
    users = f"{live_server.url}/accounts/users/"
    page.goto(users)
    kind = page.get_by_label("Type of user")
    inactive = page.get_by_label("Show inactive")
    rows = page.locator("#users tbody tr")
    expect(rows).to_have_count(2)

    kind.select_option("standard")
    expect(page).to_have_url(f"{users}?search=&type=standard")
    expect(rows).to_have_count(1)
    inactive.check()
    expect(page).to_have_url(f"{users}?search=&type=standard&inactive=1")
    expect(rows).to_have_count(2)

    page.go_back()
    expect(page).to_have_url(f"{users}?search=&type=standard")
    expect(rows).to_have_count(1)
    expect(kind).to_have_value("standard")
    expect(inactive).not_to_be_checked()
    page.go_back()
    expect(page).to_have_url(users)
    expect(kind).to_have_value("")
    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(f"{users}?search=&type=standard&inactive=1")
    expect(rows).to_have_count(2)
    expect(kind).to_have_value("standard")
    expect(inactive).to_be_checked()
    shot("users-filters-after-forward")
    assert console_errors == []


def test_areas_only_apply_while_restricted(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user").click()
    dialog = page.locator("#modal")
    areas = dialog.locator("input[name=permissions]")
    expect(areas.first).to_be_disabled()
    dialog.get_by_label("Restricted").check()
    expect(areas.first).to_be_enabled()

    # Restricted to nothing is refused on the areas.
    dialog.get_by_label("Name").fill("Rita Reed")
    dialog.get_by_label("Email").fill("rita@studio.test")
    dialog.get_by_role("button", name="Add and send invitation").click()
    expect(dialog.locator("#id_permissions_error")).to_contain_text("Tick at least one area")
    expect(areas.first).to_be_enabled()  # still restricted after the answer
    shot("users-restricted-no-areas")
    dialog.get_by_label("Reports").check()
    dialog.get_by_role("button", name="Add and send invitation").click()
    expect(dialog).to_be_hidden()
    rita = User.objects.get(email="rita@studio.test")
    assert (rita.restricted, rita.permissions) == (True, ["reports"])
