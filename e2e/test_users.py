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
    expect(page).to_have_url(f"{users}?search=&type=standard")
    expect(kind).to_have_value("standard")
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


def test_a_double_click_adds_the_user_once(signed_in, live_server, shot, console_errors):
    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user").click()
    dialog = page.locator("#modal")
    dialog.get_by_label("Name").fill("Nina Novak")
    dialog.get_by_label("Email").fill("nina@studio.test")
    # While the request runs the button is off (a slow answer shows it).
    page.route(
        "**/accounts/users/add/standard/",
        lambda route: (page.wait_for_timeout(400), route.continue_()),
    )
    submit = dialog.get_by_role("button", name="Add and send invitation")
    submit.dblclick()
    expect(submit).to_be_disabled()
    expect(dialog).to_be_hidden()
    expect(page.locator(".flash-success")).to_contain_text("Nina Novak was added")
    page.wait_for_timeout(500)
    assert User.objects.filter(email="nina@studio.test").count() == 1
    expect(page.locator(".flash-error")).to_have_count(0)

    # Opened again, the form's button works again.
    page.unroute("**/accounts/users/add/standard/")
    page.get_by_role("button", name="Add user").click()
    expect(dialog.get_by_role("button", name="Add and send invitation")).to_be_enabled()
    dialog.get_by_label("Name").fill("Nina Again")
    dialog.get_by_label("Email").fill("nina@studio.test")
    dialog.get_by_role("button", name="Add and send invitation").click()
    expect(dialog.locator(".field-error")).to_contain_text("already")
    expect(dialog.get_by_label("Email")).to_be_focused()  # the wrong field, for the keyboard
    expect(dialog.get_by_role("button", name="Add and send invitation")).to_be_enabled()
    assert console_errors == []


def test_restricted_sits_right_above_its_areas(signed_in, live_server, shot, restricted_to):

    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user").click()
    dialog = page.locator("#modal")
    expect(dialog).to_be_visible()
    _assert_restricted_above_areas(dialog)
    shot("users-add-access")

    colleague = restricted_to("contacts", name="Tom Becker")
    page.goto(f"{live_server.url}/accounts/users/{colleague.pk}/")
    _assert_restricted_above_areas(page.locator("main"))
    expect(page.get_by_label("Restricted")).to_be_enabled()


def _assert_restricted_above_areas(scope):
    restricted = scope.locator("label:has(input[name=restricted])").bounding_box()
    areas = scope.locator("fieldset", has_text="Areas").bounding_box()
    gap = areas["y"] - (restricted["y"] + restricted["height"])
    assert 0 <= gap < 24, gap  # directly below it
    assert abs(areas["x"] - restricted["x"]) < 40  # in the same column, slightly indented


def test_your_own_access_is_greyed_out_with_why(signed_in, live_server, shot, console_errors):
    page = signed_in
    me = User.objects.get(email="owner@studio.test")
    page.goto(f"{live_server.url}/accounts/users/{me.pk}/")
    main = page.locator("main")
    expect(main.get_by_label("Restricted")).to_be_disabled()
    for box in main.locator("fieldset", has_text="Areas").get_by_role("checkbox").all():
        expect(box).to_be_disabled()
    expect(main.get_by_text("You can't change your own access")).to_be_visible()
    shot("users-edit-self")
    main.get_by_label("Job title").fill("Studio head")
    main.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_contain_text("was saved")
    expect(page.locator(".field-error")).to_have_count(0)
    me.refresh_from_db()
    assert me.jobtitle == "Studio head"
    assert console_errors == []


def test_pending_invitation_badge_matches_the_list(signed_in, live_server):
    from accounts.tests.factories import UserFactory

    page = signed_in
    invited = UserFactory(name="Nina Novak")
    invited.set_unusable_password()
    invited.save()
    page.goto(f"{live_server.url}/accounts/users/")
    in_list = page.locator("#users .badge", has_text="Invitation pending")
    colour = in_list.evaluate("el => getComputedStyle(el).backgroundColor")
    page.goto(f"{live_server.url}/accounts/users/{invited.pk}/")
    on_page = page.locator(".topbar .badge", has_text="Invitation pending")
    assert on_page.evaluate("el => getComputedStyle(el).backgroundColor") == colour


def test_the_modal_gives_the_focus_back_when_it_closes(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    add = page.get_by_role("button", name="Add user", exact=True)
    add.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#modal")
    expect(dialog.get_by_label("Name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(add).to_be_focused()

    # After adding someone too.
    page.keyboard.press("Enter")
    dialog.get_by_label("Name").fill("Nina Novak")
    dialog.get_by_label("Email").fill("nina@studio.test")
    dialog.get_by_label("Email").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#users")).to_contain_text("Nina Novak")
    expect(add).to_be_focused()


def test_a_stale_token_in_the_modal_shows_in_the_modal(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user", exact=True).click()
    dialog = page.locator("#modal")
    dialog.get_by_label("Name").fill("Nina Novak")
    dialog.get_by_label("Email").fill("nina@studio.test")
    # Signed in again elsewhere: the page's tokens (the header's, the form's) are stale.
    page.evaluate(
        "document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'x'.repeat(64)}))"
    )
    dialog.locator("input[name=csrfmiddlewaretoken]").evaluate("el => el.value = 'x'.repeat(64)")
    dialog.get_by_role("button", name="Add and send invitation").click()
    toast = dialog.locator(".flash-error")
    expect(toast).to_contain_text("Your session changed")
    page.wait_for_timeout(250)
    shot("users-modal-stale-token")
    # Above the modal, so it can be used: Reload works.
    with page.expect_navigation():
        toast.get_by_role("button", name="Reload").click()
    expect(page.locator("#modal")).to_be_hidden()
    assert not User.objects.filter(email="nina@studio.test").exists()
