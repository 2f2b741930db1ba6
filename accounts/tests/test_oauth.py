"""OAuth 2 (issue 14): the spec's flow through the test client. An app sends a person
to /oauth/authorize, they sign in and Allow (or Deny), the app swaps the code at
/oauth/token and calls the API with `Authorization: Bearer`, acting as that person."""

import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import oauth
from accounts.tests.factories import CollaboratorFactory
from conftest import DepotClient, signed_in_client
from projects.tests.factories import JobFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

CALLBACK = "https://client.example/callback"


@pytest.fixture
def issued():
    return oauth.create_app("Sync Robot", [CALLBACK, "http://127.0.0.1/cb"])


def authorize_url(issued, **params) -> str:
    query = {
        "response_type": "code",
        "client_id": issued.app.client_id,
        "redirect_uri": CALLBACK,
        **params,
    }
    return "/oauth/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})


def answer(client: Client, issued, *, allow=True, **params):
    """Opens the consent page and answers it as a browser does: posts its form back."""
    page = client.get(authorize_url(issued, **params))
    assert page.status_code == 200, page.content
    form = {name: value for name, value in page.context["form"].initial.items() if value}
    if allow:
        form["allow"] = "1"
    reply = client.post("/oauth/authorize", form)
    assert reply.status_code == 302
    location = urlsplit(reply["Location"])
    return location, {key: values[0] for key, values in parse_qs(location.query).items()}


def code_for(user, issued, **params) -> str:
    _, query = answer(signed_in_client(user), issued, **params)
    return query["code"]


def exchange(issued, code, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": issued.app.client_id,
        "client_secret": issued.client_secret,
        "redirect_uri": CALLBACK,
        **overrides,
    }
    return Client().post("/oauth/token", {k: v for k, v in data.items() if v is not None})


def token_for(user, issued) -> str:
    response = exchange(issued, code_for(user, issued))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> DepotClient:
    return DepotClient({"Authorization": f"Bearer {token}"})


# --- the flow ------------------------------------------------------------------------


