"""Uploaded files are served in every mode, the account's private ones only to staff."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import AccountSettings
from accounts.services import create_api_credential
from accounts.tests.factories import CollaboratorFactory
from config.tests.test_api_framework import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_image():
    return "/media/" + default_storage.save("companies/acme.png", ContentFile(png_bytes()))


@pytest.fixture
def attachment():
    return "/media/" + default_storage.save(
        "journal/2026/11/page.html", ContentFile(b"<script>alert(1)</script>")
    )


def test_the_logo_is_public_for_documents_and_emails(client):
    account = AccountSettings.load()
    account.logo.save("logo.png", ContentFile(png_bytes()))
    response = client.get(account.logo.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=3600"


def test_private_files_send_a_signed_out_visitor_to_sign_in(client, company_image):
    response = client.get(company_image)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_signed_out_visitors_cannot_tell_which_private_files_exist(
    client, company_image, restricted_to
):
    present = client.get(company_image)
    missing = client.get("/media/companies/missing.png")
    assert present.status_code == missing.status_code == 302
    assert present["Location"] == "/accounts/login/?next=" + company_image
    assert missing["Location"] == "/accounts/login/?next=/media/companies/missing.png"
    issued = create_api_credential("Settings only", scopes=["settings:read"])
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    assert client.get(company_image, headers=headers).status_code == 403
    assert client.get("/media/companies/missing.png", headers=headers).status_code == 403
    client.force_login(restricted_to("settings"))
    assert client.get(company_image).status_code == 403
    assert client.get("/media/companies/missing.png").status_code == 403


def test_the_logo_replaced_is_deleted_only_once_committed(django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from accounts.services import remove_logo, set_logo

    old = set_logo(SimpleUploadedFile("old.png", png_bytes())).logo.name
    with pytest.raises(RuntimeError), transaction.atomic():
        set_logo(SimpleUploadedFile("new.png", png_bytes()))
        raise RuntimeError("the rest of the request failed")
    with pytest.raises(RuntimeError), transaction.atomic():
        remove_logo()
        raise RuntimeError("the rest of the request failed")
    assert AccountSettings.load().logo.name == old and default_storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        new = set_logo(SimpleUploadedFile("new.png", png_bytes())).logo.name
    assert default_storage.exists(new) and not default_storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        remove_logo()
    assert not AccountSettings.load().logo and not default_storage.exists(new)


def test_staff_see_images_inline(staff_client, company_image):
    response = staff_client.get(company_image)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["Cache-Control"] == "private, max-age=3600"


def test_other_files_are_downloads_not_pages(staff_client, attachment):
    response = staff_client.get(attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_collaborators_cannot_fetch_account_files(client, company_image):
    client.force_login(CollaboratorFactory())
    assert client.get(company_image).status_code == 403


def test_api_credentials_fetch_the_urls_the_api_gives(client, company_image):
    issued = create_api_credential("Sync")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    assert client.get(company_image, headers=headers).status_code == 200
    wrong = {**headers, "X-DEPOT-SECRET": "nope"}
    assert client.get(company_image, headers=wrong).status_code == 403


def test_bearer_tokens_fetch_files_too(client, company_image, admin_user):
    from accounts.services import create_access_token

    token = create_access_token(admin_user, "cli").token
    response = client.get(company_image, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/media/companies/missing.png", "/media/../config/settings.py", "/media/%2e%2e/x"]
)
def test_missing_or_escaping_paths_are_404(staff_client, path):
    assert staff_client.get(path).status_code == 404


def test_media_is_served_without_debug(settings, staff_client, company_image):
    settings.DEBUG = False
    assert staff_client.get(company_image).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/logo/../companies/acme.png",
        "/media/logo/%2e%2e/companies/acme.png",
        "/media/logo/..%2Fcompanies/acme.png",
    ],
)
def test_the_public_logo_folder_is_no_way_round(client, company_image, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_credentials_need_the_folders_scope(client, company_image, attachment):
    issued = create_api_credential("Settings only", scopes=["settings:read"])
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    assert client.get(company_image, headers=headers).status_code == 403
    assert client.get(attachment, headers=headers).status_code == 403
    reader = create_api_credential("Contacts reader", scopes=["contacts:read"])
    headers = {"X-DEPOT-TOKEN": reader.credential.token, "X-DEPOT-SECRET": reader.secret}
    assert client.get(company_image, headers=headers).status_code == 200


def test_restricted_users_need_the_contacts_area(client, company_image, restricted_to):
    client.force_login(restricted_to("settings"))
    assert client.get(company_image).status_code == 403


def test_a_throttled_credential_gets_429_not_500(client, company_image, settings):
    settings.DOCKET_API_RATE_LIMIT = 1
    issued = create_api_credential("Busy")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    statuses = [client.get(company_image, headers=headers).status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
