"""An API call with credentials of its own goes round the browser's middleware
(config/page_middleware.py); everything else goes through all of it."""

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client

from config.api.middleware import sends_credentials
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions_broken(monkeypatch):
    """The session, user and messages middleware fail loudly if anything runs them."""

    def refuse(self, request, *args):
        raise AssertionError(f"{type(self).__name__} ran")

    for middleware in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        monkeypatch.setattr(middleware, "process_request", refuse)


@pytest.mark.parametrize(
    ("headers", "credentialed"),
    [
        ({"HTTP_X_DEPOT_TOKEN": "abc"}, True),
        ({"HTTP_AUTHORIZATION": "Bearer abc"}, True),
        ({"HTTP_AUTHORIZATION": "bearer abc"}, True),
        # Nothing to authenticate with: the session may still answer.
        ({"HTTP_X_DEPOT_TOKEN": ""}, False),
        ({"HTTP_AUTHORIZATION": "Bearer"}, False),
        ({"HTTP_AUTHORIZATION": "Basic abc"}, False),
        ({}, False),
    ],
)
def test_what_counts_as_sending_credentials(headers, credentialed):
    assert sends_credentials(headers) is credentialed


def test_a_credentialed_call_runs_without_the_session_user_and_messages_middleware(
    depot, sessions_broken
):
    contact = ContactFactory(firstname="Ada", lastname="Lovelace")
    response = depot.get(f"contacts/{contact.pk}")
    assert response.status_code == 200
    assert response.json()["rows"][0]["lastname"] == "Lovelace"
    # The headers every answer carries still come.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "X-RateLimit-Remaining" in response
    assert "Set-Cookie" not in response


def test_a_bearer_call_runs_without_them_too(admin_user, bearer_for, sessions_broken):
    response = bearer_for(admin_user).get("me")
    assert response.status_code == 200
    assert response.json()["rows"][0]["via"] == "bearer"
    assert admin_user.email in response.content.decode()


def test_failed_credentials_are_403_even_beside_a_signed_in_session(admin_user):
    browser = Client()
    browser.force_login(admin_user)
    for headers in (
        {"X-DEPOT-TOKEN": "nope", "X-DEPOT-SECRET": "nope"},
        {"Authorization": "Bearer nope"},
    ):
        response = browser.get("/api/v1/me.json", headers=headers)
        assert response.status_code == 403
        assert response.json()["msg"] == "The credentials did not authenticate."


def test_the_signed_in_browser_goes_through_them(admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    # An empty Authorization: Bearer authenticates nothing: the session answers.
    response = browser.get("/api/v1/me.json", headers={"Authorization": "Bearer"})
    assert response.status_code == 200
    assert response.json()["rows"][0]["via"] == "session"
    refused = browser.post("/api/v1/privatetasks.json", {"title": "hello"})
    assert refused.status_code == 403
    assert refused.json()["msg"] == "CSRF check Failed"


def test_pages_still_have_the_sign_in_wall_csrf_and_messages(admin_user):
    assert Client().get("/connections/people/").status_code == 302
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    page = browser.get("/connections/people/")
    assert page.status_code == 200
    assert page.wsgi_request.user == admin_user
    assert "csrftoken" in page.cookies or page.wsgi_request.META.get("CSRF_COOKIE")
    # A form posted without its token is refused by CsrfViewMiddleware's view hook.
    assert browser.post("/connections/people/add/", {"firstname": "X"}).status_code == 403


def test_a_credentialed_call_to_no_route_gets_the_depot_404_without_the_page_middleware(
    depot, sessions_broken
):
    response = depot.get("no-such-things")
    assert response.status_code == 404
    assert response.json() == {
        "error": True,
        "msg": "No such resource: /api/v1/no-such-things.json",
    }
    head = depot.client.head("/api/v1/contacts.json", headers=depot.headers)
    assert head.status_code == 200 and head.content == b""


def test_the_check_wants_sessions_the_user_and_messages_for_pages(settings):
    from config.page_middleware import check_page_middleware

    assert check_page_middleware() == []
    settings.PAGE_MIDDLEWARE = [path for path in settings.PAGE_MIDDLEWARE if "messages" not in path]
    (problem,) = check_page_middleware()
    assert problem.id == "docket.E002"
    assert problem.msg.startswith("django.contrib.messages.middleware.MessageMiddleware")
    # Without the group in MIDDLEWARE its list runs nowhere.
    settings.PAGE_MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if path != "config.page_middleware.PageMiddleware"
    ]
    assert [problem.id for problem in check_page_middleware()] == ["docket.E002"] * 3