def test_allow_gives_a_code_that_becomes_a_token_acting_as_the_user(member, issued):
    client = signed_in_client(member)
    page = client.get(authorize_url(issued, state="xyz-123"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Allow <strong>Sync Robot</strong> to use Docket as you?" in text
    assert "Morgan Member" in text and "Invoices, credit notes and payments" in text
    assert "client.example" in text
    # The consent page can't be framed, and its form may lead only here and to the app.
    assert page["X-Frame-Options"] == "DENY"
    policy = page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://client.example" in policy.split("; ")
    assert page["Cache-Control"] == "no-store"

    location, query = answer(client, issued, state="xyz-123")
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert query["state"] == "xyz-123" and query["code"]

    response = exchange(issued, query["code"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api"
    assert body["expires_in"] == 365 * 86400
    assert body["access_token"] and body["refresh_token"]

    me = bearer(body["access_token"]).get("me")
    assert me.status_code == 200
    row = me.json()["rows"][0]
    assert row["via"] == "oauth" and row["user"]["id"] == "member@studio.test"
    assert bearer(body["access_token"]).get("invoices").status_code == 200


def test_secrets_are_hashed_at_rest(member, issued):
    token = token_for(member, issued)

    app = oauth.Application.objects.get()
    assert app.client_secret.startswith("secret-sha256$")
    assert issued.client_secret not in app.client_secret
    assert check_password(issued.client_secret, app.client_secret)
    stored = oauth.OAuthAccessToken.objects.get()
    assert stored.token == ""
    assert stored.token_checksum == hashlib.sha256(token.encode()).hexdigest()
    refresh = oauth.RefreshToken.objects.get()
    assert refresh.token == ""


def test_a_bearer_token_is_one_indexed_query_on_the_oauth_tokens(member, issued):
    client = bearer(token_for(member, issued))
    client.get("me")  # the kept SELECTs are compiled on the first call

    with CaptureQueriesContext(connection) as queries:
        assert client.get("me").status_code == 200
    oauth_queries = [q["sql"] for q in queries if "oauth2_provider_accesstoken" in q["sql"]]
    assert len(oauth_queries) == 1
    assert "token_checksum" in oauth_queries[0]


def test_signed_out_people_sign_in_first_then_see_the_question(member, issued):
    client = Client()
    url = authorize_url(issued, state="s1")

    response = client.get(url)
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith("/accounts/login/?next=")

    member.set_password("correct horse battery")
    member.save()
    signed = client.post(
        login, {"username": member.email, "password": "correct horse battery", "next": url}
    )
    assert signed.status_code == 302 and signed["Location"] == url
    assert "Allow <strong>Sync Robot</strong>" in client.get(url).content.decode()


def test_deny_returns_to_the_app_with_an_error(member, issued):
    _, query = answer(signed_in_client(member), issued, allow=False, state="abc")

    assert query == {"error": "access_denied", "state": "abc"}
    assert not oauth.Grant.objects.exists()


def test_a_loopback_redirect_may_use_any_port(member, issued):
    location, query = answer(
        signed_in_client(member), issued, redirect_uri="http://127.0.0.1:53682/cb"
    )
    assert location.netloc == "127.0.0.1:53682" and query["code"]


# --- refusals ------------------------------------------------------------------------


def test_a_code_works_once(member, issued):
    code = code_for(member, issued)
    assert exchange(issued, code).status_code == 200

    again = exchange(issued, code)
    assert again.status_code == 400
    body = again.json()
    # OAuth's keys, and the spec's `description` beside them.
    assert body["error"] == "invalid_grant"
    assert body["description"] == body.get("error_description", "invalid_grant")
    assert again["Cache-Control"] == "no-store"


def test_a_code_is_short_lived(member, issued):
    code = code_for(member, issued)
    oauth.Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = exchange(issued, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_the_redirect_uri_must_be_the_one_the_code_was_given_for(member, issued):
    code = code_for(member, issued)

    response = exchange(issued, code, redirect_uri="http://127.0.0.1/cb")
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "invalid_request"}


def test_an_unregistered_redirect_uri_is_refused_on_the_page_not_followed(member, issued):
    response = signed_in_client(member).get(
        authorize_url(issued, redirect_uri="https://evil.example/steal")
    )

    assert response.status_code == 400
    assert "This app can't connect" in response.content.decode()
    assert "evil.example" not in response.get("Location", "")


def test_an_unknown_app_is_refused_on_the_page(member, issued):
    response = signed_in_client(member).get(
        "/oauth/authorize?" + urlencode({"response_type": "code", "client_id": "nope"})
    )
    assert response.status_code == 400
    assert "This app can't connect" in response.content.decode()


def test_a_wrong_secret_is_refused(member, issued):
    code = code_for(member, issued)

    response = exchange(issued, code, client_secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # The code is still good for the real app.
    assert exchange(issued, code).status_code == 200


def test_overlong_request_parameters_are_refused(member, issued):
    response = signed_in_client(member).get(authorize_url(issued, state="x" * 2001))
    assert response.status_code == 400
    assert "state is longer than 2000 characters." in response.content.decode()


def test_an_unknown_or_revoked_token_is_403(member, issued):
    token = token_for(member, issued)
    assert bearer("x" * 40).get("me").status_code == 403

    client = signed_in_client(member)
    allowed = client.get("/settings/apps/")
    assert "Sync Robot" in allowed.content.decode()
    revoked = client.post(f"/settings/apps/{issued.app.pk}/revoke/")
    assert revoked.status_code == 302

    assert bearer(token).get("me").status_code == 403
    assert not oauth.OAuthAccessToken.objects.exists()
    assert not oauth.RefreshToken.objects.exists()
    assert "You haven't allowed any app." in client.get("/settings/apps/").content.decode()


def test_an_expired_token_or_an_inactive_user_is_403(member, issued):
    token = token_for(member, issued)
    oauth.OAuthAccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert bearer(token).get("me").status_code == 403

    token = token_for(member, issued)
    member.is_active = False
    member.save()
    assert bearer(token).get("me").status_code == 403


def test_a_new_password_ends_the_apps_tokens(member, issued):
    token = token_for(member, issued)
    member.set_password("a brand new password")
    member.save()

    assert bearer(token).get("me").status_code == 403
    assert not oauth.OAuthAccessToken.objects.exists()


def test_pkce_is_accepted_and_checked(member, issued):
    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    code = code_for(member, issued, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(issued, code, code_verifier="w" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    code = code_for(member, issued, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(issued, code, code_verifier=verifier).status_code == 200


def test_the_plain_pkce_method_is_refused(member, issued):
    # DOT refuses it as it would make the code: back to the app with the error, as
    # OAuth says for a bad request from a known app to a registered redirect URI.
    _, query = answer(
        signed_in_client(member), issued, code_challenge="p" * 50, code_challenge_method="plain"
    )
    assert query["error"] == "invalid_request" and "code" not in query
    assert not oauth.Grant.objects.exists()


def test_a_refresh_token_gives_a_new_token_and_rotates(member, issued):
    body = exchange(issued, code_for(member, issued)).json()
    refreshed = Client().post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": issued.app.client_id,
            "client_secret": issued.client_secret,
        },
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["access_token"] != body["access_token"]
    assert bearer(new["access_token"]).get("me").status_code == 200
    assert bearer(body["access_token"]).get("me").status_code == 403

    # The old refresh token again: refused, and the family it started ends.
    replayed = Client().post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": issued.app.client_id,
            "client_secret": issued.client_secret,
        },
    )
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    assert bearer(new["access_token"]).get("me").status_code == 403


# --- acting as the user --------------------------------------------------------------


def test_a_restricted_users_token_gets_401_outside_their_areas(restricted_user, issued):
    page = signed_in_client(restricted_user).get(authorize_url(issued))
    reach = page.context["reach"]
    assert reach == ["Contacts and companies"]

    client = bearer(token_for(restricted_user, issued))
    assert client.get("contacts").status_code == 200
    assert client.get("projects").status_code == 401
    assert client.get("invoices").status_code == 401


def test_a_collaborators_token_sees_only_their_jobs(issued):
    theirs = JobFactory(title="Their job")
    JobFactory(title="Another job")
    cole = CollaboratorFactory(email="cole@freelance.test", collaborator_jobs=[theirs.pk])

    client = bearer(token_for(cole, issued))
    body = client.get("jobs").json()
    assert [row["id"] for row in body["rows"]] == [theirs.pk] and body["total"] == 1
    assert client.get("projects").status_code == 401
    assert client.get("contacts").status_code == 401


# --- Settings → Apps -----------------------------------------------------------------


def test_registering_an_app_shows_its_secret_once(staff_client):
    response = staff_client.post(
        "/settings/apps/",
        {"name": "  Zap  Bridge ", "redirect_uris": f"{CALLBACK}\nhttp://localhost:8080/cb\n"},
    )
    assert response.status_code == 302

    page = staff_client.get("/settings/apps/")
    text = page.content.decode()
    app = oauth.Application.objects.get()
    secret = page.context["issued"]["secret"]
    assert app.name == "Zap Bridge"
    assert app.redirect_uris == f"{CALLBACK} http://localhost:8080/cb"
    assert app.client_id in text and secret in text
    assert check_password(secret, app.client_secret)
    assert page["Cache-Control"] == "no-store"

    again = staff_client.get("/settings/apps/").content.decode()
    assert secret not in again and "Zap Bridge" in again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "n" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        (
            {"redirect_uris": "http://client.example/cb"},
            "Redirect URIs: http://client.example/cb must use https:// "
            "(http:// only for 127.0.0.1, [::1] or localhost).",
        ),
        (
            {"redirect_uris": "\n".join(f"https://a.example/{n}" for n in range(6))},
            "Redirect URIs: at most 5.",
        ),
        (
            {"redirect_uris": "https://a.example/" + "x" * 500},
            "is longer than 500 characters.",
        ),
        ({"redirect_uris": "https://a.example/cb#top"}, "can&#x27;t have a #fragment."),
        ({"redirect_uris": "https://me:pw@a.example/cb"}, "can&#x27;t hold a user name"),
        ({"redirect_uris": "ftp://a.example/cb"}, "must be an https:// URL."),
        ({"redirect_uris": "https://*.example/cb"}, "can&#x27;t hold a wildcard."),
    ],
)
def test_registering_refuses_bad_input_on_the_form(staff_client, fields, message):
    data = {"name": "Robot", "redirect_uris": CALLBACK, **fields}
    response = staff_client.post("/settings/apps/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not oauth.Application.objects.exists()


def test_people_without_the_settings_area_see_only_their_allowed_apps(restricted_user, issued):
    client = signed_in_client(restricted_user)
    token_for(restricted_user, issued)

    page = client.get("/settings/apps/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sync Robot" in text and "Register an app" not in text
    assert issued.app.client_id not in text
    assert page.context["sections"] == [("apps", "Apps")]
    assert 'href="/settings/apps/"' in client.get("/").content.decode()

    assert (
        client.post("/settings/apps/", {"name": "X", "redirect_uris": CALLBACK}).status_code == 403
    )
    assert client.post(f"/settings/apps/{issued.app.pk}/remove/").status_code == 403
    assert oauth.Application.objects.count() == 1


def test_nobody_revokes_an_app_for_someone_else(member, restricted_user, issued):
    token = token_for(member, issued)
    response = signed_in_client(restricted_user).post(f"/settings/apps/{issued.app.pk}/revoke/")

    assert response.status_code == 404
    assert bearer(token).get("me").status_code == 200


def test_removing_an_app_ends_everyones_access(staff_client, member, issued):
    token = token_for(member, issued)
    page = staff_client.get("/settings/apps/")
    assert page.context["registered"][0].people == 1

    assert staff_client.post(f"/settings/apps/{issued.app.pk}/remove/").status_code == 302
    assert bearer(token).get("me").status_code == 403
    assert not oauth.Application.objects.exists()


def test_pages_post_with_csrf(member, issued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(authorize_url(issued))
    form = dict(page.context["form"].initial, allow="1")
    form = {k: v for k, v in form.items() if v}

    assert client.post("/oauth/authorize", form).status_code == 403
    assert client.post(f"/settings/apps/{issued.app.pk}/revoke/").status_code == 403


def test_the_command_prints_an_app_for_scripts(capsys, member):
    call_command("oauthapp", "--name", "Script", "--redirect-uri", CALLBACK)
    printed = json.loads(capsys.readouterr().out)

    app = oauth.Application.objects.get(client_id=printed["client_id"])
    assert app.name == "Script"
    assert check_password(printed["client_secret"], app.client_secret)
    issued = oauth.IssuedApp(app=app, client_secret=printed["client_secret"])
    assert bearer(token_for(member, issued)).get("me").status_code == 200


def test_the_command_refuses_a_bad_redirect_uri():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="redirect uris: http://x.example must use https"):
        call_command("oauthapp", "--name", "Script", "--redirect-uri", "http://x.example")


def test_an_app_that_is_removed_while_asking_gets_a_clear_page(member, issued):
    client = signed_in_client(member)
    page = client.get(authorize_url(issued))
    form = {name: value for name, value in page.context["form"].initial.items() if value}
    issued.app.delete()

    response = client.post("/oauth/authorize", dict(form, allow="1"))
    assert response.status_code == 400
    assert "This app is no longer registered." in response.content.decode()


def test_apps_are_not_edited_in_the_django_admin():
    # Its forms would save an app past create_app's checks.
    from django.contrib import admin

    for model in (oauth.Application, oauth.OAuthAccessToken, oauth.RefreshToken, oauth.Grant):
        assert not admin.site.is_registered(model)
