"""Guessing passwords and sending reset emails are limited per account and per client
address, in the cache every web worker shares."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN = "/accounts/login/"
RESET = "/accounts/password-reset/"


@pytest.fixture(autouse=True)
def fresh_counters(db):
    # A Redis cache (CACHE_URL) outlives each test's rolled-back transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pat(db):
    return UserFactory(email="pat@studio.test", name="Pat Doyle")


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(pat):
    client = from_address("203.0.113.7")
    for _ in range(5):
        response = sign_in(client, pat.email, "wrong guess")
        assert response.status_code == 200
    response = sign_in(client, pat.email, PASSWORD)
    assert response.status_code == 200
    assert not signed_in(client)
    html = response.content.decode()
    assert "Too many failed sign-ins for this email. Try again in 15 minutes." in html


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(pat):
    client = from_address("203.0.113.7")
    for _ in range(50):
        sign_in(client, pat.email, "wrong guess")
    sign_in(client, pat.email, PASSWORD)
    assert not signed_in(client)


def test_the_lock_is_per_account_from_another_address(pat):
    UserFactory(email="sam@studio.test")
    for _ in range(5):
        sign_in(from_address("203.0.113.7"), pat.email, "wrong guess")
    other = from_address("198.51.100.2")
    assert sign_in(other, "sam@studio.test", PASSWORD).status_code == 302
    # The locked account stays locked from anywhere.
    elsewhere = from_address("198.51.100.3")
    sign_in(elsewhere, pat.email, PASSWORD)
    assert not signed_in(elsewhere)


def test_one_address_guessing_many_accounts_is_locked_out(settings, pat):
    settings.DOCKET_SIGNIN_FAILURES_PER_ADDRESS = 8
    client = from_address("203.0.113.7")
    for index in range(8):
        sign_in(client, f"guess{index}@studio.test", "wrong guess")
    response = sign_in(client, pat.email, PASSWORD)
    assert not signed_in(client)
    assert "Too many failed sign-ins from your network. Try again in 15 minutes." in (
        response.content.decode()
    )
    # Pat, elsewhere, is not affected.
    elsewhere = from_address("198.51.100.2")
    assert sign_in(elsewhere, pat.email, PASSWORD).status_code == 302


def test_signing_in_clears_the_accounts_failures(pat):
    client = from_address("203.0.113.7")
    for _ in range(4):
        sign_in(client, pat.email, "wrong guess")
    assert sign_in(client, pat.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        sign_in(client, pat.email, "wrong guess")
    assert sign_in(client, pat.email, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_window(settings, pat):
    settings.DOCKET_SIGNIN_WINDOW_SECONDS = 2  # the database cache keeps whole seconds
    client = from_address("203.0.113.7")
    for _ in range(5):
        sign_in(client, pat.email, "wrong guess")
    response = sign_in(client, pat.email, PASSWORD)
    assert "Try again in 1 minute." in response.content.decode()
    time.sleep(2.1)
    assert sign_in(client, pat.email, PASSWORD).status_code == 302


def test_every_authenticate_call_is_limited_not_only_the_form(pat):
    # The limit sits in the authentication backend, so any other sign-in form (the
    # admin's, a future one) can't go round it.
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post(LOGIN, REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        assert authenticate(request, username=pat.email, password="wrong guess") is None
    assert authenticate(request, username=pat.email, password=PASSWORD) is None


def test_emails_are_counted_whatever_their_capitals(pat):
    client = from_address("203.0.113.7")
    for index in range(5):
        sign_in(client, f"PAT@studio.test{' ' * index}", "wrong guess")
    sign_in(client, pat.email, PASSWORD)
    assert not signed_in(client)


# --- password reset emails --------------------------------------------------------------


def test_a_look_alike_letter_is_not_another_way_into_a_locked_account(db):
    """PostgreSQL's case-insensitive match reads a dotless ı as an i, where the
    counter (keyed by the lower-cased email) saw another account: each ı for an i
    in the email gave five more guesses and a way past the lock."""
    kim = UserFactory(email="kim@studio.test", name="Kim Tanaka")
    for _ in range(5):
        sign_in(from_address("203.0.113.7"), kim.email, "wrong guess")
    client = from_address("198.51.100.4")
    response = sign_in(client, "k\u0131m@studio.test", PASSWORD)
    assert response.status_code == 200
    assert not signed_in(client)


def test_three_reset_emails_an_hour_per_account(pat):
    client = from_address("203.0.113.7")
    for _ in range(5):
        response = client.post(RESET, {"email": pat.email}, follow=True)
        # Always the same neutral answer, sent or not.
        assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 3


def test_reset_emails_from_one_address_are_limited(settings, db):
    settings.DOCKET_RESET_EMAILS_PER_ADDRESS = 4
    for index in range(6):
        UserFactory(email=f"u{index}@studio.test")
    client = from_address("203.0.113.7")
    for index in range(6):
        response = client.post(RESET, {"email": f"u{index}@studio.test"}, follow=True)
        assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 4
    # Someone else's request from elsewhere still goes out.
    from_address("198.51.100.2").post(RESET, {"email": "u5@studio.test"})
    assert len(mail.outbox) == 5


def test_unknown_emails_count_like_known_ones(settings, pat):
    # Otherwise how the throttle answers would tell which emails are users.
    settings.DOCKET_RESET_EMAILS_PER_ADDRESS = 3
    client = from_address("203.0.113.7")
    for _ in range(3):
        response = client.post(RESET, {"email": "nobody@studio.test"}, follow=True)
        assert "Check your email" in response.content.decode()
    client.post(RESET, {"email": pat.email})
    assert mail.outbox == []
