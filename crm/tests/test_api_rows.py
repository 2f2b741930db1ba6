"""Company and contact rows with every key filled, byte for byte (the rows are built
from `values_list()` by config.api.rows; these pin what the model-instance rows
answered), and the list's `total` counted only when the page can't tell it."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.api import rows
from config.api.rows import EpochSeconds
from crm import services
from crm.models import Company, Contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

MOMENT = datetime(2014, 2, 11, 0, 1, 18, 250000, tzinfo=UTC)


@pytest.fixture
def filled():
    company = services.create_company(
        name="Ünïcode & Söns <Ltd>",
        website="example.com",
        telephone="028 9000 0000",
        is_supplier=True,
        is_customer=False,
        notes="Café notes",
        tags="zeta,Alpha,beta",
        customfields=[{"title": "Account manager", "value": "Zoë"}, {"title": "2nd", "value": "x"}],
        creditlimit=Decimal("1234.50"),
        accountsdata={"n": 5, "xero": "abc-123"},
        line1="1 Main St",
        city="Belfast",
        country="UK",
        postcode="BT1 1AA",
    )
    contact = services.create_contact(
        name="Dr Zoë Ann Smith",
        email="zoe@example.com",
        companyid=company.pk,
        position="Boss",
        telephone="1",
        tags="b,A",
        notes="Person notes",
        customfields=[{"k": "v"}],
        creditlimit=Decimal("250"),
        accountsdata={"q": [1, 2.5, None, True]},
        line1="x",
        line2="y",
        district="z",
    )
    loner = services.create_contact(name="Loner", email="l@example.com")
    for model, obj, image in (
        (Company, company, "companies/logo é.png"),
        (Contact, contact, "contacts/face.png"),
        (Contact, loner, ""),
    ):
        model.objects.filter(pk=obj.pk).update(
            added=MOMENT, lastupdated=MOMENT, image=image, address_id="4f0c0021c7405"
        )
    return company, contact, loner


def as_depot_bytes(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def contact_json(contact, company) -> dict:
    return {
        "id": contact.pk,
        "title": "Dr",
        "firstname": "Zoë",
        "lastname": "Smith",
        "othernames": "Ann",
        "fullname": "Dr Zoë Ann Smith",
        "email": "zoe@example.com",
        "telephone": "1",
        "added": 1392076878,
        "image": "http://testserver/media/contacts/face.png",
        "lastupdated": "1392076878",
        "accountsdata": {"q": [1, 2.5, None, True]},
        "customfields": [{"k": "v"}],
        "creditlimit": 250,
        "tags": ["A", "b"],
        "company": {"id": company.pk, "name": "Ünïcode & Söns <Ltd>", "position": "Boss"},
        "address": {
            "id": "4f0c0021c7405",
            "line1": "x",
            "line2": "y",
            "line3": "",
            "city": "",
            "district": "z",
            "country": "",
            "postcode": "",
        },
        "notes": "Person notes",
    }


def test_a_contact_with_every_key(depot, filled):
    company, contact, _ = filled
    shown = {"hidetags": "0", "hidenotes": "0"}
    row = contact_json(contact, company)
    item = depot.get(f"contacts/{contact.pk}", shown)
    assert item.content == as_depot_bytes({"error": False, "rows": [row]})
    listed = depot.get("contacts", {**shown, "search": "zo"})
    assert listed.content == as_depot_bytes({"error": False, "rows": [row], "total": 1})


def test_hidden_keys_and_no_company(depot, filled):
    company, contact, loner = filled
    body = depot.get("contacts", {"hideaddress": "1", "hidecompany": "1"}).content
    loner_row = {
        "id": loner.pk,
        "title": "",
        "firstname": "Loner",
        "lastname": "",
        "othernames": "",
        "fullname": "Loner",
        "email": "l@example.com",
        "telephone": "",
        "added": 1392076878,
        "image": "",
        "lastupdated": "1392076878",
        "accountsdata": {},
        "customfields": [],
        "creditlimit": None,
    }
    full = contact_json(contact, company)
    for name in ("tags", "company", "address", "notes"):
        del full[name]
    assert body == as_depot_bytes({"error": False, "rows": [loner_row, full], "total": 2})
    row = depot.get(f"contacts/{loner.pk}").json()["rows"][0]
    assert "company" not in row and row["address"]["id"] == "4f0c0021c7405"


def test_a_company_with_every_key(depot, filled):
    company, _, _ = filled
    shown = {"hidetags": "0", "hidenotes": "0"}
    row = {
        "id": company.pk,
        "name": "Ünïcode & Söns <Ltd>",
        "website": "https://example.com",
        "telephone": "028 9000 0000",
        "added": 1392076878,
        "image": "http://testserver/media/companies/logo%20%C3%A9.png",
        "lastupdated": "1392076878",
        "accountsdata": {"n": 5, "xero": "abc-123"},
        "customfields": [{"Account manager": "Zoë"}, {"2nd": "x"}],
        "creditlimit": 1234.5,
        "supplier": 1,
        "customer": 0,
        "address": {
            "id": "4f0c0021c7405",
            "line1": "1 Main St",
            "line2": "",
            "line3": "",
            "city": "Belfast",
            "district": "",
            "country": "UK",
            "postcode": "BT1 1AA",
        },
        "tags": ["Alpha", "beta", "zeta"],
        "notes": "Café notes",
    }
    item = depot.get(f"companies/{company.pk}", shown)
    assert item.content == as_depot_bytes({"error": False, "rows": [row]})
    listed = depot.get("companies", shown)
    assert listed.content == as_depot_bytes({"error": False, "rows": [row], "total": 1})
    assert depot.get(f"companies/{company.pk}", shown, fmt="xml").content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<response>\n"
        "   <error>false</error>\n"
        "   <rows>\n"
        "      <item>\n"
        "         <accountsdata>\n"
        "            <n>5</n>\n"
        "            <xero>abc-123</xero>\n"
        "         </accountsdata>\n"
        "         <added>1392076878</added>\n"
        "         <address>\n"
        "            <city>Belfast</city>\n"
        "            <country>UK</country>\n"
        "            <district />\n"
        "            <id>4f0c0021c7405</id>\n"
        "            <line1>1 Main St</line1>\n"
        "            <line2 />\n"
        "            <line3 />\n"
        "            <postcode>BT1 1AA</postcode>\n"
        "         </address>\n"
        "         <creditlimit>1234.5</creditlimit>\n"
        "         <customer>0</customer>\n"
        "         <customfields>\n"
        "            <item>\n"
        '               <Account_manager key="Account manager">Zoë</Account_manager>\n'
        "            </item>\n"
        "            <item>\n"
        '               <_2nd key="2nd">x</_2nd>\n'
        "            </item>\n"
        "         </customfields>\n"
        f"         <id>{company.pk}</id>\n"
        "         <image>http://testserver/media/companies/logo%20%C3%A9.png</image>\n"
        "         <lastupdated>1392076878</lastupdated>\n"
        "         <name>Ünïcode &amp; Söns &lt;Ltd&gt;</name>\n"
        "         <notes>Café notes</notes>\n"
        "         <supplier>1</supplier>\n"
        "         <tags>\n"
        "            <item>Alpha</item>\n"
        "            <item>beta</item>\n"
        "            <item>zeta</item>\n"
        "         </tags>\n"
        "         <telephone>028 9000 0000</telephone>\n"
        "         <website>https://example.com</website>\n"
        "      </item>\n"
        "   </rows>\n"
        "</response>\n"
    )


def _counted(captured) -> bool:
    """A statement of its own for the total (a COUNT, or the kept number read alone);
    the page of a whole table reads its kept number in the rows' own query."""
    return any(
        "COUNT(" in sql and '"FIRSTNAME"' not in sql
        for sql in (query["sql"].upper() for query in captured.captured_queries)
    )


