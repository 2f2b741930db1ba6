"""The Depot `periodic` resource: the row's shape as in the spec's JSON and XML
examples, filters, ordering, pages, writes (and a row sent back as read), errors
naming fields, 404s, permissions by scope and query counts."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import periodicals
from billing.models import Invoice, Periodical
from billing.tests.factories import PeriodicalFactory, TaxCodeFactory
from conftest import as_php_form, credential_client, without_field_detail
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

LINE = {
    "type": "hourly",
    "title": "Line item title",
    "description": "",
    "quantity": 1,
    "unitprice": 50,
    "take": 100,
    "taxcode": "001",
    "markup": 0,
    "category": "-",
}
SECTIONS = [{"title": "Section title", "items": [LINE]}]


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@pytest.fixture(autouse=True)
def vat():
    return TaxCodeFactory(code="001", rate=D("0"))


@pytest.fixture
def bloggs():
    return CompanyFactory(name="Joe Bloggs Inc")


def payload(company, adder, **fields) -> dict:
    return {
        "terms": 14,
        "client": f"C{company.pk}",
        "items": json.dumps(SECTIONS),
        "total": 50,
        "addedby": adder.email,
        **fields,
    }


def ids(api, /, **params) -> list[int]:
    response = api.get("periodic", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["rows"]]


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, bloggs):
    person = ContactFactory(company=bloggs)
    depot = UserFactory(email="hello@depothq.com", name="Depot")
    periodical = periodicals.create_periodical(
        title="Title of Periodic item",
        client=f"C{bloggs.pk}",
        items=SECTIONS,
        total=50,
        terms=14,
        repeat="Y",
        first=date(2014, 2, 1),
        sendemail=True,
        emailto=[person.pk],
        emailmessage="Hello\n\nPlease find attached our invoice.",
        added_by=depot,
    )
    body = admin_api.get("periodic").json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": periodical.pk,
                "title": "Title of Periodic item",
                "terms": {"days": 14},
                "client": {"type": "C", "id": str(bloggs.pk), "name": "Joe Bloggs Inc"},
                "sendemail": True,
                "email": {
                    "to": [str(person.pk)],
                    "bcc": [],
                    "message": "Hello\n\nPlease find attached our invoice.",
                },
                "items": [{"title": "Section title", "items": [LINE]}],
                "discount": 0,
                "total": 50,
                "grandtotal": 50,
                "repeat": "Y",
                "repeatinterval": 1,
                "purchaseorder": None,
                "first": 1391212800,
                "last": None,
                "addedby": [{"email": "hello@depothq.com", "name": "Depot"}],
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"periodic/{periodical.pk}").json() == {
        "error": False,
        "rows": body["rows"],
    }


def test_xml_has_the_spec_shape(admin_api, bloggs):
    periodical = PeriodicalFactory(
        title="Title of Periodic item",
        client_company=bloggs,
        repeat="Y",
        first=date(2014, 2, 1),
        email_to=[14],
    )
    response = admin_api.get(f"periodic/{periodical.pk}", fmt="xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert f"<client><id>{bloggs.pk}</id><name>Joe Bloggs Inc</name><type>C</type></client>" in text
    assert "<email><bcc /><message /><to><item>14</item></to></email>" in text
    assert "<first>1391212800</first><grandtotal>60</grandtotal>" in text
    assert '<last null="true" /><purchaseorder null="true" /><repeat>Y</repeat>' in text
    assert "<terms><days>14</days></terms><title>Title of Periodic item</title>" in text
    assert "<category>-</category><description /><markup>0</markup>" in text
    assert "<sendemail>false</sendemail>" in text


# --- filters, ordering, pages -------------------------------------------------------


def test_filters_by_client_client_name_repeat_and_hasrun(admin_api, bloggs):
    person = ContactFactory(fullname="Sam Solo")
    monthly = PeriodicalFactory(client_company=bloggs, repeat="M")
    weekly = PeriodicalFactory(client_company=None, client_contact=person, repeat="W")
    later = PeriodicalFactory(repeat="Y", first=timezone.localdate() + timedelta(days=30))
    periodicals.invoice_due_periods()  # monthly and weekly start today: each makes one

    assert ids(admin_api, client=f"C{bloggs.pk}") == [monthly.pk]
    assert ids(admin_api, client=f"i{person.pk}") == [weekly.pk]
    assert ids(admin_api, client="C99999999") == []
    assert ids(admin_api, clientname="bloggs") == [monthly.pk]
    assert ids(admin_api, clientname="solo") == [weekly.pk]
    assert ids(admin_api, repeat="W") == [weekly.pk]
    assert ids(admin_api, repeat="m,y") == [later.pk, monthly.pk]
    assert ids(admin_api, hasrun="true") == [weekly.pk, monthly.pk]
    assert ids(admin_api, hasrun="false") == [later.pk]
    assert ids(admin_api, hasrun="true", repeat="M", client=f"C{bloggs.pk}") == [monthly.pk]


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"client": "P5"}, "client must be a company or person code such as C41 or I5, not 'P5'."),
        (
            {"client": "abc"},
            "client must be a company or person code such as C41 or I5, not 'abc'.",
        ),
        (
            {"repeat": "Q"},
            "repeat must be D (day), W (week), M (month) or Y (year), or a comma separated "
            "list of them.",
        ),
        ({"hasrun": "maybe"}, "hasrun must be true or false."),
        ({"order": "colour"}, "order must be one of: added, client, discount, first, "),
        ({"rows": "0"}, "rows must be a whole number between 1 and 1000."),
        ({"start": "-1"}, "start must be a whole number of at least 0."),
    ],
)
def test_bad_parameters_are_400s_that_say_why(admin_api, params, sentence):
    response = admin_api.get("periodic", params)
    assert response.status_code == 400
    body = without_field_detail(response)
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert body["errors"][0].startswith(sentence)


def test_newest_first_by_default_and_any_order_asked_for(admin_api):
    alpha = PeriodicalFactory(title="alpha", total=D("30"), first=date(2025, 3, 1))
    beta = PeriodicalFactory(title="Beta", total=D("10"), first=date(2025, 1, 1))
    gamma = PeriodicalFactory(title="gamma", total=D("20"), first=date(2025, 2, 1))
    assert ids(admin_api) == [gamma.pk, beta.pk, alpha.pk]
    assert ids(admin_api, orderasc="true") == [alpha.pk, beta.pk, gamma.pk]
    assert ids(admin_api, order="title", orderasc="true") == [alpha.pk, beta.pk, gamma.pk]
    assert ids(admin_api, order="title") == [gamma.pk, beta.pk, alpha.pk]
    assert ids(admin_api, order="total", orderasc="1") == [beta.pk, gamma.pk, alpha.pk]
    assert ids(admin_api, order="first", orderasc="true") == [beta.pk, gamma.pk, alpha.pk]


def test_ordering_by_client_name(admin_api):
    zed = PeriodicalFactory(client_company=CompanyFactory(name="zed ltd"))
    able = PeriodicalFactory(client_company=None, client_contact=ContactFactory(fullname="Able"))
    mid = PeriodicalFactory(client_company=CompanyFactory(name="Mid Co"))
    assert ids(admin_api, order="client", orderasc="true") == [able.pk, mid.pk, zed.pk]


def test_pages_and_the_total_of_every_match(admin_api):
    made = [PeriodicalFactory(repeat="D").pk for _ in range(12)]
    newest_first = sorted(made, reverse=True)
    first_page = admin_api.get("periodic").json()
    assert [row["id"] for row in first_page["rows"]] == newest_first[:10]
    assert first_page["total"] == 12
    second = admin_api.get("periodic", {"rows": 5, "start": 10}).json()
    assert [row["id"] for row in second["rows"]] == newest_first[10:]
    assert second["total"] == 12
    beyond = admin_api.get("periodic", {"start": 50}).json()
    assert beyond["rows"] == [] and beyond["total"] == 12
    assert admin_api.get("periodic", {"repeat": "D", "rows": 3}).json()["total"] == 12


@pytest.mark.parametrize("count", [1, 50])
def test_list_query_count_stays_flat(admin_api, django_assert_max_num_queries, count):
    for _ in range(count):
        PeriodicalFactory()
    # the bearer token and its user, the page's ids, its rows, and (a full page) the total
    with django_assert_max_num_queries(5):
        response = admin_api.get("periodic", {"rows": 50, "hasrun": "false", "clientname": "Co"})
    assert len(response.json()["rows"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_one_row_query_count(admin_api, django_assert_max_num_queries, count):
    made = [PeriodicalFactory() for _ in range(count)]
    # the bearer token and its user, the row
    with django_assert_max_num_queries(3):
        response = admin_api.get(f"periodic/{made[-1].pk}", fmt="xml")
    assert response.status_code == 200


# --- writes ---------------------------------------------------------------------


def test_add_a_periodical_as_the_php_kit_sends_it(admin_api, admin_user, bloggs):
    response = admin_api.post(
        "periodic",
        payload(
            bloggs,
            admin_user,
            repeat="M",
            repeatinterval=2,
            title="Hosting",
            first="2026-01-31",
            last=str(epoch(date(2026, 12, 31))),
            purchaseorder="PO-9",
            discount="10",
            total="45",
        ),
    )
    assert response.status_code == 201, response.content
    periodical = Periodical.objects.get(pk=response.json()["id"])
    assert response.json() == {"error": False, "id": periodical.pk}
    assert (periodical.repeat, periodical.repeatinterval) == ("M", 2)
    assert (periodical.first, periodical.last) == (date(2026, 1, 31), date(2026, 12, 31))
    assert (periodical.total, periodical.grandtotal) == (D("45.00"), D("45.00"))
    assert periodical.client == bloggs and periodical.added_by == admin_user
    assert periodical.purchaseorder == "PO-9" and periodical.title == "Hosting"
    assert periodicals.run_dates(periodical, periodical.first, 3) == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
    ]


def test_add_as_json_with_the_items_as_a_value(admin_api, admin_user, bloggs):
    body = payload(bloggs, admin_user, items=SECTIONS, sendemail=True, emailbcc=[admin_user.email])
    response = admin_api.post("periodic", body, as_json=True, fmt="xml")
    assert response.status_code == 201
    assert b"<error>false</error>" in response.content
    periodical = Periodical.objects.get()
    assert periodical.repeat == "Y" and periodical.first == timezone.localdate()
    assert periodical.email_bcc == [admin_user.email]


def test_required_fields_are_named(admin_api):
    response = admin_api.post("periodic", {"title": "Nothing else"})
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == [
        "terms is required.",
        "client is required.",
        "items is required.",
        "total is required.",
        "addedby is required.",
    ]
    assert not Periodical.objects.exists()


def test_validation_errors_name_each_field(admin_api, admin_user, bloggs):
    response = admin_api.post(
        "periodic",
        payload(
            bloggs,
            admin_user,
            client="C99999999",
            items=json.dumps([{"title": "S", "items": [{**LINE, "taxcode": "009"}]}]),
            repeat="Q",
            last="2000-01-01",
            terms=4000,
            colour="blue",
        ),
    )
    assert response.status_code == 400
    errors = without_field_detail(response)["errors"]
    assert errors == [
        "colour is not a field Docket knows here (known: terms, client, items, "
        "total, addedby, repeat, repeatinterval, discount, purchaseorder, title, "
        "first, last, sendemail, emailto, emailbcc, emailmessage)."
    ]
    response = admin_api.post(
        "periodic",
        payload(
            bloggs,
            admin_user,
            client="C99999999",
            items=json.dumps([{"title": "S", "items": [{**LINE, "taxcode": "009"}]}]),
            repeat="Q",
            last="2000-01-01",
        ),
    )
    assert without_field_detail(response)["errors"] == [
        "client C99999999 does not exist.",
        "items: section 1, line 1: tax code '009' does not exist.",
        "repeat must be D (day), W (week), M (month) or Y (year).",
        f"last must be on or after the first date ({timezone.localdate().isoformat()}), "
        "or empty for never.",
    ]
    response = admin_api.post("periodic", payload(bloggs, admin_user, terms=4000, total=49))
    assert without_field_detail(response)["errors"] == ["terms must be at most 3650."]
    response = admin_api.post("periodic", payload(bloggs, admin_user, total=49))
    assert without_field_detail(response)["errors"] == [
        "total does not match the items (expected 50.00)."
    ]
    response = admin_api.post("periodic", payload(bloggs, admin_user, last="2000-01-01"))
    assert response.json()["fields"] == {
        "last": [
            f"last must be on or after the first date ({timezone.localdate().isoformat()}), "
            "or empty for never."
        ]
    }
    assert not Periodical.objects.exists()


def test_a_user_adds_as_themselves(member_api, member, admin_user, bloggs):
    response = member_api.post("periodic", payload(bloggs, admin_user))
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == [
        "addedby must be your own email (member@studio.test): you post as yourself."
    ]
    assert member_api.post("periodic", payload(bloggs, member)).status_code == 201


def test_update_changes_only_what_is_sent(admin_api, bloggs):
    periodical = PeriodicalFactory(client_company=bloggs, title="Retainer", repeat="M")
    response = admin_api.patch(f"periodic/{periodical.pk}", {"repeat": "W", "last": "2030-01-01"})
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": periodical.pk}
    periodical.refresh_from_db()
    assert (periodical.title, periodical.repeat, periodical.last) == (
        "Retainer",
        "W",
        date(2030, 1, 1),
    )
    # Empty text clears `last` (never ends) and the purchase order.
    admin_api.patch(f"periodic/{periodical.pk}", {"last": "", "purchaseorder": ""})
    periodical.refresh_from_db()
    assert periodical.last is None
    # So does the spec's "null for never ending", which a form body sends as the word;
    # a text field keeps the word as its text.
    admin_api.patch(f"periodic/{periodical.pk}", {"last": "2030-01-01"})
    response = admin_api.patch(f"periodic/{periodical.pk}", {"last": "null", "title": "null"})
    assert response.status_code == 200, response.content
    periodical.refresh_from_db()
    assert (periodical.last, periodical.title) == (None, "null")


def test_a_row_sent_back_as_read_changes_nothing(admin_api, admin_user, bloggs):
    person = ContactFactory(company=bloggs)
    periodical = periodicals.create_periodical(
        title="Round trip",
        client=f"C{bloggs.pk}",
        items=SECTIONS,
        total=50,
        terms=21,
        repeat="W",
        repeatinterval=2,
        first=date(2026, 3, 2),
        last=date(2026, 12, 28),
        purchaseorder="PO-1",
        sendemail=True,
        emailto=[person.pk],
        emailbcc=[admin_user.email],
        emailmessage="Thanks",
        added_by=admin_user,
    )
    row = admin_api.get(f"periodic/{periodical.pk}").json()["rows"][0]
    for sent in (as_php_form(row), row):
        response = admin_api.patch(f"periodic/{periodical.pk}", sent, as_json=sent is row)
        assert response.status_code == 200, response.content
        assert admin_api.get(f"periodic/{periodical.pk}").json()["rows"][0] == row


def test_delete_and_404s(admin_api, bloggs):
    periodical = PeriodicalFactory(client_company=bloggs)
    periodicals.invoice_due_periods()
    response = admin_api.delete(f"periodic/{periodical.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": periodical.pk}
    assert not Periodical.objects.exists()
    assert Invoice.objects.get().periodical is None  # the invoice it made stays
    for call in (
        lambda: admin_api.get(f"periodic/{periodical.pk}"),
        lambda: admin_api.patch(f"periodic/{periodical.pk}", {"title": "x"}),
        lambda: admin_api.delete(f"periodic/{periodical.pk}"),
        lambda: admin_api.get("periodic/99999999999999999999", fmt="xml"),
    ):
        assert call().status_code == 404


# --- permissions ------------------------------------------------------------------


def test_the_invoices_area_decides(bloggs, bearer_for, restricted_to, outsider, admin_user):
    periodical = PeriodicalFactory(client_company=bloggs)
    projects_only = bearer_for(restricted_to("projects"))
    assert projects_only.get("periodic").status_code == 401
    assert projects_only.get(f"periodic/{periodical.pk}").status_code == 401
    assert projects_only.delete(f"periodic/{periodical.pk}").status_code == 401
    invoicer = restricted_to("invoices", email="ina@studio.test")
    assert bearer_for(invoicer).get("periodic").status_code == 200
    assert outsider.get("periodic").status_code == 403

    reader = credential_client(["invoices:read"])
    assert reader.get("periodic").status_code == 200
    refused = reader.patch(f"periodic/{periodical.pk}", {"title": "Changed"})
    assert refused.status_code == 401
    assert refused.json()["msg"] == "These credentials do not have the invoices:write scope."
    # A credential names any user as the adder when it may read users.
    writer = credential_client(["invoices:write", "users:read"])
    response = writer.post("periodic", payload(bloggs, admin_user))
    assert response.status_code == 201, response.content
    assert Periodical.objects.get(pk=response.json()["id"]).added_by == admin_user


def test_collaborators_are_refused(collaborator_api, bloggs):
    PeriodicalFactory(client_company=bloggs)
    assert collaborator_api.get("periodic").status_code == 401


def test_the_journal_names_a_periodical_as_r(admin_api, admin_user, bearer_for, restricted_to):
    periodical = PeriodicalFactory(title="Hosting retainer")
    response = admin_api.post(
        "activity",
        {
            "title": "Agreed the new price",
            "type": "C",
            "addedby": admin_user.email,
            "for": f"R{periodical.pk}",
        },
    )
    assert response.status_code == 201, response.content
    rows = admin_api.get("activity", {"for": f"R{periodical.pk}"}).json()["rows"]
    assert [row["title"] for row in rows] == ["Agreed the new price"]
    assert rows[0]["for"]["name"] == "Hosting retainer"
    # Entries about recurring invoices are the invoices area's.
    contacts_only = bearer_for(restricted_to("contacts"))
    assert contacts_only.get("activity").json()["rows"] == []
