"""Names that go into email headers are one line; an email that fails says so where
an admin looks; plain-text emails show names as typed."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend

from accounts import services
from accounts.models import AccountSettings, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROKEN_NAMES = [
    "Evil\r\nBcc: all@victims.test",
    "Line\nbreak",
    "Tab\there",
    "Line\u2028separator",
]


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that turns every message away."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


# --- names used in headers ------------------------------------------------------------------


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_the_company_name_must_be_one_line(name):
    with pytest.raises(ValidationError) as refused:
        services.update_account_settings(company_name=name)
    assert refused.value.message_dict == {
        "company_name": [
            "company_name must be one line of text without control characters "
            "(it is used in email subjects)."
        ]
    }
    assert AccountSettings.load().company_name == "My Studio"


def test_invisible_control_characters_are_dropped_from_the_company_name():
    # The one input cleaning (config.text) drops them before the one-line rule looks.
    services.update_account_settings(company_name="Bell\x07 & Co")
    assert AccountSettings.load().company_name == "Bell & Co"


def test_the_company_name_error_shows_on_its_field(staff_client):
    response = staff_client.post(
        "/settings/company/",
        {
            "company_name": "Northwind\r\nBcc: all@victims.test",
            "currency": "GBP",
            "default_payment_terms": "30",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Company name must be one line of text without control characters" in html
    assert AccountSettings.load().company_name == "My Studio"


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_a_users_name_must_be_one_line_in_the_api(depot, admin_user, name):
    response = depot.post("users", {"email": "n@studio.test", "name": name}, as_json=True)
    assert response.status_code == 400
    assert response.json()["fields"]["name"] == [
        "name must be one line of text without control characters."
    ]
    response = depot.patch(f"users/{admin_user.email}", {"name": name}, as_json=True)
    assert response.status_code == 400
    assert not User.objects.filter(email="n@studio.test").exists()


def test_a_users_name_error_shows_on_its_field(staff_client):
    response = staff_client.post(
        "/accounts/users/add/standard/", {"name": "Pat\r\nDoyle", "email": "pat@studio.test"}
    )
    assert "Name must be one line of text without control characters." in (
        response.content.decode()
    )
    assert not User.objects.filter(email="pat@studio.test").exists()


def test_a_name_saved_before_the_check_no_longer_breaks_invitations(
    depot, django_capture_on_commit_callbacks
):
    AccountSettings.objects.update_or_create(
        pk=1, defaults={"company_name": "Northwind\r\nBcc: all@victims.test"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = depot.post("users", {"email": "new@studio.test", "name": "New Person"})
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You're invited to Northwind Bcc: all@victims.test on Docket"
    assert mail.outbox[0].bcc == []


# --- a failed invitation is shown to an admin ----------------------------------------------


@pytest.fixture
def refusing_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def test_a_failed_invitation_is_recorded_on_the_user(
    depot, refusing_smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = depot.post("users", {"email": "new@studio.test", "name": "New Person"})
    assert response.status_code == 201
    user = User.objects.get(email="new@studio.test")
    assert user.invitation_failed is not None and user.invitation_sent is None
    assert user.invitation_error == "Connection refused"


def test_the_users_pages_show_a_failed_invitation_with_resend(
    staff_client, refusing_smtp, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/accounts/users/add/standard/", {"name": "Nina", "email": "n@s.test"})
    nina = User.objects.get(email="n@s.test")
    listing = staff_client.get("/accounts/users/").content.decode()
    assert 'title="Connection refused">Invitation failed</span>' in listing
    page = staff_client.get(f"/accounts/users/{nina.pk}/").content.decode()
    assert "Invitation failed: Connection refused" in page
    assert ">Resend invitation</button>" in page
    # The mail server is back: resending sends it and clears the failure.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/accounts/users/{nina.pk}/invite/")
    assert [message.to for message in mail.outbox] == [["n@s.test"]]
    nina.refresh_from_db()
    assert nina.invitation_failed is None and nina.invitation_error == ""
    assert (
        "Invitation failed" not in staff_client.get(f"/accounts/users/{nina.pk}/").content.decode()
    )


# --- plain-text emails are not HTML ---------------------------------------------------------


def test_the_invitation_shows_names_as_typed(depot, django_capture_on_commit_callbacks):
    services.update_account_settings(company_name="O'Brien & Co <Design>")
    with django_capture_on_commit_callbacks(execute=True):
        depot.post("users", {"email": "s@studio.test", "name": 'Seán "Shay" O\'Brien'})
    body = mail.outbox[0].body
    assert 'Hello Seán "Shay" O\'Brien,' in body
    assert "You have been invited to O'Brien & Co <Design> on Docket" in body
    assert "&amp;" not in body and "&#x27;" not in body and "&quot;" not in body
    assert mail.outbox[0].subject == "You're invited to O'Brien & Co <Design> on Docket"


def test_the_password_reset_email_shows_names_as_typed(client):
    UserFactory(email="ob@studio.test", name="Ann O'Brien & Partners")
    client.post("/accounts/password-reset/", {"email": "ob@studio.test"})
    body = mail.outbox[0].body
    assert body.startswith("Hello Ann O'Brien & Partners,")
    # The link still works: nothing in it was escaped either.
    assert re.search(r"/accounts/reset/[\w-]+/[\w-]+/", body)


def test_every_plain_text_template_turns_autoescape_off():
    # Text templates are emails (bodies and subjects): HTML escaping has no place there.
    root = Path(settings.BASE_DIR) / "templates"
    texts = sorted(root.rglob("*.txt"))
    assert texts
    for path in texts:
        source = path.read_text()
        assert source.startswith("{% autoescape off %}"), path
        assert source.rstrip().endswith("{% endautoescape %}"), path
