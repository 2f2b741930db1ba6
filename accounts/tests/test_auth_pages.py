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
