import pytest
from django.core.exceptions import ValidationError

from crm import importing, services
from crm.models import Company, Contact

pytestmark = pytest.mark.django_db


def test_cp1252_and_bom_decode():
    assert importing.decode("\ufeffname\nZoë".encode("utf-8")) == "name\nZoë"
    assert importing.decode("name\nZoë".encode("cp1252")) == "name\nZoë"
    with pytest.raises(ValidationError):
        importing.decode(b"\x00\x01binary")


def test_header_synonyms_and_ignored_columns():
    preview = importing.preview_import(
        "people", "Full Name,Phone,Post code,Favourite colour\nAda Lovelace,0123,NW1,blue\n"
    )
    assert preview.columns == ["name", "telephone", "postcode"]
    assert preview.ignored_columns == ["Favourite colour"]
    assert preview.ok and not Contact.objects.exists()


def test_missing_name_column_is_refused():
    with pytest.raises(ValidationError, match="one called “name”"):
        importing.preview_import("people", "email\na@b.test\n")


def test_run_import_is_all_or_nothing():
    with pytest.raises(ValidationError, match="Line 3"):
        importing.run_import(
            "companies", "name,website\nGood Co,https://good.test\n,https://nameless.test\n"
        )
    assert not Company.objects.exists()
    assert importing.run_import("companies", "name,supplier\nGood Co,yes\nOther Co,\n") == 2
    assert list(Company.objects.order_by("name").values_list("name", "is_supplier")) == [
        ("Good Co", True),
        ("Other Co", False),
    ]


def test_export_reimports_cleanly():
    services.create_contact(
        name="Ada Lovelace",
        email="ada@engine.test",
        companyname="Analytical",
        tags="maths, pioneer",
        city="London",
    )
    text = "".join(importing.export_rows("people", Contact.objects.all()))
    Contact.objects.all().delete()
    assert importing.run_import("people", text) == 1
    ada = Contact.objects.get()
    assert (ada.email, ada.company.name, ada.city) == ("ada@engine.test", "Analytical", "London")
    assert sorted(t.name for t in ada.tags.all()) == ["maths", "pioneer"]
    assert Company.objects.count() == 1
