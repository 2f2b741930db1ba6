from playwright.sync_api import expect

from e2e.conftest import OWNER, sign_in_through_form


def test_signing_in_lands_on_the_dashboard(page, live_server, shot, console_errors):
    from accounts.tests.factories import UserFactory

    UserFactory(**OWNER)
    sign_in_through_form(page, live_server, OWNER["email"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Olivia")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shot("dashboard")
    assert console_errors == []


def test_pages_need_login(page, live_server, transactional_db, shot):
    page.goto(f"{live_server.url}/settings/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/settings/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shot("login")


def test_wrong_password_shows_an_error(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("nobody@studio.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_contain_text("correct email")


def test_back_and_forward_restore_the_filter_controls(signed_in, live_server, shot, console_errors):
    from crm import services

    page = signed_in
    services.create_contact(name="Grace Hopper", email="grace@navy.test", tags="vip")
    services.create_contact(name="Ada Lovelace", email="ada@engine.test", tags="press")
    services.create_contact(name="Alan Turing", email="alan@bletchley.test", tags="vip")
    people = f"{live_server.url}/connections/people/"
    page.goto(people)
    table = page.locator("#people-table tbody tr")
    expect(table).to_have_count(3)
    tag = page.get_by_label("Tag")
    search = page.get_by_label("Search people")

    tag.select_option("vip")
    expect(page).to_have_url(f"{people}?search=&tag=vip")
    expect(table).to_have_count(2)
    search.fill("gra")
    expect(page).to_have_url(f"{people}?search=gra&tag=vip")
    expect(table).to_have_count(1)

    page.go_back()
    expect(page).to_have_url(people)
    expect(table).to_have_count(3)
    expect(tag).to_have_value("")
    expect(search).to_have_value("")
    shot("shell-filters-after-back")

    page.go_forward()
    expect(page).to_have_url(f"{people}?search=gra&tag=vip")
    expect(table).to_have_count(1)
    expect(tag).to_have_value("vip")
    expect(search).to_have_value("gra")
    shot("shell-filters-after-forward")
    assert console_errors == []


def test_typing_a_search_replaces_the_history_entry(signed_in, live_server):
    page = signed_in
    people = f"{live_server.url}/connections/people/"
    page.goto(people)
    before = page.evaluate("history.length")
    search = page.get_by_label("Search people")
    for text in ("g", "gr", "gra"):
        search.fill(text)
        expect(page).to_have_url(f"{people}?search={text}&tag=")
    # One search, however many pauses while typing: no new entries to step back through.
    assert page.evaluate("history.length") == before
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")


def test_messages_float_over_the_page_and_can_be_closed(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/settings/numbering/")
    heading = page.get_by_role("heading", name="Numbering & time")
    top_before = heading.bounding_box()["y"]
    page.get_by_role("button", name="Save").click()
    toast = page.locator(".flash-success")
    expect(toast).to_contain_text("Numbering & time saved.")
    # The toast doesn't push the page down.
    assert heading.bounding_box()["y"] == top_before
    assert toast.evaluate("el => getComputedStyle(el.parentElement).position") == "fixed"
    shot("shell-toast")
    page.get_by_role("button", name="Dismiss message").click()
    expect(toast).to_have_count(0)

    # Several stack; success messages go by themselves (not while the pointer is on them).
    page.mouse.move(5, 700)
    page.evaluate("document.getElementById('messages').style.setProperty('--flash-seconds', '0.3')")
    for text in ("One", "Two"):
        page.evaluate(
            "text => document.body.dispatchEvent(new CustomEvent('showMessage', "
            "{detail: {level: 'success', text}, bubbles: true}))",
            text,
        )
    expect(page.locator("#messages .flash")).to_have_count(2)
    expect(page.locator("#messages .flash")).to_have_count(0, timeout=3000)
    # Errors stay until closed.
    page.evaluate(
        "document.body.dispatchEvent(new CustomEvent('showMessage', "
        "{detail: {level: 'error', text: 'Broken'}, bubbles: true}))"
    )
    page.wait_for_timeout(600)
    expect(page.locator("#messages .flash-error")).to_have_count(1)


def test_modal_header_has_the_close_button_on_the_right(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/accounts/users/")
    page.get_by_role("button", name="Add user").click()
    dialog = page.locator("#modal")
    title = dialog.get_by_role("heading", name="Add user")
    close = dialog.get_by_role("button", name="Close")
    expect(title).to_be_visible()
    title_box, close_box = title.bounding_box(), close.bounding_box()
    article_box = dialog.locator("article").bounding_box()
    # Same line as the title, at the right, inside the header's padding.
    title_middle = title_box["y"] + title_box["height"] / 2
    assert abs((close_box["y"] + close_box["height"] / 2) - title_middle) < 6
    assert close_box["x"] > title_box["x"] + title_box["width"]
    article_right = article_box["x"] + article_box["width"]
    assert 8 <= article_right - (close_box["x"] + close_box["width"]) <= 48
    assert close_box["y"] - article_box["y"] >= 8
    shot("shell-modal")
    close.click()
    expect(dialog).to_be_hidden()


def test_api_docs_open_in_a_new_tab(signed_in, live_server):
    page = signed_in
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="API docs")
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as new_tab:
        link.click()
    docs = new_tab.value
    docs.wait_for_load_state()
    assert docs.url.startswith(f"{live_server.url}/api/v1/docs")
    assert page.url == f"{live_server.url}/"
    docs.close()


def test_error_pages_in_the_apps_look(signed_in, live_server, shot, settings, restricted_to):

    settings.DEBUG = False
    page = signed_in
    page.goto(f"{live_server.url}/connections/people/99999/")
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shot("shell-404")
    page.get_by_role("button", name="Back to the dashboard").click()
    expect(page).to_have_url(f"{live_server.url}/")

    restricted_to("contacts", email="rita@studio.test")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("rita@studio.test")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/settings/")
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()
    shot("shell-403")


def test_signing_out_says_so(signed_in, live_server, shot):
    page = signed_in
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator(".flash")).to_have_text("You have signed out.")
    shot("shell-signed-out")


def _tax_codes(*names):
    from billing.models import TaxCode

    return [
        TaxCode.objects.create(code=f"00{i}", name=name, rate="0.2", position=i)
        for i, name in enumerate(names, start=1)
    ]


def test_a_cancelled_confirmation_never_runs_later(signed_in, live_server, shot, console_errors):
    from billing.models import TaxCode

    page = signed_in
    _tax_codes("Standard VAT", "Reduced VAT", "Zero rated", "Exempt")
    page.goto(f"{live_server.url}/settings/tax-codes/")
    dialog = page.locator("#confirm-dialog")
    yes = dialog.get_by_role("button", name="Yes, go ahead")

    # Escape, a click on the backdrop and Cancel each drop the question they closed...
    page.get_by_role("button", name="Delete Standard VAT").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete Reduced VAT").click()
    page.mouse.click(5, 5)  # outside the box: the backdrop
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete Zero rated").click()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # ...so "Yes" on the next question runs that one action alone.
    page.get_by_role("button", name="Delete Exempt").click()
    expect(dialog).to_contain_text("Delete Exempt")
    shot("shell-confirm")
    yes.click()
    expect(page.locator("#tax-codes-rows")).not_to_contain_text("Exempt")
    page.wait_for_timeout(300)
    assert sorted(TaxCode.objects.values_list("name", flat=True)) == [
        "Reduced VAT",
        "Standard VAT",
        "Zero rated",
    ]
    assert console_errors == []


def test_a_cancelled_plain_form_confirmation_never_runs_later(signed_in, live_server):
    from accounts.models import ApiCredential
    from accounts.services import create_api_credential

    page = signed_in
    create_api_credential("Website contact form")
    create_api_credential("Xero sync")
    page.goto(f"{live_server.url}/settings/api/")
    dialog = page.locator("#confirm-dialog")
    page.get_by_role("button", name="Revoke Website contact form").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Revoke Xero sync").click()
    dialog.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator(".flash-success")).to_be_visible()
    revoked = {c.name: c.revoked is not None for c in ApiCredential.objects.all()}
    assert revoked == {"Website contact form": False, "Xero sync": True}


def _overlaps(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _show(page, level, text):
    page.evaluate(
        "([level, text]) => document.body.dispatchEvent(new CustomEvent('showMessage', "
        "{detail: {level, text}, bubbles: true}))",
        [level, text],
    )


def test_toasts_keep_clear_of_the_header_buttons(signed_in, live_server, shot):
    from crm import services

    page = signed_in
    company = services.create_company(name="Northwind Brewery")
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/connections/companies/{company.pk}/")
        _show(page, "success", "Northwind Brewery was saved.")
        _show(page, "warning", "Northwind Brewery has time to its name, so it was kept.")
        _show(page, "error", "Something went wrong (500). Please try again.")
        toasts = page.locator("#messages .flash")
        expect(toasts).to_have_count(3)
        controls = page.locator(".topbar").get_by_role("button")
        assert controls.count() >= 2  # Edit and Delete (and Menu on a phone)
        for toast in toasts.all():
            box = toast.bounding_box()
            assert box["y"] + box["height"] <= height  # on screen, at the bottom
            assert box["y"] > height / 2
            for i in range(controls.count()):
                assert not _overlaps(box, controls.nth(i).bounding_box()), (width, i)
        # Each one can be closed.
        expect(page.get_by_role("button", name="Dismiss message")).to_have_count(3)
        shot(f"shell-toasts-{width}")
        # Scrolled to the end, the page's last content is above the stack.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        last = page.locator("main > *").last.bounding_box()
        top_of_stack = page.locator("#messages").bounding_box()["y"]
        assert last["y"] + last["height"] <= top_of_stack + 1, width


def test_warnings_fade_too_and_errors_stay(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/settings/")
    page.mouse.move(5, 5)
    page.evaluate("document.getElementById('messages').style.setProperty('--flash-seconds', '0.2')")
    _show(page, "warning", "Kept instead of deleted.")
    _show(page, "error", "Broken")
    expect(page.locator("#messages .flash-warning")).to_have_count(1)
    expect(page.locator("#messages .flash-warning")).to_have_count(0, timeout=3000)
    expect(page.locator("#messages .flash-error")).to_have_count(1)


def test_a_stale_token_on_an_htmx_action_asks_for_a_reload(signed_in, live_server, shot, settings):
    from billing.models import TaxCode

    settings.DEBUG = False
    page = signed_in
    _tax_codes("Standard VAT")
    page.goto(f"{live_server.url}/settings/tax-codes/")
    # As after signing in again in another tab: the page's token no longer matches.
    page.evaluate(
        "document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'x'.repeat(64)}))"
    )
    page.evaluate("window.beforeReload = true")
    page.get_by_role("button", name="Delete Standard VAT").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    toast = page.locator("#messages .flash-error")
    expect(toast).to_contain_text(
        "Your session changed (signed in elsewhere?). Reload the page to continue."
    )
    expect(toast).not_to_contain_text("Please try again")
    page.wait_for_timeout(250)  # the toast fades in
    shot("shell-stale-token")
    assert TaxCode.objects.count() == 1
    # Twice gives one message, not a pile.
    page.get_by_role("button", name="Delete Standard VAT").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    page.wait_for_timeout(300)
    expect(page.locator("#messages .flash-error")).to_have_count(1)
    with page.expect_navigation():
        toast.get_by_role("button", name="Reload").click()
    assert page.evaluate("window.beforeReload === undefined")
    # The fresh page's token works.
    page.get_by_role("button", name="Delete Standard VAT").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator("#tax-codes-rows")).not_to_contain_text("Standard VAT")
    assert TaxCode.objects.count() == 0


def test_a_stale_token_on_a_plain_form_shows_the_apps_page(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/settings/numbering/")
    page.locator("#main form input[name=csrfmiddlewaretoken]").evaluate(
        "el => el.value = 'x'.repeat(64)"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Your session changed")).to_be_visible()
    expect(page.locator(".auth-card")).to_be_visible()
    shot("shell-403-csrf")
    page.get_by_role("button", name="Go back and reload").click()
    expect(page).to_have_url(f"{live_server.url}/settings/numbering/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("saved")


def test_focus_stays_in_place_when_a_swap_replaces_it(signed_in, live_server, shot):
    from crm import services

    page = signed_in
    person = services.create_contact(name="Grace Hopper", email="grace@navy.test")
    page.goto(f"{live_server.url}/connections/people/{person.pk}/")
    add = page.get_by_role("button", name="Add to journal")

    # Refused: the focus goes to the first wrong field of the new form.
    add.focus()
    page.keyboard.press("Enter")
    subject = page.locator("#journal").get_by_label("Subject")
    expect(page.locator("#journal .field-error").first).to_be_visible()
    expect(subject).to_be_focused()

    # Added: the form is new and nothing asks for the focus, so the journal takes it.
    subject.fill("Called about the launch")
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#journal .timeline")).to_contain_text("Called about the launch")
    expect(page.locator("#journal")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#journal') !== null")

    # A deleted settings row takes its card's focus rather than dropping it to <body>.
    _tax_codes("Standard VAT", "Zero rated")
    page.goto(f"{live_server.url}/settings/tax-codes/")
    page.get_by_role("button", name="Delete Zero rated").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Yes, go ahead").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tax-codes-rows")).not_to_contain_text("Zero rated")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement !== document.body")
    assert page.evaluate("document.activeElement.closest('section.card') !== null")


def test_header_buttons_line_up_and_long_names_wrap(signed_in, live_server, shot):
    from crm import services

    page = signed_in
    name = "Northwind" + "Brewery" * 12
    company = services.create_company(name=name)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/connections/companies/{company.pk}/")
        edit = page.locator(".topbar").get_by_role("button", name="Edit")
        delete = page.locator(".topbar").get_by_role("button", name="Delete")
        edit_box, delete_box = edit.bounding_box(), delete.bounding_box()
        assert abs(edit_box["y"] - delete_box["y"]) < 1
        assert abs(edit_box["height"] - delete_box["height"]) < 1
        # The long name wraps; the buttons stay on screen.
        assert delete_box["x"] + delete_box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(f"shell-long-heading-{width}")


def test_filter_bar_buttons_match_the_inputs(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/connections/people/")
    search = page.get_by_label("Search people").bounding_box()
    export = page.get_by_role("button", name="Export CSV").bounding_box()
    assert abs(search["height"] - export["height"]) < 1.5
    assert abs(search["y"] - export["y"]) < 1.5


def test_file_inputs_show_their_whole_label(signed_in, live_server, shot):
    from crm import services

    page = signed_in
    company = services.create_company(name="Northwind Brewery")
    page.goto(f"{live_server.url}/connections/companies/{company.pk}/edit/")
    image = page.locator("input[type=file]")
    box = image.bounding_box()
    assert box["width"] >= 300
