from playwright.sync_api import expect

from crm import services


def test_pages_work_at_phone_width(signed_in, live_server, shot, console_errors):
    page = signed_in
    services.create_contact(name="Grace Hopper", email="grace@navy.test", companyname="US Navy")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/connections/people/")
    expect(page.get_by_role("navigation", name="Main")).not_to_be_in_viewport()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_in_viewport()
    shot("phone-menu")
    page.get_by_role("button", name="Close menu").click()
    expect(page.get_by_role("navigation", name="Main")).not_to_be_in_viewport()
    expect(page.locator("#people-table")).to_contain_text("Grace Hopper")
    shot("phone-people")
    page.goto(f"{live_server.url}/settings/tax-codes/")
    expect(page.get_by_role("button", name="Add tax code")).to_be_visible()
    shot("phone-settings")
    assert console_errors == []


def test_settings_tables_stay_inside_a_phone_screen(signed_in, live_server, shot, console_errors):
    from accounts.services import create_api_credential
    from billing.models import TaxCode

    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate="0.2", position=1)
    create_api_credential("Website contact form")
    create_api_credential("Xero sync", scopes=["contacts:read", "invoices:write"])
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in [
        ("/settings/tax-codes/", "phone-settings-tax-codes"),
        ("/settings/api/", "phone-settings-api"),
        ("/settings/activity-types/", "phone-settings-activity-types"),
        ("/accounts/users/", "phone-users"),
    ]:
        page.goto(f"{live_server.url}{path}")
        # Wide tables scroll inside their box; the page itself never gets wider.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        shot(name)
    assert console_errors == []


def test_the_phone_menu_is_out_of_the_way_until_opened(signed_in, live_server, shot):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/settings/")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu", exact=True)

    # Closed: Tab never lands in the hidden menu.
    expect(nav).to_be_hidden()
    page.locator("body").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("!document.activeElement.closest('#sidebar')")

    # Opened from the keyboard: the focus goes in; Escape closes and comes back.
    menu.focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_in_viewport()
    expect(menu).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("document.activeElement.closest('#sidebar') !== null")
    expect(nav.get_by_role("link", name="Settings")).to_be_focused()  # the current page
    page.wait_for_timeout(300)  # the slide-in
    shot("phone-menu-open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")

    # Close menu puts the focus back on Menu as well.
    menu.click()
    page.get_by_role("button", name="Close menu").click()
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()

    # Tabbing past its last control closes it.
    menu.click()
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Tab")
    expect(nav).to_be_hidden()

    # At desktop width it is always there and in the Tab order.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(nav).to_be_visible()
    expect(menu).to_be_hidden()


def test_dashboard_numbers_two_to_a_row_on_a_phone(signed_in, live_server, shot):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    # The account's four numbers at the top (the money panel below has cards of its own).
    cards = page.locator(".grid-cards").first.locator(".stat")
    expect(cards).to_have_count(4)
    boxes = [card.bounding_box() for card in cards.all()]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 1 and abs(boxes[2]["y"] - boxes[3]["y"]) < 1
    assert boxes[2]["y"] > boxes[0]["y"]
    assert boxes[1]["x"] + boxes[1]["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("phone-dashboard")


def test_phone_toasts_sit_along_the_bottom(signed_in, live_server, shot):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/settings/numbering/")
    page.get_by_role("button", name="Save").click()
    toast = page.locator(".flash-success")
    expect(toast).to_be_visible()
    box = toast.bounding_box()
    assert box["width"] >= 390 - 20 and box["y"] + box["height"] <= 844
    assert box["y"] > 844 / 2
    menu = page.get_by_role("button", name="Menu").bounding_box()
    assert box["y"] > menu["y"] + menu["height"]
    expect(toast.get_by_role("button", name="Dismiss message")).to_be_visible()
    shot("phone-toast")
