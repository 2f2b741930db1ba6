"""OAuth 2 in a real browser (issue 14): an administrator registers an app in Settings
→ Apps; a restricted person, sent to /oauth/authorize by the app, signs in, reads
what the app will reach and clicks Allow; the browser lands on the app's redirect URI
with the code, which the app swaps for a token that acts as that person. Then they
revoke the app and the token stops working."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import RestrictedUserFactory
from e2e.conftest import PASSWORD, SCREENSHOTS

CALLBACK = "https://client.example/callback"


@pytest.mark.django_db(transaction=True)
def test_register_allow_use_and_revoke_an_app(
    signed_in, browser, live_server, shot, console_errors
):
    admin = signed_in
    admin.goto(f"{live_server.url}/settings/apps/")
    admin.get_by_label("Name").fill("Sync Robot")
    admin.get_by_label("Redirect URIs").fill(CALLBACK)
    admin.get_by_role("button", name="Register app").click()
    client_id = admin.locator("#new-client-id").inner_text()
    client_secret = admin.locator("#new-client-secret").inner_text()
    assert len(client_secret) >= 64
    expect(admin.locator("#registered-apps-table")).to_contain_text("Sync Robot")
    shot("oauth-settings-apps-registered")
    admin.reload()
    assert client_secret not in admin.content()

    # The app sends Rita, who only has contacts, to Docket; she isn't signed in.
    RestrictedUserFactory(email="rita@studio.test", name="Rita Restricted")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # The app's own server: answers its redirect URI with a page of its own.
    page.route(
        "https://client.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Sync Robot</p>"),
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "state": "opaque-42",
        }
    )
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill("rita@studio.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Allow Sync Robot to use Docket as you?"
    )
    expect(page.locator(".oauth-reach")).to_have_text("Contacts and companies")
    expect(page.get_by_text("client.example", exact=True)).to_be_visible()
    _shoot(page, "oauth-consent")

    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("https://client.example/callback?**")
    answer = {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}
    assert answer["state"] == "opaque-42" and answer["code"]

    # The app's server swaps the code and calls the API as Rita.
    token = page.request.post(
        f"{live_server.url}/oauth/token",
        form={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": CALLBACK,
        },
    )
    assert token.status == 200
    body = token.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "api"
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    me = page.request.get(f"{live_server.url}/api/v1/me.json", headers=bearer)
    assert me.json()["rows"][0]["user"]["id"] == "rita@studio.test"
    assert page.request.get(f"{live_server.url}/api/v1/contacts.json", headers=bearer).status == 200
    assert page.request.get(f"{live_server.url}/api/v1/invoices.json", headers=bearer).status == 401

    # Rita has no settings area: "Your apps" is hers, with the app she allowed.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Your apps").click()
    table = page.locator("#allowed-apps-table")
    expect(table).to_contain_text("Sync Robot")
    expect(page.get_by_role("heading", name="Register an app")).to_have_count(0)
    _shoot(page, "oauth-your-apps")
    page.get_by_role("button", name="Revoke Sync Robot").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(table).to_contain_text("You haven't allowed any app.")
    assert page.request.get(f"{live_server.url}/api/v1/me.json", headers=bearer).status == 403

    context.close()
    assert errors == []
    assert console_errors == []


@pytest.mark.django_db(transaction=True)
def test_deny_sends_the_person_back_with_an_error(signed_in, live_server, shot):
    from accounts.oauth import create_app

    issued = create_app("Sync Robot", [CALLBACK])
    page = signed_in
    page.route(
        "https://client.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>back</p>"),
    )
    query = urlencode(
        {"response_type": "code", "client_id": issued.app.client_id, "redirect_uri": CALLBACK}
    )
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url("https://client.example/callback?**")
    assert parse_qs(urlsplit(page.url).query) == {"error": ["access_denied"]}

    # A redirect URI the app didn't register is never followed.
    query = urlencode(
        {
            "response_type": "code",
            "client_id": issued.app.client_id,
            "redirect_uri": "https://evil.example/",
        }
    )
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This app can't connect")
    shot("oauth-bad-redirect")


def _shoot(page, name: str) -> None:
    """The `shot` fixture's picture, of a page in another browser context."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.mark.django_db(transaction=True)
def test_apps_and_the_question_fit_a_phone(signed_in, live_server, shot, console_errors):
    from accounts.oauth import create_app

    issued = create_app(
        "A rather long app name for a small screen",
        [CALLBACK, "http://127.0.0.1:8765/a/very/long/callback/path/for/a/desktop/app"],
    )
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    query = urlencode(
        {"response_type": "code", "client_id": issued.app.client_id, "redirect_uri": CALLBACK}
    )
    page.goto(f"{live_server.url}/oauth/authorize?{query}")
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("oauth-consent-phone")

    page.goto(f"{live_server.url}/settings/apps/")
    expect(page.locator("#registered-apps-table")).to_contain_text("A rather long app name")
    # Wide tables scroll inside their box; the page itself never gets wider.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("oauth-settings-apps-phone")
    assert console_errors == []
