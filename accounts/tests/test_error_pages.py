"""404, 403 and 500 pages as people see them in production (DEBUG off)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def test_missing_page_is_the_styled_404_inside_the_app(admin_user):
    response = signed_in_client(admin_user).get("/connections/people/99999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html
    # The app's shell: the menu, the signed-in user, a way back.
    assert 'aria-label="Main"' in html and admin_user.email in html
    assert '<a href="/" role="button">Back to the dashboard</a>' in html
    assert "<title>Page not found · " in html
    assert "Not Found</h1>" not in html  # Django's bare page


def test_missing_public_page_signed_out_uses_the_sign_in_layout(client):
    response = client.get("/accounts/login/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We can't find that page" in html and 'class="auth-card"' in html
    assert 'aria-label="Main"' not in html
    assert 'href="/accounts/login/"' in html


def test_restricted_user_gets_the_styled_403(restricted_to):
    user = restricted_to("contacts")
    response = signed_in_client(user).get("/settings/company/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You don't have access to this page" in html
    assert 'aria-label="Main"' in html and "Back to the dashboard" in html
    # The menu still shows only what they may use.
    assert "/settings/" not in html.split('aria-label="Main"')[1].split("</nav>")[0]


def test_collaborators_get_the_styled_403_on_users():
    from accounts.tests.factories import CollaboratorFactory

    response = signed_in_client(CollaboratorFactory()).get("/accounts/users/")
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()


def test_500_page_needs_no_database_or_context(django_assert_num_queries):
    # Django renders 500.html with an empty context; it must stand on its own.
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "<style>" in html and "/static/" not in html
    assert 'href="/"' in html


def crash(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf: the app's URLs plus one view that crashes.
urlpatterns = [path("crash/", crash), path("", include("config.urls"))]


def test_a_crashing_view_shows_the_500_page(admin_user, settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
