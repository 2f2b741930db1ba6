"""The account's country: an ISO 3166-1 alpha-2 code or nothing, as e-invoices need."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AccountSettings
from accounts.services import update_account_settings
from config.countries import COUNTRIES, country_code

pytestmark = pytest.mark.django_db


def test_the_account_country_is_an_iso_code():
    assert AccountSettings.load().country == ""
    assert update_account_settings(country=" gb ").country == "GB"
    with pytest.raises(ValidationError) as refused:
        update_account_settings(country="Britain")
    assert refused.value.message_dict["country"] == [
        "country must be a two-letter ISO 3166 country code, such as GB or FR."
    ]
    assert AccountSettings.load().country == "GB"
    assert update_account_settings(country="").country == ""


def test_free_text_countries_are_read_without_guessing():
    assert len(COUNTRIES) == 250  # ISO 3166-1's 249 and XI
    assert country_code("United Kingdom") == country_code("UK") == country_code("gb") == "GB"
    assert country_code("  the  netherlands ") == "NL"
    assert country_code("Côte d'Ivoire") == "CI"
    assert country_code("Narnia") == country_code("") == country_code(None) == ""
