"""A service says what it takes: a misspelt field is a TypeError, not a write that
quietly left the field as it was."""

import pytest

from accounts import services as account_services
from crm import services
from crm.models import Company


@pytest.mark.django_db
def test_a_misspelt_field_is_refused_and_nothing_is_written():
    with pytest.raises(TypeError, match="unexpected field telephon: CompanyFields"):
        services.create_company(name="Acme", telephon="0161 496 0000")
    assert not Company.objects.exists()

    company = services.create_company(name="Acme", telephone="0161 496 0000")
    with pytest.raises(TypeError, match="unexpected field webiste"):
        services.update_company(company, webiste="acme.example")
    with pytest.raises(TypeError, match="ContactFields"):
        services.create_contact(name="Ada Lovelace", company="Acme")
    with pytest.raises(TypeError, match="ActivityChanges"):
        services.update_activity(object(), body="words")  # refused before it is read
    with pytest.raises(TypeError, match="UserFields"):
        account_services.create_user(email="ada@example.com", permissions=["contacts"])


@pytest.mark.django_db
def test_every_field_the_api_writes_is_one_the_services_take():
    from crm.api import _model_fields
    from crm.schemas import COMPANY_FIELDS, CONTACT_FIELDS

    company_fields = set(services.CompanyFields.__annotations__)
    contact_fields = set(services.ContactFields.__annotations__)
    assert set(_model_fields(dict.fromkeys(COMPANY_FIELDS.spec))) <= company_fields
    assert set(_model_fields(dict.fromkeys(CONTACT_FIELDS.spec))) <= contact_fields