@pytest.mark.parametrize(
    ("params", "total", "counts"),
    [
        ({}, 3, False),  # a short first page is the whole list
        ({"rows": "2"}, 3, False),  # a full page of the whole table: read with its rows
        ({"rows": "3", "isincompany": "false"}, 2, False),  # a filtered page that is short
        ({"rows": "2", "isincompany": "false"}, 2, True),  # filtered and full: counted
        ({"rows": "2", "start": "2"}, 3, False),  # short, and not empty: ends here
        ({"rows": "2", "start": "3"}, 3, True),  # empty past the first page: count
        ({"rows": "2", "start": "9"}, 3, True),
        ({"search": "nobody"}, 0, False),
    ],
)
def test_total_is_counted_only_when_the_page_cannot_tell(depot, filled, params, total, counts):
    services.create_contact(name="Third Person")
    with CaptureQueriesContext(connection) as captured:
        body = depot.get("contacts", params).json()
    assert body["total"] == total
    assert _counted(captured) is counts


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2014, 2, 11, 0, 1, 18, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 58, tzinfo=UTC),
        datetime(1901, 6, 1, 12, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_epoch_seconds_truncate_as_python_does(moment):
    company = services.create_company(name="Then")
    Company.objects.filter(pk=company.pk).update(added=moment)
    seconds = Company.objects.filter(pk=company.pk).values_list(EpochSeconds("added"), flat=True)
    assert seconds.get() == int(moment.timestamp())


def test_past_the_first_pages_the_ids_are_paged_alone_before_the_rows(depot, monkeypatch):
    """A page of a whole table is one query that reads every row it skips in full,
    joins included: past KEPT_PAGE_MAX_SKIP rows the ids are paged first, along the
    order's index, and only the page's rows read whole."""
    monkeypatch.setattr(rows, "KEPT_PAGE_MAX_SKIP", 2)
    for name in ("Ada Byron", "Bea Cole", "Cy Dunn", "Di Eade", "Ed Fox"):
        services.create_contact(name=name)

    def page(start):
        with CaptureQueriesContext(connection) as captured:
            body = depot.get("contacts", {"rows": 2, "start": start}).json()
        selects = [q["sql"] for q in captured.captured_queries if "crm_contact" in q["sql"]]
        return [row["fullname"] for row in body["rows"]], body["total"], selects

    names, total, selects = page(2)
    assert (names, total) == (["Cy Dunn", "Di Eade"], 5)
    assert len(selects) == 1 and "OFFSET" in selects[0] and '"firstname"' in selects[0]
    names, total, selects = page(3)
    assert (names, total) == (["Di Eade", "Ed Fox"], 5)
    paged = [sql for sql in selects if "OFFSET" in sql]
    assert len(paged) == 1 and '"firstname"' not in paged[0]
    assert any(" IN (" in sql and '"firstname"' in sql for sql in selects)
