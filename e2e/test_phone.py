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
