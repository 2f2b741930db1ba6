"""Fixtures every test can use: users, API credentials and a Depot API client that
sends bodies the way the official PHP kit does (multipart for POST, PATCH, DELETE)."""

import json

import pytest
from django.test import Client
from django.test.client import encode_multipart
from huey.contrib.djhuey import HUEY

from accounts.services import create_access_token, create_api_credential
from accounts.tests.factories import UserFactory

# Tasks run inline in unit tests; the real consumer is exercised by its own test.
HUEY.immediate = True

BOUNDARY = "DocketTestBoundary"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCKET_UPLOAD_TMP = tmp_path / "uploads"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Factories set passwords; the production hasher would spend ~0.3 s on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@studio.test", name="Alex Admin", is_superuser=True)


@pytest.fixture
def staff_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


class DepotClient:
    """Calls /api/v1/ with credentials. `fmt` picks the suffix (json, xml or "")."""

    def __init__(self, headers: dict[str, str]):
        self.client = Client()
        self.headers = headers

    def url(self, path: str, fmt: str = "json") -> str:
        path = path.strip("/")
        return f"/api/v1/{path}.{fmt}" if fmt else f"/api/v1/{path}"

    def get(self, path, params=None, fmt="json", **headers):
        return self.client.get(
            self.url(path, fmt), params or {}, headers={**self.headers, **headers}
        )

    def _send(self, method, path, data, fmt, as_json, headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if as_json:
            body, content_type = json.dumps(data or {}), "application/json"
        else:
            body = encode_multipart(BOUNDARY, data or {})
            content_type = f"multipart/form-data; boundary={BOUNDARY}"
        return getattr(self.client, method)(
            self.url(path, fmt), body, content_type=content_type, **kwargs
        )

    def post(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("post", path, data, fmt, as_json, headers)

    def patch(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("patch", path, data, fmt, as_json, headers)

    def delete(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("delete", path, data, fmt, as_json, headers)


def without_field_detail(response) -> dict:
    """The 400 body without its `fields` grouping, for tests about the sentences;
    the grouping itself has its own tests in config/tests/test_api_framework.py."""
    body = response.json()
    body.pop("fields", None)
    return body


@pytest.fixture
def api_credential(db):
    return create_api_credential("Test integration")


@pytest.fixture
def depot(api_credential):
    """A client with account-wide X-DEPOT-TOKEN / X-DEPOT-SECRET headers."""
    return DepotClient(
        {
            "X-DEPOT-TOKEN": api_credential.credential.token,
            "X-DEPOT-SECRET": api_credential.secret,
        }
    )


@pytest.fixture
def bearer_for():
    """bearer_for(user) → a client acting as that user through a bearer token."""

    def make(user):
        issued = create_access_token(user, "test")
        return DepotClient({"Authorization": f"Bearer {issued.token}"})

    return make
