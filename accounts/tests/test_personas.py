"""The shared personas (conftest.py) are who their names say: what each may reach
through the pages and the API."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_reaches_everything(staff_client, admin_api):
    assert staff_client.get("/settings/company/").status_code == 200
    assert staff_client.get("/accounts/users/").status_code == 200
    assert admin_api.patch("settings/timeround", {"value": "15"}).status_code == 200


def test_a_member_uses_every_area(member_client, member_api):
    assert member_client.get("/connections/people/").status_code == 200
    assert member_api.get("contacts").status_code == 200
    assert member_api.get("users").status_code == 200


def test_the_restricted_user_has_contacts_only(restricted_client, restricted_api):
    assert restricted_client.get("/connections/people/").status_code == 200
    assert restricted_client.get("/settings/company/").status_code == 403
    assert restricted_api.get("contacts").status_code == 200
    assert restricted_api.patch("settings/timeround", {"value": "15"}).status_code == 401


def test_a_collaborator_has_no_areas(collaborator_client, collaborator_api):
    assert collaborator_client.get("/connections/people/").status_code == 403
    assert collaborator_api.get("contacts").status_code == 401


def test_the_scoped_credential_reads_contacts_only(contacts_reader):
    assert contacts_reader.get("contacts").status_code == 200
    assert contacts_reader.post("contacts", {"firstname": "Ada"}).status_code == 401
    assert contacts_reader.get("users").status_code == 401


def test_an_outsider_gets_nothing(outsider, client):
    assert outsider.get("contacts").status_code == 403
    assert client.get("/connections/people/").status_code == 302
