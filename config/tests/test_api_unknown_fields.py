"""A body field the resource doesn't know is a 400 naming it, never a write that
quietly leaves it out; what a GET returned may be sent back as it was read."""

import pytest

from accounts.models import AccountSettings, User
from accounts.schemas import REMOVE_LOGO, USER_FIELDS, VALUE_DECIMAL, VALUE_INT, VALUE_JSON
from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Contact
from crm.schemas import ACTIVITY_FIELDS, COMPANY_FIELDS, CONTACT_FIELDS
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

ADDRESS = ["line1", "line2", "line3", "city", "district", "country", "postcode"]
# Every parameter the spec lists for adding or updating each resource.
SPEC_PARAMETERS = {
    "companies": (
        COMPANY_FIELDS,
        ["name", "website", "notes", "telephone", "tags", *ADDRESS, "customfields", "creditlimit"],
    ),
    "contacts": (
        CONTACT_FIELDS,
        [
            "name",
            "email",
            "notes",
            "telephone",
            "tags",
            "companyid",
            "companyname",
            *ADDRESS,
            "customfields",
            "creditlimit",
        ],
    ),
    "activity": (
        ACTIVITY_FIELDS,
        ["title", "type", "addedby", "for", "date", "content", "replyto", "subtype"],
    ),
    "users": (USER_FIELDS, ["email", "name", "restrictions", "collaborator", "jobs"]),
    "settings values": (VALUE_INT, ["value"]),
    "settings amounts": (VALUE_DECIMAL, ["value"]),
    "settings lists": (VALUE_JSON, ["value"]),
    "settings/logo": (REMOVE_LOGO, ["removelogo"]),
}


@pytest.mark.parametrize("resource", SPEC_PARAMETERS)
def test_no_parameter_the_spec_lists_is_refused(resource):
    fields, parameters = SPEC_PARAMETERS[resource]
    fields.refuse_unknown(dict.fromkeys(parameters, "x"))


def _refused(response, *names):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] is True
    assert body["msg"] == "Validation errors"
    assert [error.split(" ")[0] for error in body["errors"]] == list(names)
    assert all("is not a field Docket knows here (known: " in e for e in body["errors"])
    assert sorted(body["fields"]) == sorted(names)
    return body


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "multipart"])
def test_a_company_with_a_misspelt_field_is_refused_and_not_added(depot, as_json):
    response = depot.post("companies", {"name": "Acme", "webiste": "acme.test"}, as_json=as_json)
    body = _refused(response, "webiste")
    assert body["errors"] == [
        "webiste is not a field Docket knows here (known: name, website, supplier, customer, "
        "telephone, notes, tags, customfields, creditlimit, accountsdata, line1, line2, line3, "
        "city, district, country, postcode)."
    ]
    assert not Company.objects.exists()


def test_a_company_update_names_every_unknown_field_and_changes_nothing(depot):
    company = CompanyFactory(name="Acme")
    response = depot.patch(
        f"companies/{company.pk}", {"name": "Renamed", "zip": "BT1", "company": 3}, as_json=True
    )
    _refused(response, "company", "zip")
    company.refresh_from_db()
    assert company.name == "Acme"


def test_a_contact_with_an_unknown_field_is_refused(depot):
    response = depot.post("contacts", {"name": "Ann Lee", "mobile": "07700"}, as_json=True)
    _refused(response, "mobile")
    assert not Contact.objects.exists()
    contact = ContactFactory(fullname="Ann Lee")
    _refused(depot.patch(f"contacts/{contact.pk}", {"phone": "1"}), "phone")


def test_an_activity_item_with_an_unknown_field_is_refused(depot, admin_user):
    company = CompanyFactory()
    body = {"title": "Call", "type": "C", "addedby": admin_user.email, "for": company.code}
    _refused(depot.post("activity", {**body, "body": "Hello"}), "body")
    assert not Activity.objects.exists()
    entry_id = depot.post("activity", body).json()["id"]
    _refused(depot.patch(f"activity/{entry_id}", {"subject": "x"}, as_json=True), "subject")


