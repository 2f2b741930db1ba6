"""Inputs a fuzzer found that once gave 500s or silently lost data. Each must now be
a clean Depot answer."""

import io
import json

import pytest
from django.conf import settings
from PIL import Image

from accounts.tests.factories import UserFactory
from crm.models import Company, Tag
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def raw(depot, method, path, body, content_type, **headers):
    return getattr(depot.client, method)(
        depot.url(path), body, content_type=content_type, headers={**depot.headers, **headers}
    )


def test_reusing_a_tag_with_a_non_ascii_capital(depot):
    assert depot.post("companies", {"name": "One", "tags": "Ärzte"}).status_code == 201
    assert depot.post("companies", {"name": "Two", "tags": "Ärzte"}).status_code == 201
    assert Tag.objects.filter(name="Ärzte").count() == 1


# Past the most fields a page may post (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS).
TOO_MANY_FIELDS = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 100


def test_too_many_body_fields_is_400(depot):
    body = "name=a&" + "&".join(f"x{i}=1" for i in range(TOO_MANY_FIELDS))
    response = raw(depot, "post", "companies", body, "application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("The request could not be read")


def test_too_many_query_parameters_is_400(depot):
    query = "&".join(f"x{i}=1" for i in range(TOO_MANY_FIELDS))
    response = depot.client.get(f"/api/v1/companies.json?{query}", headers=depot.headers)
    assert response.status_code == 400
    assert response.json()["errors"] == ["The query string has too many parameters."]


def test_a_body_over_the_limit_is_413(depot, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = raw(depot, "post", "companies", json.dumps({"name": "x" * 2000}), "application/json")
    assert response.status_code == 413
    assert response.json() == {"error": True, "msg": "The request body is too large."}


def test_a_charset_django_cannot_read_is_400(depot):
    response = raw(
        depot,
        "patch",
        "settings/timeround",
        "value=5",
        "application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code == 400


def test_long_runs_of_unclosed_tags_in_content_are_stripped(depot, admin_user):
    company = CompanyFactory()
    response = depot.post(
        "activity",
        {
            "title": "t",
            "type": "C",
            "addedby": admin_user.email,
            "for": company.code,
            "content": "<a" * 1100 + " hello <b>there</b>",
        },
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("path", ["settings/logo", "companies/{id}/upload"])
def test_multipart_without_a_boundary_on_uploads_is_400(depot, path):
    company = CompanyFactory()
    response = raw(depot, "post", path.format(id=company.pk), b"x", "multipart/form-data")
    assert response.status_code == 400
    assert response.json()["errors"] == ["The multipart body could not be read."]


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "x", "accountsdata": {"id": NaN}}',
        '{"name": "x", "accountsdata": {"id": Infinity}}',
        '{"name": "x", "accountsdata": {"id": 1e309}}',
    ],
)
def test_non_finite_json_numbers_are_400(depot, body):
    response = raw(depot, "post", "companies", body, "application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == ["The request body is not valid JSON."]
    assert not Company.objects.exists()


def test_a_decompression_bomb_is_400(depot, monkeypatch):
    # Pillow refuses images past twice MAX_IMAGE_PIXELS; a lower limit gets there
    # with a small picture instead of a 100000×100000 one.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    buffer = io.BytesIO()
    Image.new("1", (100, 100)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "bomb.png"
    company = CompanyFactory()
    response = depot.client.post(
        depot.url(f"companies/{company.pk}/upload"), {"_tbxFile1": buffer}, headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "_tbxFile1 has too many pixels: an image can be at most 8192 pixels wide or high "
        "and 16.8 megapixels in all (4096×4096)."
    ]


def chunk(depot, path, data, size, file_id="g1", name="a.txt"):
    return raw(
        depot,
        "post",
        path,
        data,
        "application/octet-stream",
        **{"X-File-Id": file_id, "X-File-Name": name, "X-File-Size": str(size)},
    ).json()


def test_a_changed_file_size_is_a_new_upload_not_a_truncated_one(depot, admin_user):
    entry = depot.post(
        "activity",
        {"title": "t", "type": "C", "addedby": admin_user.email, "for": CompanyFactory().code},
    ).json()["id"]
    path = f"activity/{entry}/upload"
    assert chunk(depot, path, b"hello", 10)["finish"] is False
    assert chunk(depot, path, b"world!", 12)["finish"] is False  # not "finished" with 6 bytes
    assert chunk(depot, path, b"second", 12)["finish"] is True


def test_chunks_for_one_item_never_finish_another(depot, admin_user):
    first, second = CompanyFactory(), CompanyFactory()
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    content = png.getvalue()
    half = len(content) // 2
    assert (
        chunk(depot, f"companies/{first.pk}/upload", content[:half], len(content), name="a.png")[
            "finish"
        ]
        is False
    )
    other = chunk(
        depot, f"companies/{second.pk}/upload", content[half:], len(content), name="a.png"
    )
    assert other["finish"] is False
    second.refresh_from_db()
    assert not second.image


def test_head_answers_where_get_does(depot):
    company = CompanyFactory()
    response = depot.client.head(depot.url(f"companies/{company.pk}"), headers=depot.headers)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response["Content-Length"]) > 0


def test_restrictions_as_nested_lists_say_so_plainly(depot, admin_user):
    user = UserFactory(email="n@studio.test")
    response = depot.patch(f"users/{user.email}", {"restrictions": [["contacts"]]}, as_json=True)
    assert response.status_code == 400
    assert response.json()["errors"] == ["restrictions must be a list of area names."]


def test_an_inactive_user_can_be_created_without_an_invitation(depot, admin_user, mailoutbox):
    response = depot.post("users", {"email": "a@studio.test", "name": "A", "active": "0"})
    assert response.status_code == 201
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_nul_in_the_address_is_400_not_a_database_error(depot, admin_user, method):
    """PostgreSQL refuses NUL in a query: a user's email in the URL (users/<email>)
    reached it, and every method on that route answered 500."""
    response = getattr(depot.client, method)(
        "/api/v1/users/a%00b@studio.test.json", headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["The address must not contain NUL characters."]
