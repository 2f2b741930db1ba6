"""Browser tests: Debian's Chromium driven by Playwright against live_server."""

import os
import shutil
import time
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made
# by the test itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


class RequestsInFlight:
    """The page's requests still waiting for their answer, counted from its first."""

    QUIET_SECONDS = 0.15

    def __init__(self, page):
        self.page = page
        self.pending = set()
        self.last_change = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request):
        self.pending.add(request)
        self.last_change = time.monotonic()

    def _ended(self, request):
        self.pending.discard(request)
        self.last_change = time.monotonic()

    def wait_for_quiet(self, timeout: float = 30):
        """Until no request has been in flight for QUIET_SECONDS."""
        deadline = time.monotonic() + timeout
        while self.pending or time.monotonic() - self.last_change < self.QUIET_SECONDS:
            if time.monotonic() > deadline:
                urls = ", ".join(request.url for request in self.pending)
                raise AssertionError(f"requests still in flight after {timeout} s: {urls}")
            # Playwright hands over the page's events while it waits.
            self.page.wait_for_timeout(25)


@pytest.fixture
def page(page):
    """pytest-playwright's page, with its requests counted for settle()
    (e2e/test_accessibility.py)."""
    page.docket_requests = RequestsInFlight(page)
    return page


@pytest.fixture
def shot(page):
    """shot("name") saves e2e/screenshots/name.png of the whole page."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str):
        # caret="initial": hiding the caret makes Playwright inject a <style>, which
        # the Content-Security-Policy blocks and reports as a console error.
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")

    return take


@pytest.fixture
def console_errors(page):
    """Collects the page's console errors; tests assert there are none."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def session_store(session_key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def sign_in_through_form(page, live_server, email: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


OWNER = {"email": "owner@studio.test", "name": "Olivia Owner", "is_superuser": True}


@pytest.fixture(scope="session")
def signed_in_state(browser, live_server, django_db_setup, django_db_blocker):
    """Signs in through the form once per test session (so once per xdist worker) and
    keeps what it left behind: the browser's storage state (the session and CSRF
    cookies) and the session's data.

    The user and the session row can't outlive the first test: each e2e test's
    database is flushed afterwards. So `signed_in` makes the user again, writes a
    session for them with the saved data, and hands the browser the saved cookies
    with that session's key."""
    from django.core.management import call_command

    from accounts.tests.factories import UserFactory

    with django_db_blocker.unblock():
        UserFactory(**OWNER)
        context = browser.new_context()
        try:
            sign_in_through_form(context.new_page(), live_server, OWNER["email"])
            state = context.storage_state()
        finally:
            context.close()
        cookie = next(c for c in state["cookies"] if c["name"] == settings.SESSION_COOKIE_NAME)
        session_data = session_store(session_key=cookie["value"]).load()
        # Leave the database as a flushed test would: the tests that follow expect
        # no user, session or sign-in bucket they didn't make.
        call_command("flush", interactive=False, verbosity=0)
    return {"storage_state": state, "data": session_data}


@pytest.fixture
def signed_in(page, live_server, transactional_db, signed_in_state):
    """A page signed in as an account administrator, on the dashboard. Not through
    the form: the saved cookies, with the session cookie naming a session written
    for this test's user."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY

    from accounts.tests.factories import UserFactory

    user = UserFactory(**OWNER)
    session = session_store(None)
    session.update(
        {
            **signed_in_state["data"],
            SESSION_KEY: str(user.pk),
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    page.context.add_cookies(
        [
            {**cookie, "value": session.session_key}
            if cookie["name"] == settings.SESSION_COOKIE_NAME
            else cookie
            for cookie in signed_in_state["storage_state"]["cookies"]
        ]
    )
    page.goto(f"{live_server.url}/")
    return page
