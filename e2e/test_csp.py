"""Under the Content-Security-Policy the pages and the API docs still work, with no
violation reported in the console (Chromium reports each one as a console error)."""

from playwright.sync_api import expect


def test_pages_work_under_the_policy(signed_in, live_server, shot, console_errors):
    from crm import services

    page = signed_in
    company = services.create_company(name="Northwind Brewery", tags="brewery")
    services.create_company(name="Daily Planet", tags="press")
    paths = ("/", "/connections/people/", "/settings/", "/settings/logo/", "/accounts/users/")
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]

    # The company form's script, a static file rather than inline: custom field rows
    # and tag suggestions still work.
    page.goto(f"{live_server.url}/connections/companies/{company.pk}/edit/")
    rows = page.locator(".customfield-row")
    before = rows.count()
    page.get_by_role("button", name="Add field").click()
    expect(rows).to_have_count(before + 1)
    expect(rows.last.locator("[data-part=title]")).to_be_focused()
    page.get_by_label("Tags").fill("brewery, pr")
    page.get_by_label("Tags").dispatch_event("input")
    expect(page.locator("#tag-suggestions option")).to_have_count(1)
    expect(page.locator("#tag-suggestions option")).to_have_attribute("value", "brewery, press")
    # Styles once inline in the template now come from app.css.
    expect(page.locator(".customfields-rows")).to_have_css("display", "grid")
    shot("csp-company-form")
    assert console_errors == []


def test_api_docs_render_under_the_policy(signed_in, live_server, shot, console_errors):
    page = signed_in
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "Content-Security-Policy".lower() in response.headers
    # Swagger UI draws every operation (150 and more with billing's) before the
    # first shows: on a loaded machine that takes longer than expect's 5 s.
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    expect(page.locator(".info .title")).to_contain_text("Docket API")
    shot("csp-api-docs")
    assert console_errors == []


def test_the_csrf_failure_page_sets_its_back_link_from_static_js(
    signed_in, live_server, console_errors
):
    page = signed_in
    page.goto(f"{live_server.url}/settings/numbering/")
    page.locator("#main form input[name=csrfmiddlewaretoken]").evaluate(
        "el => el.value = 'x'.repeat(64)"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Your session changed")).to_be_visible()
    expect(page.locator("#csrf-back")).to_have_attribute(
        "href", f"{live_server.url}/settings/numbering/"
    )
    # The 403 answer itself is logged as a failed load; nothing else may be.
    assert [error for error in console_errors if "status of 403" not in error] == []
