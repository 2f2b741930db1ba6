from playwright.sync_api import expect


def test_signing_in_lands_on_the_dashboard(signed_in, live_server, shot, console_errors):
    page = signed_in
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
    page.evaluate("document.getElementById('messages').dataset.flashSeconds = '0.3'")
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


def test_error_pages_in_the_apps_look(signed_in, live_server, shot, settings):
    from accounts.tests.factories import UserFactory

    settings.DEBUG = False
    page = signed_in
    page.goto(f"{live_server.url}/connections/people/99999/")
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shot("shell-404")
    page.get_by_role("button", name="Back to the dashboard").click()
    expect(page).to_have_url(f"{live_server.url}/")

    UserFactory(email="rita@studio.test", restricted=True, permissions=["contacts"])
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
