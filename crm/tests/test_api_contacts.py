"""The Depot `contacts` resource (people)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import without_field_detail
from crm import services
from crm.models import Activity, Company, Contact
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, png_bytes

# The rate limit has tests of its own; here it would only add a statement to
# the query counts and refuse the longer request runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def names(depot, **params):
    response = depot.get("contacts", params)
    assert response.status_code == 200, response.content
    return [row["fullname"] for row in response.json()["rows"]]


# --- shapes -----------------------------------------------------------------------


def test_create_splits_the_name_and_finds_the_company(depot):
    existing = CompanyFactory(name="Sherlock Investigates Inc")
    response = depot.post(
        "contacts",
        {
            "name": "Dr Sherlock Scott Holmes",
            "email": "Hello@SherlockInvestigates.com",
            "telephone": "020 7946 0001",
            "companyname": "SHERLOCK investigates inc",
            "position": "Consulting detective",
            "tags": "detective,violin",
            "notes": "Plays at night.",
            "line1": "221B Baker Street",
            "city": "London",
            "district": "Greater London",
            "country": "United Kingdom",
            "postcode": "NW1 6XE",
            "customfields": '[{"Twitter": "@sherlock"}]',
            "creditlimit": "250",
        },
    )
    assert response.status_code == 201
    contact = Contact.objects.get()
    assert response.json() == {"error": False, "id": contact.pk}
    body = depot.get(f"contacts/{contact.pk}", {"hidetags": "0", "hidenotes": "0"}).json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": contact.pk,
                "title": "Dr",
                "firstname": "Sherlock",
                "lastname": "Holmes",
                "othernames": "Scott",
                "fullname": "Dr Sherlock Scott Holmes",
                "email": "hello@sherlockinvestigates.com",
                "telephone": "020 7946 0001",
                "added": int(contact.added.timestamp()),
                "image": "",
                "lastupdated": str(int(contact.lastupdated.timestamp())),
                "accountsdata": {},
                "customfields": [{"Twitter": "@sherlock"}],
                "creditlimit": 250,
                "tags": ["detective", "violin"],
                "notes": "Plays at night.",
                "company": {
                    "id": existing.pk,
                    "name": "Sherlock Investigates Inc",
                    "position": "Consulting detective",
                },
                "address": {
                    "id": contact.address_id,
                    "line1": "221B Baker Street",
                    "line2": "",
                    "line3": "",
                    "city": "London",
                    "district": "Greater London",
                    "country": "United Kingdom",
                    "postcode": "NW1 6XE",
                },
            }
        ],
    }
    assert Company.objects.count() == 1


def test_xml_item_shape(depot):
    company = CompanyFactory(name="Sherlock Investigates Inc")
    contact = services.create_contact(
        name="Sherlock Holmes",
        email="hello@sherlockinvestigates.com",
        companyid=company.pk,
        tags="detective,violin",
        customfields=[{"title": "value"}],
        line1="221B Baker Street",
        city="London",
        district="Greater London",
        country="United Kingdom",
        postcode="NW1 6XE",
    )
    response = depot.get(f"contacts/{contact.pk}", {"hidetags": "false"}, fmt="xml")
    added, updated = int(contact.added.timestamp()), int(contact.lastupdated.timestamp())
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<response>\n"
        "   <error>false</error>\n"
        "   <rows>\n"
        "      <item>\n"
        "         <accountsdata />\n"
        f"         <added>{added}</added>\n"
        "         <address>\n"
        "            <city>London</city>\n"
        "            <country>United Kingdom</country>\n"
        "            <district>Greater London</district>\n"
        f"            <id>{contact.address_id}</id>\n"
        "            <line1>221B Baker Street</line1>\n"
        "            <line2 />\n"
        "            <line3 />\n"
        "            <postcode>NW1 6XE</postcode>\n"
        "         </address>\n"
        "         <company>\n"
        f"            <id>{company.pk}</id>\n"
        "            <name>Sherlock Investigates Inc</name>\n"
        "            <position />\n"
        "         </company>\n"
        '         <creditlimit null="true" />\n'
        "         <customfields>\n"
        "            <item>\n"
        "               <title>value</title>\n"
        "            </item>\n"
        "         </customfields>\n"
        "         <email>hello@sherlockinvestigates.com</email>\n"
        "         <firstname>Sherlock</firstname>\n"
        "         <fullname>Sherlock Holmes</fullname>\n"
        f"         <id>{contact.pk}</id>\n"
        "         <image />\n"
        "         <lastname>Holmes</lastname>\n"
        f"         <lastupdated>{updated}</lastupdated>\n"
        "         <othernames />\n"
        "         <tags>\n"
        "            <item>detective</item>\n"
        "            <item>violin</item>\n"
        "         </tags>\n"
        "         <telephone />\n"
        "         <title />\n"
        "      </item>\n"
        "   </rows>\n"
        "</response>\n"
    )


def test_a_person_without_a_company_has_no_company_key(depot):
    contact = services.create_contact(name="John Moriarty")
    row = depot.get(f"contacts/{contact.pk}").json()["rows"][0]
    assert "company" not in row and "address" in row


# --- names and companies on create ------------------------------------------------


@pytest.mark.parametrize(
    "name,parts",
    [
        ("Sherlock Holmes", ("", "Sherlock", "", "Holmes")),
        ("Dr John H Watson", ("Dr", "John", "H", "Watson")),
        ("Mrs. Martha Louise Hudson", ("Mrs.", "Martha", "Louise", "Hudson")),
        ("Cher", ("", "Cher", "", "")),
        ("  Irene   Adler ", ("", "Irene", "", "Adler")),
        ("Prof James Moriarty", ("Prof", "James", "", "Moriarty")),
    ],
)
def test_name_is_split(depot, name, parts):
    contact_id = depot.post("contacts", {"name": name}).json()["id"]
    row = depot.get(f"contacts/{contact_id}").json()["rows"][0]
    assert (row["title"], row["firstname"], row["othernames"], row["lastname"]) == parts
    assert row["fullname"] == " ".join(name.split())


def test_companyname_creates_a_new_company(depot):
    contact_id = depot.post(
        "contacts", {"name": "John Moriarty", "companyname": "Moriarty Ltd"}
    ).json()["id"]
    company = Company.objects.get()
    assert company.name == "Moriarty Ltd"
    row = depot.get(f"contacts/{contact_id}").json()["rows"][0]
    assert row["company"] == {"id": company.pk, "name": "Moriarty Ltd", "position": ""}
    depot.post("contacts", {"name": "Sebastian Moran", "companyname": "moriarty LTD"})
    assert Company.objects.count() == 1
    assert company.people.count() == 2


def test_companyid_puts_them_in_that_company(depot):
    company = CompanyFactory(name="Baker Street")
    contact_id = depot.post(
        "contacts", {"name": "A B", "companyid": str(company.pk), "companyname": "Ignored"}
    ).json()["id"]
    assert Contact.objects.get(pk=contact_id).company == company
    assert Company.objects.count() == 1


def test_companyid_may_be_the_company_object_in_json(depot):
    company = CompanyFactory(name="Baker Street")
    response = depot.post(
        "contacts",
        {"name": "A B", "companyid": {"id": company.pk, "name": "Baker Street"}},
        as_json=True,
    )
    assert response.status_code == 201
    assert Contact.objects.get(pk=response.json()["id"]).company == company
    missing_id = depot.post("contacts", {"name": "C D", "companyid": {"name": "X"}}, as_json=True)
    assert missing_id.status_code == 400
    assert missing_id.json()["errors"] == ["companyid must be an id or an object with an id."]


@pytest.mark.parametrize("company_id", ["999", "99999999999999999999"])
def test_companyid_must_exist(depot, company_id):
    response = depot.post("contacts", {"name": "A B", "companyid": company_id})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [f"companyid {company_id} is not a company."],
    }
    assert not Contact.objects.exists()


def test_a_failed_create_does_not_leave_a_new_company(depot):
    response = depot.post(
        "contacts", {"name": "A B", "companyname": "New Co", "email": "not-an-email"}
    )
    assert response.status_code == 400
    assert not Company.objects.exists() and not Contact.objects.exists()


def test_create_with_a_json_body(depot):
    response = depot.post(
        "contacts",
        {
            "name": "Irene Adler",
            "tags": ["opera", "Bohemia"],
            "customfields": [{"Twitter": "@x"}],
            "creditlimit": 100,
        },
        as_json=True,
    )
    assert response.status_code == 201
    row = depot.get(f"contacts/{response.json()['id']}", {"hidetags": "false"}).json()["rows"][0]
    assert row["customfields"] == [{"Twitter": "@x"}]
    assert row["tags"] == ["Bohemia", "opera"]
    assert row["creditlimit"] == 100


@pytest.mark.parametrize(
    "data,errors",
    [
        ({}, ["name is required."]),
        ({"name": "  "}, ["name is required."]),
        ({"firstname": "Only"}, ["name is required."]),
        ({"name": "A", "email": "nope"}, ["email nope is not a valid email address."]),
        ({"name": "A", "email": "a@b"}, ["email a@b is not a valid email address."]),
        ({"name": "A", "companyid": "abc"}, ["companyid must be a whole number."]),
        ({"name": "A", "companyid": "-1"}, ["companyid must be at least 0."]),
        ({"name": "A", "creditlimit": "-1"}, ["creditlimit must be at least 0."]),
        ({"name": "A", "customfields": "nope"}, ["customfields must be valid JSON."]),
        ({"name": "x" * 301}, ["name must be at most 300 characters."]),
        ({"name": "A", "companyname": "x" * 201}, ["companyname must be at most 200 characters."]),
        (
            {"name": "A", "tags": "x" * 61},
            ["tags: 'xxxxxxxxxxxxxxxxxxxx…' is longer than 60 characters."],
        ),
        ({"name": "A\x00"}, ["name must not contain NUL characters."]),
        (
            {"email": "bad", "creditlimit": "x"},
            ["name is required.", "creditlimit must be a number."],
        ),
    ],
)
def test_create_validation(depot, data, errors):
    response = depot.post("contacts", data)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }
    assert not Contact.objects.exists()


# --- lists ------------------------------------------------------------------------


@pytest.fixture
def people(db):
    baker = CompanyFactory(name="Baker Street")
    sherlock = services.create_contact(
        name="Sherlock Holmes", email="sherlock@baker.test", companyid=baker.pk, tags="detective"
    )
    watson = services.create_contact(
        name="Dr John Watson", email="john@baker.test", companyid=baker.pk, tags="Doctor"
    )
    hudson = services.create_contact(name="Martha Hudson", email="martha@landlady.test")
    Contact.objects.filter(pk=hudson.pk).update(lastupdated=timezone.now() - timedelta(days=30))
    return {"baker": baker, "sherlock": sherlock, "watson": watson, "hudson": hudson}


def test_list_envelope_and_total(depot, people):
    body = depot.get("contacts", {"rows": 2}).json()
    assert body["error"] is False and body["total"] == 3
    assert [row["fullname"] for row in body["rows"]] == ["Dr John Watson", "Martha Hudson"]
    body = depot.get("contacts", {"rows": 2, "start": 2}).json()
    assert [row["fullname"] for row in body["rows"]] == ["Sherlock Holmes"]
    assert body["total"] == 3


def test_default_page_is_ten_rows(depot):
    for index in range(11):
        ContactFactory(firstname=f"P{index:02d}")
    body = depot.get("contacts").json()
    assert len(body["rows"]) == 10 and body["total"] == 11


def test_search_by_first_last_or_email_prefix(depot, people):
    assert names(depot, search="sher") == ["Sherlock Holmes"]
    assert names(depot, search="SHERLOCK H") == ["Sherlock Holmes"]
    assert names(depot, search="holm") == ["Sherlock Holmes"]
    assert names(depot, search="john") == ["Dr John Watson"]  # the title is skipped
    assert names(depot, search="watson") == ["Dr John Watson"]
    assert names(depot, search="dr") == []
    assert names(depot, search="dr john") == []
    assert names(depot, search="martha@") == ["Martha Hudson"]
    assert names(depot, search="MARTHA@LANDLADY") == ["Martha Hudson"]
    assert names(depot, search="landlady") == []
    assert names(depot, search="s") == ["Sherlock Holmes"]
    assert names(depot, search="h") == ["Martha Hudson", "Sherlock Holmes"]
    assert depot.get("contacts", {"search": "h", "rows": 1}).json()["total"] == 2


def test_tag_filter(depot, people):
    assert names(depot, tag="Detective") == ["Sherlock Holmes"]
    assert names(depot, tag="doctor") == ["Dr John Watson"]
    assert names(depot, tag="none") == []


def test_company_filter(depot, people):
    assert names(depot, company=people["baker"].pk) == ["Dr John Watson", "Sherlock Holmes"]
    assert names(depot, company=999) == []
    assert names(depot, company="99999999999999999999") == []
    assert depot.get("contacts", {"company": "baker"}).json()["errors"] == [
        "company must be a whole number."
    ]


def test_isincompany_filter(depot, people):
    assert names(depot, isincompany="false") == ["Martha Hudson"]
    assert names(depot, isincompany="0") == ["Martha Hudson"]
    assert names(depot, isincompany="true") == ["Dr John Watson", "Sherlock Holmes"]
    assert names(depot, isincompany="") == ["Dr John Watson", "Martha Hudson", "Sherlock Holmes"]


def test_email_filter_matches_the_whole_address(depot, people):
    assert names(depot, email="JOHN@baker.test") == ["Dr John Watson"]
    assert names(depot, email=" john@baker.test ") == ["Dr John Watson"]
    assert names(depot, email="john@") == []


def test_lastupdated_filter(depot, people):
    since = int((timezone.now() - timedelta(days=1)).timestamp())
    assert names(depot, lastupdated=since) == ["Dr John Watson", "Sherlock Holmes"]


def test_filters_combine(depot, people):
    assert names(depot, search="j", isincompany="true", tag="doctor") == ["Dr John Watson"]
    assert names(depot, search="j", isincompany="false") == []


@pytest.mark.parametrize(
    "params,errors",
    [
        ({"isincompany": "maybe"}, ["isincompany must be true or false."]),
        ({"lastupdated": "last week"}, ["lastupdated must be a whole number."]),
        ({"lastupdated": "-99999999999999"}, ["lastupdated is out of range."]),
        (
            {"order": "salary"},
            [
                "order must be one of: added, company, email, firstname, fullname, id, "
                "lastname, lastupdated, name."
            ],
        ),
        ({"orderasc": "up"}, ["orderasc must be true or false."]),
        ({"hideaddress": "x"}, ["hideaddress must be true or false."]),
        ({"hidecompany": "x"}, ["hidecompany must be true or false."]),
        ({"email": "\x00"}, ["email must not contain NUL characters."]),
        ({"search": "\x00"}, ["search must not contain NUL characters."]),
    ],
)
def test_bad_list_parameters_are_400(depot, people, params, errors):
    response = depot.get("contacts", params)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }


@pytest.mark.parametrize(
    "order,expected",
    [
        ("fullname", ["Dr John Watson", "Martha Hudson", "Sherlock Holmes"]),
        ("name", ["Dr John Watson", "Martha Hudson", "Sherlock Holmes"]),
        ("firstname", ["Dr John Watson", "Martha Hudson", "Sherlock Holmes"]),
        ("lastname", ["Sherlock Holmes", "Martha Hudson", "Dr John Watson"]),
        ("email", ["Dr John Watson", "Martha Hudson", "Sherlock Holmes"]),
        ("id", ["Sherlock Holmes", "Dr John Watson", "Martha Hudson"]),
        ("added", ["Sherlock Holmes", "Dr John Watson", "Martha Hudson"]),
        ("lastupdated", ["Martha Hudson", "Sherlock Holmes", "Dr John Watson"]),
    ],
)
def test_ordering(depot, people, order, expected):
    assert names(depot, order=order) == expected
    assert names(depot, order=order, orderasc="false") == expected[::-1]


def test_ordering_by_company(depot, people):
    other = CompanyFactory(name="Aardvark")
    services.update_contact(people["hudson"], companyid=other.pk)
    assert names(depot, order="company") == ["Martha Hudson", "Dr John Watson", "Sherlock Holmes"]


def test_hide_switches(depot, people):
    pk = people["sherlock"].pk
    default = depot.get(f"contacts/{pk}").json()["rows"][0]
    assert "address" in default and "company" in default
    assert "tags" not in default and "notes" not in default
    hidden = depot.get(f"contacts/{pk}", {"hideaddress": "true", "hidecompany": "1"}).json()[
        "rows"
    ][0]
    assert "address" not in hidden and "company" not in hidden
    shown = depot.get(f"contacts/{pk}", {"hidetags": "false", "hidenotes": "false"}).json()["rows"][
        0
    ]
    assert shown["tags"] == ["detective"] and shown["notes"] == ""
    listed = depot.get("contacts", {"hidecompany": "yes", "hideaddress": "no"}).json()["rows"]
    assert all("company" not in row and "address" in row for row in listed)


# --- writes -----------------------------------------------------------------------


def test_update_parts_and_move_company(depot, people):
    sherlock = people["sherlock"]
    response = depot.patch(
        f"contacts/{sherlock.pk}",
        {"lastname": "Holmes-Vernet", "companyid": "0", "position": "Consultant"},
    )
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": sherlock.pk}
    sherlock.refresh_from_db()
    assert sherlock.fullname == "Sherlock Holmes-Vernet"
    assert sherlock.company is None and sherlock.position == "Consultant"
    assert sherlock.email == "sherlock@baker.test"
    assert names(depot, search="holmes-v") == ["Sherlock Holmes-Vernet"]


def test_update_name_resplits(depot, people):
    watson = people["watson"]
    depot.patch(f"contacts/{watson.pk}", {"name": "John Hamish Watson"})
    watson.refresh_from_db()
    assert (watson.title, watson.firstname, watson.othernames, watson.lastname) == (
        "",
        "John",
        "Hamish",
        "Watson",
    )


def test_update_companyname_and_empty_companyid(depot, people):
    hudson = people["hudson"]
    depot.patch(f"contacts/{hudson.pk}", {"companyname": "baker street"})
    hudson.refresh_from_db()
    assert hudson.company == people["baker"]
    depot.patch(f"contacts/{hudson.pk}", {"companyid": ""})
    hudson.refresh_from_db()
    assert hudson.company is None


def test_update_title_only_rebuilds_the_full_name(depot, people):
    sherlock = people["sherlock"]
    depot.patch(f"contacts/{sherlock.pk}", {"title": "Mr"}, as_json=True)
    sherlock.refresh_from_db()
    assert sherlock.fullname == "Mr Sherlock Holmes"
    assert names(depot, search="sher") == ["Mr Sherlock Holmes"]
    assert names(depot, search="mr") == []


@pytest.mark.parametrize(
    "data,errors",
    [
        ({"name": ""}, ["name is required."]),
        ({"email": "bad"}, ["email bad is not a valid email address."]),
        ({"companyid": "999"}, ["companyid 999 is not a company."]),
    ],
)
def test_update_validation_changes_nothing(depot, people, data, errors):
    sherlock = people["sherlock"]
    response = depot.patch(f"contacts/{sherlock.pk}", data)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    sherlock.refresh_from_db()
    assert sherlock.fullname == "Sherlock Holmes" and sherlock.company == people["baker"]


def test_delete_takes_their_journal_with_them(depot, people, admin_user):
    hudson = people["hudson"]
    ActivityFactory(about=hudson)
    ActivityFactory(about=people["sherlock"])
    response = depot.delete(f"contacts/{hudson.pk}")
    assert response.json() == {"error": False, "id": hudson.pk}
    assert Activity.objects.get().for_id == people["sherlock"].pk
    assert depot.get(f"contacts/{hudson.pk}").status_code == 404


def test_deleting_the_last_person_lets_the_company_go(depot, people):
    baker = people["baker"]
    depot.delete(f"contacts/{people['sherlock'].pk}")
    assert depot.delete(f"companies/{baker.pk}").status_code == 400
    depot.delete(f"contacts/{people['watson'].pk}")
    assert depot.delete(f"companies/{baker.pk}").status_code == 200


def test_unknown_contact_is_404_saying_which_id(depot):
    for response in (
        depot.get("contacts/999"),
        depot.patch("contacts/999", {"name": "x"}),
        depot.delete("contacts/999"),
        depot.post("contacts/999/upload", {}),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No contact with id 999."}


# --- images -----------------------------------------------------------------------


def test_image_upload(depot, people):
    pk = people["sherlock"].pk
    response = depot.client.post(
        f"/api/v1/contacts/{pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("face.png", png_bytes())},
        headers=depot.headers,
    )
    body = response.json()
    assert response.status_code == 200
    assert body["error"] is False and body["finish"] is True
    assert body["upload_name"].startswith("http://testserver/media/contacts/face")
    assert depot.get(f"contacts/{pk}").json()["rows"][0]["image"] == body["upload_name"]


def test_chunked_image_upload(depot, people):
    pk = people["watson"].pk
    content = png_bytes(size=(40, 40))
    headers = {
        **depot.headers,
        "X-File-Id": "7",
        "X-File-Name": "watson.png",
        "X-File-Size": str(len(content)),
        "X-File-Resume": "false",
    }
    url = f"/api/v1/contacts/{pk}/upload.json"
    first = depot.client.post(
        url, content[:30], content_type="application/octet-stream", headers=headers
    )
    assert first.json() == {"error": False, "id": "7", "finish": False}
    last = depot.client.post(
        url, content[30:], content_type="application/octet-stream", headers=headers
    )
    assert last.json()["finish"] is True
    assert depot.get(f"contacts/{pk}").json()["rows"][0]["image"] == last.json()["upload_name"]


def test_non_image_refused(depot, people):
    pk = people["watson"].pk
    response = depot.client.post(
        f"/api/v1/contacts/{pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("notes.txt", b"hello")},
        headers=depot.headers,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "_tbxFile1 must be one of these file types: gif, jpeg, jpg, png, webp."
    ]
    assert depot.get(f"contacts/{pk}").json()["rows"][0]["image"] == ""


# --- who may call -----------------------------------------------------------------


def test_permissions(bearer_for, depot, people, restricted_to):
    from django.test import Client

    assert bearer_for(CollaboratorFactory()).get("contacts").status_code == 401
    restricted = bearer_for(restricted_to("invoices"))
    assert restricted.get("contacts").status_code == 401
    assert restricted.post("contacts", {"name": "x"}).status_code == 401
    assert restricted.delete(f"contacts/{people['hudson'].pk}").status_code == 401
    assert Contact.objects.count() == 3
    assert Client().get("/api/v1/contacts.json").status_code == 403
    assert bearer_for(UserFactory()).get("contacts").json()["total"] == 3


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(depot, django_assert_max_num_queries, count):
    companies = [CompanyFactory() for _ in range(3)]
    for index in range(count):
        ContactFactory(company=companies[index % 3], tags=["t", "u"])
    # credential, last used, the page's ids, its rows with companies, tags (a short
    # page needs no count)
    with django_assert_max_num_queries(5):
        body = depot.get(
            "contacts", {"rows": 100, "hidetags": "false", "hidecompany": "false"}
        ).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert body["rows"][0]["company"]["id"] == companies[0].pk
    assert body["rows"][0]["tags"] == ["t", "u"]
