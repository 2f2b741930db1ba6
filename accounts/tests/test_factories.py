"""The factories make rows the app accepts: valid models, and credentials that
authenticate with the plain secret they hand back."""

import pytest

from accounts.tests.factories import (
    AccessTokenFactory,
    ApiCredentialFactory,
    CollaboratorFactory,
    RestrictedUserFactory,
    UserFactory,
)
from conftest import DepotClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory_class",
    [UserFactory, RestrictedUserFactory, CollaboratorFactory, ApiCredentialFactory],
)
def test_each_factory_makes_a_valid_row(factory_class):
    factory_class().full_clean()


def test_a_factory_credential_authenticates():
    credential = ApiCredentialFactory(scopes=["contacts:read"])
    client = DepotClient({"X-DEPOT-TOKEN": credential.token, "X-DEPOT-SECRET": credential.secret})
    assert client.get("contacts").status_code == 200
    assert client.post("contacts", {"firstname": "Ada"}).status_code == 401


def test_a_factory_bearer_token_acts_as_its_user():
    access = AccessTokenFactory(user=RestrictedUserFactory(permissions=["settings"]))
    access.full_clean()
    client = DepotClient({"Authorization": f"Bearer {access.token}"})
    assert client.get("settings/taxcodes").status_code == 200
    assert client.get("contacts").status_code == 401
