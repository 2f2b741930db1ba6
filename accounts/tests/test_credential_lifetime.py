"""A credential acts with at most its creator's current access and ends with them;
bearer tokens can be listed and revoked, and a new password ends them."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import services
from accounts.models import AccessToken, ApiCredential, User
from accounts.services import create_access_token, create_api_credential
from accounts.tests.factories import UserFactory
from conftest import DepotClient, signed_in_client

pytestmark = pytest.mark.django_db


def client_for(issued) -> DepotClient:
    return DepotClient({"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret})


def bearer(issued) -> DepotClient:
    return DepotClient({"Authorization": f"Bearer {issued.token}"})


@pytest.fixture
def creator(admin_user, restricted_to):
    return restricted_to("contacts", "users", email="creator@studio.test")


# --- acting within the creator's access ---------------------------------------------------


def test_a_credential_loses_the_areas_its_creator_loses(creator):
    issued = create_api_credential(
        "Sync", created_by=creator, scopes=["contacts:write", "users:read"]
    )
    depot = client_for(issued)
    assert depot.get("users").status_code == 200
    services.update_user(creator, restrictions=["contacts"])
    response = depot.get("users")
    assert response.status_code == 401
    assert response.json()["msg"] == (
        "These credentials act within their creator's access, which no longer includes "
        "the users area."
    )
    assert depot.get("contacts").status_code == 200


def test_a_credential_of_a_full_access_creator_has_its_scopes(admin_user):
    issued = create_api_credential("Read users", created_by=admin_user, scopes=["users:read"])
    depot = client_for(issued)
    assert depot.get("users").status_code == 200
    assert depot.get("contacts").status_code == 401


def test_a_credential_made_by_the_operator_has_its_scopes(admin_user):
    issued = create_api_credential("Operator", scopes=["users:read", "contacts:read"])
    depot = client_for(issued)
    assert depot.get("users").status_code == 200
    assert depot.get("contacts").status_code == 200


def test_a_credential_stops_when_its_creator_is_deactivated(creator):
    issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:write"])
    # However they were deactivated (here: not through Docket's own services).
    User.objects.filter(pk=creator.pk).update(is_active=False)
    response = client_for(issued).get("contacts")
    assert response.status_code == 403
    assert response.json()["msg"] == "The credentials did not authenticate."


def test_deactivating_a_user_revokes_their_credentials_and_tokens(creator):
    issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:write"])
    token = create_access_token(creator, "CLI")
    services.update_user(creator, active=False)
    issued.credential.refresh_from_db()
    token.access_token.refresh_from_db()
    assert issued.credential.revoked is not None
    assert token.access_token.revoked is not None
    # Reactivating them doesn't bring an integration back to life behind anyone's back.
    services.update_user(creator, active=True)
    assert client_for(issued).get("contacts").status_code == 403
    assert bearer(token).get("contacts").status_code == 403


def test_deleting_the_creator_revokes_the_credential(creator):
    issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:write"])
    assert services.remove_user(creator).deleted
    issued.credential.refresh_from_db()
    assert issued.credential.revoked is not None
    assert client_for(issued).get("contacts").status_code == 403


def test_deleting_the_creator_any_other_way_revokes_the_credential_too(creator):
    # The admin site or the shell delete without the service; the on_delete rule
    # still keeps the credential from turning into an operator's one.
    issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:write"])
    already = create_api_credential("Old", created_by=creator, scopes=["contacts:read"])
    services.revoke_api_credential(already.credential)
    revoked_at = ApiCredential.objects.get(pk=already.credential.pk).revoked
    creator.delete()
    issued.credential.refresh_from_db()
    assert issued.credential.created_by is None and issued.credential.revoked is not None
    assert ApiCredential.objects.get(pk=already.credential.pk).revoked == revoked_at
    assert client_for(issued).get("contacts").status_code == 403


def test_a_credential_stops_at_the_next_call_after_it_is_revoked_or_expires(creator):
    # Nothing about a credential is kept between calls: each reads it again.
    for end in ("revoked", "expires"):
        issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:read"])
        token = create_access_token(creator, "CLI")
        depot, cli = client_for(issued), bearer(token)
        assert depot.get("contacts").status_code == 200
        assert cli.get("contacts").status_code == 200
        ended = {end: timezone.now() - timedelta(seconds=1)}
        ApiCredential.objects.filter(pk=issued.credential.pk).update(**ended)
        AccessToken.objects.filter(pk=token.access_token.pk).update(**ended)
        assert depot.get("contacts").status_code == 403
        assert cli.get("contacts").status_code == 403


def test_a_credential_whose_creator_row_is_gone_does_not_act_as_the_operators(creator):
    # Read between the credential and its creator's removal, a creator id that
    # names no user must not read as "no creator" (an operator's credential, its
    # whole scopes). The constraint is deferred, so the test can leave it dangling.
    issued = create_api_credential("Sync", created_by=creator, scopes=["contacts:read"])
    missing = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    dangling = ApiCredential.objects.filter(pk=issued.credential.pk)
    dangling.update(created_by_id=missing)
    response = client_for(issued).get("contacts")
    # Put back before the test's end checks the deferred constraints.
    dangling.update(created_by_id=creator.pk)
    assert response.status_code == 403


# --- a new password ends the bearer tokens ------------------------------------------------


def test_a_password_reset_revokes_the_users_bearer_tokens(client, admin_user):
    user = UserFactory(email="forgetful@studio.test")
    token = create_access_token(user, "Phone app")
    assert bearer(token).get("me").status_code == 200
    client.post("/accounts/password-reset/", {"email": user.email})
    path = re.search(r"/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get(path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"},
    )
    assert bearer(token).get("me").status_code == 403


def test_a_password_change_revokes_the_users_bearer_tokens(admin_user):
    token = create_access_token(admin_user, "CLI")
    other = create_access_token(UserFactory(), "Someone else's")
    admin_user.set_password("another-long-secret-7")
    admin_user.save()
    assert bearer(token).get("me").status_code == 403
    assert bearer(other).get("me").status_code == 200


def test_saving_a_user_without_a_new_password_keeps_their_tokens(admin_user):
    token = create_access_token(admin_user, "CLI")
    admin_user.jobtitle = "Director"
    admin_user.save()
    assert bearer(token).get("me").status_code == 200


# --- bearer tokens on the settings page -----------------------------------------------------


def tokens_table(html: str) -> str:
    return html.split('id="bearer-tokens-table"')[1].split("</table>")[0]


def test_a_user_sees_and_revokes_their_own_bearer_tokens(admin_user, restricted_to):
    clerk = restricted_to("settings", name="Cleo Clerk")
    mine = create_access_token(clerk, "Cleo's phone").access_token
    theirs = create_access_token(admin_user, "Admin laptop").access_token
    client = signed_in_client(clerk)
    table = tokens_table(client.get("/settings/api/").content.decode())
    assert "Cleo&#x27;s phone" in table and "Admin laptop" not in table
    response = client.post(f"/settings/api/tokens/{mine.pk}/revoke/", follow=True)
    assert "“Cleo&#x27;s phone” was revoked" in response.content.decode()
    mine.refresh_from_db()
    assert mine.revoked is not None
    # Another user's token isn't theirs to see or end.
    assert client.post(f"/settings/api/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked is None


def test_an_administrator_sees_and_revokes_everyones_bearer_tokens(staff_client, admin_user):
    other = UserFactory(name="Pat Producer")
    token = create_access_token(other, "Pat's script").access_token
    table = tokens_table(staff_client.get("/settings/api/").content.decode())
    assert "Pat&#x27;s script" in table and "Pat Producer" in table
    staff_client.post(f"/settings/api/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked is not None


# --- apikey --list / --revoke -------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def test_apikey_lists_credentials_and_bearer_tokens(admin_user):
    credential = create_api_credential("Zapier", created_by=admin_user).credential
    token = create_access_token(admin_user, "CLI").access_token
    rows = [json.loads(line) for line in run("--list").splitlines()]
    assert {"id": f"credential:{credential.pk}", "kind": "credential"}.items() <= rows[0].items()
    assert rows[0]["name"] == "Zapier" and rows[0]["token"] == credential.token
    assert rows[0]["created_by"] == admin_user.email and rows[0]["status"] == "active"
    assert {"id": f"bearer:{token.pk}", "kind": "bearer", "name": "CLI"}.items() <= rows[1].items()
    assert rows[1]["user"] == admin_user.email and rows[1]["status"] == "active"
    assert "secret" not in rows[0] and "token_hash" not in rows[1]


def test_apikey_revokes_credentials_and_bearer_tokens(admin_user):
    credential = create_api_credential("Zapier").credential
    token = create_access_token(admin_user, "CLI").access_token
    assert "revoked" in run("--revoke", f"credential:{credential.pk}")
    assert "revoked" in run("--revoke", f"bearer:{token.pk}")
    credential.refresh_from_db()
    token.refresh_from_db()
    assert credential.revoked is not None and token.revoked is not None
    assert json.loads(run("--list").splitlines()[0])["status"] == "revoked"


def test_apikey_revoke_by_the_credentials_token(admin_user):
    credential = create_api_credential("Zapier").credential
    run("--revoke", credential.token)
    credential.refresh_from_db()
    assert credential.revoked is not None


@pytest.mark.parametrize("target", ["credential:999", "bearer:999", "nonsense", "bearer:x"])
def test_apikey_revoke_of_nothing_fails_clearly(admin_user, target):
    with pytest.raises(CommandError, match="No credential or bearer token"):
        run("--revoke", target)


def test_apikey_still_needs_a_name_to_create():
    with pytest.raises(CommandError, match="--name"):
        run()
    assert not AccessToken.objects.exists() and not ApiCredential.objects.exists()


# --- revoking follows the reach rule ------------------------------------------------------


def test_a_settings_user_cannot_revoke_an_administrators_credential(admin_user, restricted_to):
    from conftest import signed_in_client

    theirs = services.create_api_credential("Admin's sync", created_by=admin_user).credential
    operators = services.create_api_credential("From the shell").credential
    settings_user = restricted_to("settings")
    own = services.create_api_credential(
        "Mine", created_by=settings_user, scopes=["settings:read"]
    ).credential
    client = signed_in_client(settings_user)

    page = client.get("/settings/api/").content.decode()
    assert f"/settings/api/{own.pk}/revoke/" in page
    assert f"/settings/api/{theirs.pk}/revoke/" not in page
    assert f"/settings/api/{operators.pk}/revoke/" not in page

    for credential in (theirs, operators):
        assert client.post(f"/settings/api/{credential.pk}/revoke/").status_code == 403
        credential.refresh_from_db()
        assert credential.revoked is None
    assert client.post(f"/settings/api/{own.pk}/revoke/").status_code == 302
    own.refresh_from_db()
    assert own.revoked is not None


def test_an_administrator_revokes_anyones_credential(admin_user, staff_client, restricted_to):
    someone = restricted_to("settings")
    theirs = services.create_api_credential(
        "Theirs", created_by=someone, scopes=["settings:read"]
    ).credential
    assert staff_client.post(f"/settings/api/{theirs.pk}/revoke/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked is not None