def test_a_user_with_an_unknown_field_is_refused(depot, admin_user):
    response = depot.post(
        "users", {"email": "new@studio.test", "name": "New", "role": "admin"}, as_json=True
    )
    _refused(response, "role")
    assert not User.objects.filter(email="new@studio.test").exists()
    _refused(depot.patch(f"users/{admin_user.email}", {"title": "Boss"}), "title")


@pytest.mark.parametrize(
    "path,value",
    [
        ("settings/breakeven", "100"),
        ("settings/timeround", "15"),
        ("settings/nextinvoiceid", "7"),
        ("settings/taxcodes", "[]"),
        ("settings/chargerates", "[]"),
        ("settings/ledgers", "[]"),
        ("settings/activitytypes", '{"nextid": 1, "tasks": []}'),
    ],
)
def test_a_setting_with_an_unknown_field_is_refused(depot, path, value):
    before = AccountSettings.load()
    _refused(depot.patch(path, {"value": value, "values": value}), "values")
    assert AccountSettings.load().breakeven == before.breakeven
    assert AccountSettings.load().timeround == before.timeround


def test_removing_the_logo_with_an_unknown_field_is_refused(depot):
    _refused(depot.patch("settings/logo", {"removelogo": "1", "logo": ""}), "logo")


def test_a_long_unknown_name_is_shown_cut_short(depot):
    response = depot.post("companies", {"name": "Acme", "x" * 500: "1"}, as_json=True)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("x" * 40 + "… is not a field")


def test_the_permission_is_checked_before_the_body_is_read(contacts_reader):
    response = contacts_reader.post("companies", {"name": "Acme", "nonsense": "1"})
    assert response.status_code == 401
    assert response.json()["msg"] == "These credentials do not have the contacts:write scope."


# --- what a client read may go back unchanged ----------------------------------------


def test_a_company_read_back_whole_is_accepted(depot):
    company_id = depot.post("companies", {"name": "Acme", "line1": "1 Road"}).json()["id"]
    row = depot.get(f"companies/{company_id}", {"hidenotes": 0, "hidetags": 0}).json()["rows"][0]
    row["name"] = "Acme Ltd"
    response = depot.patch(f"companies/{company_id}", row, as_json=True)
    assert response.status_code == 200, response.content
    company = Company.objects.get(pk=company_id)
    assert (company.name, company.line1) == ("Acme Ltd", "1 Road")


def test_a_contact_read_back_whole_is_accepted_and_its_fullname_ignored(depot):
    acme = CompanyFactory()
    contact_id = depot.post("contacts", {"name": "Ann Lee", "companyid": acme.pk}).json()["id"]
    row = depot.get(f"contacts/{contact_id}", {"hidenotes": 0, "hidetags": 0}).json()["rows"][0]
    row["fullname"] = "Someone Else"
    row["email"] = "ann@acme.test"
    response = depot.patch(f"contacts/{contact_id}", row, as_json=True)
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.fullname, contact.email, contact.company) == ("Ann Lee", "ann@acme.test", acme)


def test_an_activity_item_read_back_whole_is_accepted(depot, admin_user):
    company = CompanyFactory()
    entry_id = depot.post(
        "activity",
        {"title": "Call", "type": "C", "addedby": admin_user.email, "for": company.code},
    ).json()["id"]
    row = depot.get(f"activity/{entry_id}").json()["rows"][0]
    row["title"] = "Call back"
    response = depot.patch(f"activity/{entry_id}", row, as_json=True)
    assert response.status_code == 200, response.content
    assert Activity.objects.get(pk=entry_id).title == "Call back"


def test_a_user_read_back_whole_is_accepted(depot, admin_user):
    user = UserFactory(email="sam@studio.test", name="Sam")
    row = depot.get(f"users/{user.email}").json()["rows"][0]
    row["jobtitle"] = "Producer"
    response = depot.patch(f"users/{user.email}", row, as_json=True)
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.name, user.jobtitle) == ("Sam", "Producer")
