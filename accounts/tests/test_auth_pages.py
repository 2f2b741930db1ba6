import re

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_logout(client):
    UserFactory(email="pat@studio.test", name="Pat Doyle")
    response = client.post(
        "/accounts/login/", {"username": "PAT@studio.test", "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Pat" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_inactive_users_cannot_sign_in(client):
    UserFactory(email="gone@studio.test", is_active=False)
    response = client.post(
        "/accounts/login/", {"username": "gone@studio.test", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()


def test_password_reset_by_email(client):
    user = UserFactory(email="forgetful@studio.test")
    response = client.post("/accounts/password-reset/", {"email": "forgetful@studio.test"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["forgetful@studio.test"]
    path = re.search(r"/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-42")


def test_unknown_email_reset_says_the_same_and_sends_nothing(client):
    response = client.post(
        "/accounts/password-reset/", {"email": "nobody@studio.test"}, follow=True
    )
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_signing_out_says_so_on_the_sign_in_page(client):
    UserFactory(email="pat@studio.test")
    client.login(email="pat@studio.test", password="correct horse battery")
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "You have signed out." in response.content.decode()
    # Once only.
    assert "You have signed out." not in client.get("/accounts/login/").content.decode()


def invitation_path(user) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/invite/{uid}/{default_token_generator.make_token(user)}/"


def test_invitation_of_a_deactivated_user_is_no_longer_valid(client):
    invited = UserFactory(email="nina@studio.test")
    invited.set_unusable_password()
    invited.save()
    path = invitation_path(invited)
    invited.is_active = False
    invited.save()

    response = client.get(path, follow=True)
    html = response.content.decode()
    assert "This invitation is no longer valid" in html
    assert "new_password1" not in html
    # Posting to the set-password step does nothing either.
    uid = path.split("/")[3]
    client.post(
        f"/accounts/invite/{uid}/set-password/",
        {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"},
    )
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_invitation_of_an_active_user_still_works(client):
    invited = UserFactory(email="nina@studio.test", name="Nina Novak")
    invited.set_unusable_password()
    invited.save()
    form = client.get(invitation_path(invited), follow=True)
    assert "Choose a password to finish setting up your account." in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"},
    )
    assert done.status_code == 302 and done["Location"] == "/"
    assert "Nina" in client.get("/").content.decode()


def test_password_link_of_a_deactivated_user_is_no_longer_valid(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="gone@studio.test")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"
    user.is_active = False
    user.save()
    html = client.get(path, follow=True).content.decode()
    assert "This link is no longer valid" in html and "new_password1" not in html


def test_a_forged_link_does_not_reveal_a_deactivated_account(client):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="gone@studio.test", is_active=False)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    for path in (f"/accounts/reset/{uid}/bogus-token/", f"/accounts/invite/{uid}/bogus-token/"):
        html = client.get(path, follow=True).content.decode()
        assert "no longer valid" not in html and "deactivat" not in html
        assert "new_password1" not in html


def test_an_expired_session_during_an_htmx_action_returns_to_the_page_after_sign_in(client, db):
    response = client.post(
        "/connections/journal/C1/add/",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/connections/companies/1/?tab=journal",
        },
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == (
        "/accounts/login/?next=%2Fconnections%2Fcompanies%2F1%2F%3Ftab%3Djournal"
    )


def test_only_the_path_of_the_current_url_is_kept(client, db):
    response = client.get(
        "/connections/people/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/steal"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fsteal"


def test_the_companys_own_website_is_checked_like_any_other(db):
    from django.core.exceptions import ValidationError

    from accounts.models import AccountSettings
    from accounts.services import update_account_settings

    update_account_settings(company_website="studio.test")
    assert AccountSettings.load().company_website == "https://studio.test"
    with pytest.raises(ValidationError, match="is not a web address"):
        update_account_settings(company_website="not a url at all")


def test_numbering_out_of_range_says_so_in_plain_words(staff_client):
    response = staff_client.post(
        "/settings/numbering/",
        {
            "nextproposalid": "1",
            "nextinvoiceid": "99999999999999999999",
            "nextcreditid": "1",
            "timeround": "0",
            "breakeven": "0",
        },
    )
    html = response.content.decode()
    assert "Use a number from 1 to 2,000,000,000." in html
    assert "9223372036854775807" not in html
