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
