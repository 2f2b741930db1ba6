"""The Depot conventions every resource shares: auth, formats, envelopes, errors,
bodies, list parameters, uploads and rate limiting."""

import io
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from xml.dom import minidom

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import PERMISSION_AREAS, AccountSettings
from accounts.services import create_api_credential, revoke_api_credential
from accounts.tests.factories import CollaboratorFactory, UserFactory
from config.api.throttle import take_request_token
from config.api.uploads import CHUNK_IDLE_SECONDS, delete_abandoned_chunks
from conftest import DepotClient, without_field_detail

pytestmark = pytest.mark.django_db


def png_bytes(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# --- authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "users"),
        ("post", "users"),
        ("patch", "users/a@b.test"),
        ("delete", "users/a@b.test"),
    ],
)
def test_no_credentials_is_403_with_an_error_body(db, method, path):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(f"/api/v1/{path}.json")
    assert response.status_code == 403
    assert response.json() == {"error": True, "msg": "The credentials did not authenticate."}


def test_a_signed_in_browser_still_needs_the_csrf_token_to_write(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/api/v1/users.json", {"email": "x@studio.test", "name": "X"})
    assert response.status_code == 403
    assert response.json()["msg"] == "CSRF check Failed"


def test_wrong_secret_is_403(api_credential, client):
    response = client.get(
        "/api/v1/users.json",
        headers={"X-DEPOT-TOKEN": api_credential.credential.token, "X-DEPOT-SECRET": "nope"},
    )
    assert response.status_code == 403


def test_revoked_and_expired_credentials_are_403(api_credential, depot):
    assert depot.get("users").status_code == 200
    revoke_api_credential(api_credential.credential)
    assert depot.get("users").status_code == 403

    issued = create_api_credential("Soon gone", expires=timezone.now() + timedelta(seconds=1))
    issued.credential.expires = timezone.now() - timedelta(seconds=1)
    issued.credential.save()
    response = Client().get(
        "/api/v1/users.json",
        headers={"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret},
    )
    assert response.status_code == 403


def test_a_used_credential_records_when(api_credential, depot):
    assert api_credential.credential.last_used is None
    depot.get("users")
    api_credential.credential.refresh_from_db()
    assert api_credential.credential.last_used is not None


def test_bearer_token_acts_as_its_user(bearer_for, admin_user):
    response = bearer_for(admin_user).get("me")
    assert response.status_code == 200
    row = response.json()["rows"][0]
    assert row["via"] == "bearer"
    assert row["credential"] is None
    assert row["user"]["id"] == "admin@studio.test"


def test_unknown_bearer_token_is_403(client):
    response = client.get("/api/v1/me.json", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 403


def test_me_for_account_credentials(depot, api_credential):
    row = depot.get("me").json()["rows"][0]
    assert row["via"] == "token"
    assert row["user"] is None
    assert row["credential"]["name"] == "Test integration"
    assert row["credential"]["token"] == api_credential.credential.token


def test_collaborator_is_401_on_account_data(bearer_for, db):
    collaborator = CollaboratorFactory()
    client = bearer_for(collaborator)
    assert client.get("users").status_code == 401
    assert client.get("settings/taxcodes").status_code == 401
    response = client.patch("settings/timeround", {"value": "15"})
    assert response.status_code == 401
    assert response.json()["error"] is True


def test_restricted_user_needs_the_area(bearer_for, restricted_to):
    restricted = restricted_to("contacts")
    client = bearer_for(restricted)
    assert client.get("settings/timeround").status_code == 200  # reading is fine
    assert client.patch("settings/timeround", {"value": "15"}).status_code == 401
    assert client.post("users", {"email": "x@studio.test", "name": "X"}).status_code == 401
    allowed = restricted_to("settings")
    assert bearer_for(allowed).patch("settings/timeround", {"value": "15"}).status_code == 200


def depot_with(issued) -> DepotClient:
    return DepotClient({"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret})


def test_scoped_credentials_are_401_outside_their_scopes(admin_user):
    issued = create_api_credential("Newsletter sync", scopes=["contacts:read", "settings:write"])
    scoped = depot_with(issued)
    assert scoped.get("contacts").status_code == 200
    refused = scoped.post("contacts", {"firstname": "Ann", "lastname": "Lee"})
    assert refused.status_code == 401
    assert refused.json() == {
        "error": True,
        "msg": "These credentials do not have the contacts:write scope.",
    }
    assert scoped.get("users").status_code == 401
    assert scoped.get(f"users/{admin_user.email}").status_code == 401
    assert scoped.patch("settings/timeround", {"value": "15"}).status_code == 200
    assert scoped.get("settings/timeround").status_code == 200  # write includes read
    assert scoped.get("me").json()["rows"][0]["credential"]["scopes"] == [
        "contacts:read",
        "settings:write",
    ]


def test_new_credentials_reach_every_area_unless_narrowed(depot, api_credential):
    credential = depot.get("me").json()["rows"][0]["credential"]
    assert credential["scopes"] == [f"{area}:write" for area in PERMISSION_AREAS]
    assert credential["expires"] is None


def test_unknown_scopes_are_refused():
    with pytest.raises(ValidationError, match="contacts:admin"):
        create_api_credential("Odd", scopes=["contacts:admin"])
    with pytest.raises(ValidationError, match="at least one area"):
        create_api_credential("Empty", scopes=[])


def test_browser_session_can_call_the_api(staff_client):
    response = staff_client.get("/api/v1/me.json")
    assert response.status_code == 200
    assert response.json()["rows"][0]["via"] == "session"


# --- formats and envelopes ----------------------------------------------------------


def test_json_xml_and_no_suffix(depot, admin_user):
    as_json = depot.get("users", fmt="json")
    assert as_json["Content-Type"].startswith("application/json")
    bare = depot.get("users", fmt="")
    assert bare["Content-Type"].startswith("application/json")
    assert bare.json() == as_json.json()
    as_xml = depot.get("users", fmt="xml")
    assert as_xml["Content-Type"].startswith("application/xml")
    assert as_xml.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<response>')


def test_xml_matches_the_spec_shape(depot, admin_user):
    body = depot.get(f"users/{admin_user.email}", fmt="xml").content.decode()
    expected_fragment = (
        "   <error>false</error>\n"
        "   <rows>\n"
        "      <item>\n"
        "         <active>1</active>\n"
        "         <address>\n"
        "            <city />\n"
    )
    assert expected_fragment in body
    # keys sorted, empty strings as empty elements, empty lists as empty elements
    assert "<jobtitle>Designer</jobtitle>" in body
    assert "<notes />" in body
    assert "<permissions />" in body
    assert body.index("<id>") < body.index("<image />") < body.index("<jobtitle>")


def test_xml_null_and_booleans(depot):
    body = depot.get("settings/logo", fmt="xml").content.decode()
    assert '<value null="true" />' in body
    assert "<error>false</error>" in body


def test_email_ids_work_with_and_without_suffix(depot, db):
    UserFactory(email="hello@depothq.com", name="Depot")
    for fmt in ("json", ""):
        response = depot.get("users/hello@depothq.com", fmt=fmt)
        assert response.status_code == 200
        assert response.json()["rows"][0]["id"] == "hello@depothq.com"


def test_unknown_ids_are_404_saying_which_id(depot):
    for response in (
        depot.get("users/nobody@studio.test"),
        depot.patch("users/nobody@studio.test", {"name": "x"}),
        depot.delete("users/nobody@studio.test"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "error": True,
            "msg": "No user with email nobody@studio.test.",
        }


def test_unknown_routes_are_404_naming_the_path(depot):
    # A resource Docket doesn't have must be told apart from an unknown id.
    for path, fmt in (("widgets", "json"), ("widgets/5", ""), ("companies/abc", "json")):
        response = depot.get(path, fmt=fmt)
        assert response.status_code == 404
        assert response.json() == {
            "error": True,
            "msg": f"No such resource: {depot.url(path, fmt)}",
        }
    assert depot.post("widgets", {"name": "x"}).json()["msg"] == (
        "No such resource: /api/v1/widgets.json"
    )
    # Routes are public in the OpenAPI schema: no credentials still learns only that.
    anonymous = Client().get("/api/v1/widgets.json")
    assert anonymous.status_code == 404
    assert anonymous.json()["error"] is True


def test_404_answers_in_xml_for_xml_urls(depot):
    for path, msg in (
        ("widgets", "No such resource: /api/v1/widgets.xml"),
        ("users/nobody@studio.test", "No user with email nobody@studio.test."),
    ):
        response = depot.get(path, fmt="xml")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/xml")
        doc = minidom.parseString(response.content)
        assert doc.getElementsByTagName("error")[0].firstChild.data == "true"
        assert doc.getElementsByTagName("msg")[0].firstChild.data == msg


def test_unsupported_methods_are_405(depot):
    assert depot.client.put("/api/v1/users.json", headers=depot.headers).status_code == 405
    assert depot.delete("users").status_code == 405
    assert depot.post("settings/timeround", {"value": "5"}).status_code == 405


# --- bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_bodies_as_multipart_or_json(depot, as_json):
    response = depot.post(
        "users",
        {"email": "body@studio.test", "name": "Body Test", "restrictions": "[]"},
        as_json=as_json,
    )
    assert response.status_code == 201
    assert response.json() == {"error": False, "id": "body@studio.test"}


def test_urlencoded_patch_and_json_values_not_strings(depot, admin_user):
    depot.post("users", {"email": "enc@studio.test", "name": "Enc"})
    response = depot.client.patch(
        "/api/v1/users/enc@studio.test.json",
        "jobtitle=Producer&notes=%5B%7B%22title%22%3A%22Birthday%22%2C%22content%22%3A%221+May%22%7D%5D",
        content_type="application/x-www-form-urlencoded",
        headers=depot.headers,
    )
    assert response.status_code == 200
    response = depot.patch(
        "users/enc@studio.test",
        {"restrictions": ["contacts", "projects"]},
        as_json=True,
    )
    assert response.status_code == 200
    row = depot.get("users/enc@studio.test").json()["rows"][0]
    assert row["jobtitle"] == "Producer"
    assert row["notes"] == [{"title": "Birthday", "content": "1 May"}]
    assert row["permissions"] == ["contacts", "projects"]
    assert row["restricted"] == 1


@pytest.mark.parametrize("word,expected", [("yes", 0), ("0", 1), ("false", 1), ("true", 0)])
def test_boolean_words(depot, admin_user, word, expected):
    depot.post("users", {"email": "flag@studio.test", "name": "Flag"})
    # active=no/0/false deactivates; yes/1/true keeps active.
    active_word = {"yes": "no", "0": "1", "false": "true", "true": "false"}[word]
    depot.patch("users/flag@studio.test", {"active": active_word})
    assert depot.get("users/flag@studio.test").json()["rows"][0]["active"] == expected


def test_malformed_json_is_400_not_500(depot):
    response = depot.client.post(
        "/api/v1/users.json", "{not json", content_type="application/json", headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["The request body is not valid JSON."]
    response = depot.client.post(
        "/api/v1/users.json", "[1, 2]", content_type="application/json", headers=depot.headers
    )
    assert response.status_code == 400


def test_bad_boolean_names_the_field(depot):
    response = depot.post("users", {"email": "b@studio.test", "name": "B", "active": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["active must be true or false (1/0, yes/no)."]


# --- list parameters ----------------------------------------------------------------


@pytest.fixture
def fifteen_users(db):
    return [
        UserFactory(name=f"User {index:02d}", email=f"u{index:02d}@studio.test")
        for index in range(15)
    ]


def test_rows_default_start_and_total(depot, fifteen_users):
    body = depot.get("users").json()
    assert len(body["rows"]) == 10
    assert body["total"] == 15
    page = depot.get("users", {"rows": 5, "start": 10}).json()
    assert [row["name"] for row in page["rows"]] == [f"User {i:02d}" for i in range(10, 15)]
    assert page["total"] == 15


def test_rows_are_capped_at_1000(depot, fifteen_users):
    body = depot.get("users", {"rows": 5000}).json()
    assert len(body["rows"]) == 15


def test_order_and_orderasc(depot, fifteen_users):
    body = depot.get("users", {"order": "id", "orderasc": "false", "rows": 3}).json()
    assert [row["id"] for row in body["rows"]] == [
        "u14@studio.test",
        "u13@studio.test",
        "u12@studio.test",
    ]


@pytest.mark.parametrize(
    "params,error",
    [
        ({"order": "password"}, "order must be one of: active, email, id, jobtitle, name, type."),
        ({"rows": "0"}, "rows must be a whole number between 1 and 1000."),
        ({"rows": "lots"}, "rows must be a whole number between 1 and 1000."),
        ({"start": "-1"}, "start must be a whole number of at least 0."),
        ({"orderasc": "sideways"}, "orderasc must be true or false."),
        ({"type": "robot"}, "type must be collaborator or standard."),
    ],
)
def test_bad_list_parameters_are_400(depot, params, error):
    response = depot.get("users", params)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [error],
    }


# --- uploads ------------------------------------------------------------------------


def test_standard_upload(depot):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = depot.client.post(
        "/api/v1/settings/logo.json", {"_tbxFile1": upload}, headers=depot.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["error"] is False and body["finish"] is True
    assert body["upload_name"].startswith("http://testserver/media/logo/logo")
    assert depot.get("settings/logo").json()["value"] == body["upload_name"]


def test_chunked_upload(depot):
    content = png_bytes(300, 200)
    chunks = [content[:100], content[100:250], content[250:]]
    answers = []
    for chunk in chunks:
        answers.append(
            depot.client.post(
                "/api/v1/settings/logo.json",
                chunk,
                content_type="application/octet-stream",
                headers={
                    **depot.headers,
                    "X-File-Id": "upload-7",
                    "X-File-Name": "brand.png",
                    "X-File-Size": str(len(content)),
                    "X-File-Resume": "false",
                },
            ).json()
        )
    assert answers[0] == {"error": False, "id": "upload-7", "finish": False}
    assert answers[1] == {"error": False, "id": "upload-7", "finish": False}
    assert answers[2]["finish"] is True
    assert "/media/logo/brand" in answers[2]["upload_name"]


def test_chunks_beyond_the_declared_size_are_400(depot):
    headers = {
        **depot.headers,
        "X-File-Id": "over",
        "X-File-Name": "x.png",
        "X-File-Size": "10",
        "X-File-Resume": "true",
    }
    response = depot.client.post(
        "/api/v1/settings/logo.json",
        b"x" * 11,
        content_type="application/octet-stream",
        headers=headers,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "tool.exe",
            b"MZ\x90\x00",
            "_tbxFile1 must be one of these file types: gif, jpeg, jpg, png, webp.",
        ),
        ("fake.png", b"hello, I am text", "_tbxFile1 is not a valid .png file."),
    ],
)
def test_uploads_are_type_checked(depot, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content)
    response = depot.client.post(
        "/api/v1/settings/logo.json", {"_tbxFile1": upload}, headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [message]


def test_uploads_are_size_checked(depot, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DOCKET_UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.png", png_bytes(400, 400))
    response = depot.client.post(
        "/api/v1/settings/logo.json", {"_tbxFile1": upload}, headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["_tbxFile1 is larger than the 100 bytes limit."]


def test_missing_file_is_400(depot):
    response = depot.post("settings/logo", {"something": "else"})
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("_tbxFile1 is required")


# --- rate limiting ------------------------------------------------------------------


def test_rate_limit_headers_on_every_authenticated_response(depot):
    response = depot.get("users")
    assert response["X-RateLimit-Limit"] == "60"
    assert response["X-RateLimit-Remaining"] == "59"
    assert int(response["X-RateLimit-Reset"]) >= 1


def test_throttled_after_the_burst(depot, settings, api_credential):
    settings.DOCKET_API_RATE_LIMIT = 3
    statuses = [depot.get("users").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = depot.get("users")
    body = response.json()
    assert body["error"] is True
    assert body["msg"].startswith("Request was throttled. Expected available in ")
    assert body["msg"].endswith(" seconds.")
    assert int(response["Retry-After"]) >= 1
    assert response["X-RateLimit-Remaining"] == "0"

    # Another credential has its own bucket.
    other = create_api_credential("Other")
    response = Client().get(
        "/api/v1/users.json",
        headers={"X-DEPOT-TOKEN": other.credential.token, "X-DEPOT-SECRET": other.secret},
    )
    assert response.status_code == 200


def test_rate_limit_zero_turns_it_off(depot, settings):
    settings.DOCKET_API_RATE_LIMIT = 0
    response = depot.get("users")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_bucket_refills_over_time(settings, db):
    settings.DOCKET_API_RATE_LIMIT = 60  # one request a second, burst of 60
    now = 1_000_000.0
    for _ in range(60):
        assert take_request_token("k", now=now).allowed
    blocked = take_request_token("k", now=now)
    assert not blocked.allowed and blocked.retry_after == 1
    assert take_request_token("k", now=now + 1.0).allowed
    assert not take_request_token("k", now=now + 1.0).allowed
    later = take_request_token("k", now=now + 30.0)
    assert later.allowed and later.remaining == 28


# --- docs ---------------------------------------------------------------------------


def test_openapi_schema_and_offline_docs(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/users" in paths and "/api/v1/settings/taxcodes" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_the_php_kit_url_shape_and_empty_multipart_delete(depot, admin_user):
    """The official kit calls `contacts.json?&rows=5` and sends DELETE with an empty
    multipart body."""
    UserFactory(email="kit@studio.test")
    response = depot.client.get("/api/v1/users.json?&rows=1&order=id", headers=depot.headers)
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 1
    response = depot.client.delete(
        "/api/v1/users/kit@studio.test.json",
        b"",
        content_type="multipart/form-data; boundary=------------------------kit",
        headers=depot.headers,
    )
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": "kit@studio.test"}


def test_nul_characters_are_refused_everywhere(depot, admin_user):
    """PostgreSQL can't store NUL, so every resource answers 400 rather than 500."""
    response = depot.get("users", {"type": "a\x00"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["type must not contain NUL characters."]
    response = depot.post("users", {"email": "n@studio.test", "name": "N\x00ul"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["name must not contain NUL characters."]
    response = depot.patch("settings/taxcodes", {"value": '[{"code": "\\u0000"}]'})
    assert response.status_code == 400
    assert response.json()["errors"] == ["value must not contain NUL characters."]


# --- field-level error detail ----------------------------------------------------------


def test_validation_errors_are_also_grouped_by_field(depot):
    response = depot.post("users", {"email": "not-an-email", "type": "boss"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"email", "name"}
    assert body["fields"]["name"] == ["name is required."]
    assert body["fields"]["email"] == ["email must be a valid email address."]
    assert set(body["errors"]) >= {"name is required.", "email must be a valid email address."}


def test_errors_about_the_whole_request_have_no_field_detail(depot):
    response = depot.client.post(
        depot.url("users"), "{not json", content_type="application/json", headers=depot.headers
    )
    assert response.status_code == 400
    assert "fields" not in response.json()


def test_service_errors_keep_their_field(depot, admin_user):
    response = depot.post("users", {"email": admin_user.email, "name": "Twin"})
    assert response.json()["fields"] == {
        "email": [f"email {admin_user.email} is already used by another user."]
    }


def test_field_detail_in_xml(depot):
    body = depot.post("users", {"email": "x@studio.test"}, fmt="xml").content.decode()
    assert (
        "<fields>\n      <name>\n         <item>name is required.</item>\n      </name>\n"
        "   </fields>"
    ) in body


# --- hostile numbers, methods and characters ----------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"start": "1e10000000"},
        {"rows": "1e999999"},
        {"rows": "Infinity"},
        {"start": "-Infinity"},
        {"start": "inf"},
        {"rows": "sNaN"},
        {"rows": "NaN"},
        {"start": "9" * 5000},
    ],
)
def test_absurd_numbers_in_list_parameters_are_400_at_once(depot, params):
    started = time.monotonic()
    response = depot.get("users", params)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith(next(iter(params)))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("value", ["Infinity", "sNaN", "1e999999", "-inf"])
def test_absurd_numbers_in_values_are_400(depot, value):
    for key in ("timeround", "nextinvoiceid", "breakeven"):
        response = depot.patch(f"settings/{key}", {"value": value})
        assert response.status_code == 400, (key, response.content)
        assert response.json()["errors"][0].startswith("value ")


def test_absurd_chunk_size_is_400(depot):
    response = depot.client.post(
        "/api/v1/settings/logo.json",
        b"x",
        content_type="application/octet-stream",
        headers={
            **depot.headers,
            "X-File-Id": "f",
            "X-File-Name": "x.png",
            "X-File-Size": "Infinity",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["X-File-Size must be the final size of the file in bytes."]


@pytest.mark.parametrize(
    "method,path",
    [("patch", "users"), ("delete", "users"), ("post", "settings/timeround")],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unsupported_methods_are_405_in_depot_shape(depot, method, path, fmt):
    response = getattr(depot.client, method)(depot.url(path, fmt), headers=depot.headers)
    assert response.status_code == 405
    if fmt == "json":
        assert response.json() == {"error": True, "msg": "Method not allowed"}
    else:
        assert "<error>true</error>" in response.content.decode()


def test_xml_survives_custom_field_titles_and_control_characters(depot):
    company = depot.post(
        "companies",
        {
            "name": "Bell\u0007 & Co",
            "customfields": json.dumps(
                [{"Favourite colour & <size>": "blue"}, {"1st": "x"}, {"Account manager": "Al"}]
            ),
        },
    ).json()["id"]
    body = depot.get(f"companies/{company}", fmt="xml").content
    document = minidom.parseString(body)
    assert "<name>Bell &amp; Co</name>" in body.decode()
    fields = document.getElementsByTagName("customfields")[0].getElementsByTagName("item")
    keys = [item.firstChild.nextSibling.getAttribute("key") for item in fields]
    assert keys == ["Favourite colour & <size>", "1st", "Account manager"]


def test_empty_chunks_are_refused(depot):
    response = depot.client.post(
        "/api/v1/settings/logo.json",
        b"",
        content_type="application/octet-stream",
        headers={**depot.headers, "X-File-Id": "e", "X-File-Name": "x.png", "X-File-Size": "10"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "The chunk is empty: send the next part of the file as the body."
    ]


def send_chunk(depot, chunk, total, file_id="again"):
    return depot.client.post(
        "/api/v1/settings/logo.json",
        chunk,
        content_type="application/octet-stream",
        headers={
            **depot.headers,
            "X-File-Id": file_id,
            "X-File-Name": "brand.png",
            "X-File-Size": str(total),
            "X-File-Resume": "false",
        },
    ).json()


def test_an_abandoned_chunked_upload_can_start_again(depot, settings):
    content = png_bytes(300, 200)
    assert send_chunk(depot, content[:100], len(content))["finish"] is False
    assert send_chunk(depot, content[100:200], len(content))["finish"] is False
    # The client gives up, comes back later and starts from the first chunk.
    for part in Path(settings.DOCKET_UPLOAD_TMP).glob("*.part"):
        stale = time.time() - CHUNK_IDLE_SECONDS - 5
        os.utime(part, (stale, stale))
    assert send_chunk(depot, content[:100], len(content))["finish"] is False
    finished = send_chunk(depot, content[100:], len(content))
    assert finished["finish"] is True
    assert AccountSettings.load().logo


def test_pieces_of_unfinished_uploads_are_cleaned_up(depot, settings):
    send_chunk(depot, b"\x89PNG....", 1000, file_id="left")
    send_chunk(depot, b"\x89PNG....", 1000, file_id="fresh")
    parts = sorted(Path(settings.DOCKET_UPLOAD_TMP).glob("*.part"))
    assert len(parts) == 2
    old = time.time() - 2 * 24 * 60 * 60
    os.utime(parts[0], (old, old))
    assert delete_abandoned_chunks() == 1
    assert [p.exists() for p in parts] == [False, True]


def test_restricted_creators_cannot_hand_out_more_than_they_have(restricted_to):
    creator = restricted_to("settings", "contacts")
    with pytest.raises(ValidationError, match="users:write"):
        create_api_credential("Escalate", created_by=creator)
    issued = create_api_credential(
        "Fine", created_by=creator, scopes=["contacts:read", "settings:write"]
    )
    assert issued.credential.scopes == ["contacts:read", "settings:write"]
