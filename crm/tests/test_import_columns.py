"""CSV columns as other tools name them, and exports that spreadsheets open safely
and that import back unchanged."""

import pytest
from django.core.exceptions import ValidationError

from crm import importing, services
from crm.models import Company, Contact

pytestmark = pytest.mark.django_db


def test_people_columns_from_other_tools():
    preview = importing.preview_import(
        "people",
        "firstname,lastname,Company,Title,Mobile,Phone Number\n"
        "Ada,Lovelace,Analytical,Countess,,020 7946 0000\n"
        ",Babbage,Analytical,,07700 900000,020 7946 0001\n",
    )
    assert preview.columns == ["name", "company", "position", "telephone"]
    assert preview.ignored_columns == []
    ada, babbage = (row.values for row in preview.rows)
    assert ada["name"] == "Ada Lovelace" and ada["company"] == "Analytical"
    assert ada["position"] == "Countess"
    # Two columns for the telephone: the first one filled in.
    assert ada["telephone"] == "020 7946 0000" and babbage["telephone"] == "07700 900000"
    assert babbage["name"] == "Babbage"
    assert preview.ok


def test_split_names_keep_their_parts():
    importing.run_import("people", "First Name,Last Name\nMary Ann,Evans\n")
    mary = Contact.objects.get()
    assert (mary.fullname, mary.firstname, mary.othernames, mary.lastname) == (
        "Mary Ann Evans",
        "Mary Ann",
        "",
        "Evans",
    )


def test_company_name_is_the_name_of_companies():
    preview = importing.preview_import(
        "companies", "Company Name,Website URL\nNorthwind,northwind.test\n"
    )
    assert preview.columns == ["name", "website"]
    assert preview.rows[0].values == {"name": "Northwind", "website": "northwind.test"}
    importing.run_import("companies", "Company,Website\nNorthwind,northwind.test\n")
    assert Company.objects.get().website == "https://northwind.test"


def test_a_file_without_any_name_column_is_refused():
    with pytest.raises(ValidationError, match="“first name” and “last name”"):
        importing.preview_import("people", "email\na@b.test\n")


def test_custom_fields_and_credit_limit_columns():
    importing.run_import(
        "companies",
        'name,credit limit,custom fields\nNorthwind,"£1,500",VAT: GB1; Owner: Sam\n',
    )
    company = Company.objects.get()
    assert str(company.creditlimit) == "1500.00"
    assert company.customfields == [
        {"title": "VAT", "value": "GB1"},
        {"title": "Owner", "value": "Sam"},
    ]
    preview = importing.preview_import("companies", "name,customfields\nOther,no colon\n")
    assert preview.rows[0].errors == ["customfields: “no colon” needs a colon, as Title: value."]


def test_export_opens_with_a_bom_neutralises_formulas_and_reimports():
    services.create_company(
        name="@Risky",
        website="risky.test",
        telephone="+44 1",
        notes="'=already quoted",
        creditlimit="10",
        customfields=[{"title": "Link", "value": "=cmd"}],
        is_supplier=True,
    )
    text = "".join(importing.export_rows("companies", Company.objects.all()))
    assert text.startswith("\ufeffname,website,telephone,supplier,tags,")
    assert "creditlimit,customfields,notes\r\n" in text
    assert text.splitlines()[1].startswith("'@Risky,https://risky.test,'+44 1,yes,")
    assert "''=already quoted" in text
    Company.objects.all().delete()
    assert importing.run_import("companies", text) == 1
    company = Company.objects.get()
    assert (company.name, company.telephone, company.notes) == (
        "@Risky",
        "+44 1",
        "'=already quoted",
    )
    assert company.customfields == [{"title": "Link", "value": "=cmd"}]
    assert company.is_supplier and str(company.creditlimit) == "10.00"
