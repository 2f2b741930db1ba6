"""The Depot `creditnotes` resource: the row's shape as in the spec's JSON and XML
examples, every filter, ordering, pages, writes with their refusals, 404s,
permissions and query counts."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing.models import CreditNote, TaxCode
from billing.tests.documents import (
    credit_note,
    draft_invoice,
    issued_invoice,
    lines,
    standard_vat,
)
from conftest import as_php_form, credential_client
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.tests.factories import JobFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

SPEC_DATE = datetime.fromtimestamp(1391680975, tz=UTC)
VOID_LINES = [
    {
        "title": "Void of invoice",
        "items": [{"type": "fixed", "title": "Fixed charge", "unitprice": 50, "taxcode": "002"}],
    }
]


@pytest.fixture(autouse=True)
def vat():
    return standard_vat()


@pytest.fixture
def invoice(admin_user):
    return issued_invoice(added_by=admin_user, client=CompanyFactory(name="Joe Bloggs"))


def ids(api, **params) -> list[int]:
    response = api.get("creditnotes", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["rows"]]


def refused(response, field: str | None) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    if field is None:
        assert "fields" not in body, body
        return body["errors"][0]
    assert list(body["fields"]) == [field], body
    return body["fields"][field][0]


def create_payload(invoice, **fields) -> dict:
    return {
        "invoiceid": str(invoice.pk),
        "items": json.dumps(lines(50)),
        "total": "50",
        "addedby": "admin@studio.test",
        **fields,
    }


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user):
    TaxCode.objects.create(code="002", name="Zero", rate=0)
    acme = CompanyFactory(name="Joe Bloggs")
    person = ContactFactory()
    account = AccountSettings.load()
    account.nextinvoiceid, account.nextcreditid = 102, 101
    account.save()
    invoice = issued_invoice(added_by=admin_user, client=acme)
    note = credit_note(
        invoice,
        items=VOID_LINES,
        date=SPEC_DATE,
        sendemail=True,
        emailto=[person.pk],
        emailmessage="Hello\n\nPlease find attached a credit note against invoice 102.",
    )
    expected = {
        "id": note.pk,
        "ready": True,
        "issued": True,
        "reference": "101",
        "invoiceid": str(invoice.pk),
        "invoicereference": "102",
        "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs", "accountsdata": {}},
        "sendemail": True,
        "email": {
            "to": [str(person.pk)],
            "bcc": [],
            "message": "Hello\n\nPlease find attached a credit note against invoice 102.",
        },
        "for": None,
        "items": [
            {
                "title": "Void of invoice",
                "items": [
                    {
                        "type": "fixed",
                        "title": "Fixed charge",
                        "description": "",
                        "quantity": 1,
                        "unitprice": 50,
                        "take": 100,
                        "taxcode": "002",
                        "markup": 0,
                        "category": "-",
                    }
                ],
            }
        ],
        # Not in the spec's example: the percentage the lines came off at (Docket's).
        "discount": 0,
        "total": 50,
        "tax": 0,
        "grandtotal": 50,
        "date": 1391680975,
        "pdf": None,
        "addedby": [{"email": "admin@studio.test", "name": "Alex Admin"}],
    }
    body = admin_api.get("creditnotes").json()
    assert body == {"error": False, "rows": [expected], "total": 1}
    assert list(body["rows"][0]) == list(expected)
    assert admin_api.get(f"creditnotes/{note.pk}").json() == {"error": False, "rows": [expected]}
    text = re.sub(r">\s+<", "><", admin_api.get("creditnotes", fmt="xml").content.decode())
    assert (
        "<addedby><item><email>admin@studio.test</email><name>Alex Admin</name></item></addedby>"
        f"<client><accountsdata /><id>{acme.pk}</id><name>Joe Bloggs</name><type>C</type>"
        "</client><date>1391680975</date><discount>0</discount><email><bcc /><message>Hello" in text
    )
    assert (
        f'<for null="true" /><grandtotal>50</grandtotal><id>{note.pk}</id>'
        f"<invoiceid>{invoice.pk}</invoiceid><invoicereference>102</invoicereference>"
        "<issued>true</issued><items><item><items><item><category>-</category>" in text
    )
    assert (
        '<pdf null="true" /><ready>true</ready><reference>101</reference>'
        "<sendemail>true</sendemail><tax>0</tax><total>50</total></item></rows>"
        "<total>1</total></response>" in text
    )


def test_for_is_the_invoices_work_and_a_draft_has_no_reference(admin_api):
    job = JobFactory(title="Homepage")
    invoice = issued_invoice(for_code=f"J{job.pk}")
    note = credit_note(invoice, 10, issue=False)
    row = admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0]
    assert row["for"] == {"type": "J", "id": str(job.pk), "name": "Homepage"}
    assert (row["issued"], row["ready"], row["reference"]) == (False, False, None)


def test_issue_history_on_request(admin_api, admin_user, invoice):
    note = credit_note(invoice, 10)
    event = note.events.get()
    assert "issuehistory" not in admin_api.get("creditnotes").json()["rows"][0]
    for response in (
        admin_api.get("creditnotes", {"issuehistory": "true"}),
        admin_api.get(f"creditnotes/{note.pk}", {"issuehistory": "true"}),
    ):
        assert response.json()["rows"][0]["issuehistory"] == [
            {
                "date": int(event.at.timestamp()),
                "reference": "1",
                "type": "issued",
                "by": {"email": "admin@studio.test", "name": "Alex Admin"},
            }
        ]
    draft = credit_note(invoice, 10, issue=False)
    row = admin_api.get(f"creditnotes/{draft.pk}", {"issuehistory": "1"}).json()["rows"][0]
    assert row["issuehistory"] == []


# --- filters, ordering and pages --------------------------------------------------


def test_client_clientname_for_and_invoiceid(admin_api):
    person = ContactFactory(fullname="Sam Bloggs")
    job = JobFactory()
    for_person = credit_note(issued_invoice(client=person), 1).pk
    bloggs_invoice = issued_invoice(client=CompanyFactory(name="Joe Bloggs"))
    for_bloggs = credit_note(bloggs_invoice, 1).pk
    for_job = credit_note(issued_invoice(for_code=f"J{job.pk}"), 1).pk
    assert ids(admin_api, client=f"I{person.pk}") == [for_person]
    assert ids(admin_api, client=f"C{bloggs_invoice.client_company_id}") == [for_bloggs]
    assert ids(admin_api, clientname="bloggs") == [for_person, for_bloggs]
    assert ids(admin_api, **{"for": f"J{job.pk}"}) == [for_job]
    assert ids(admin_api, **{"for": f"P{job.project_id}"}) == [for_job]
    assert ids(admin_api, invoiceid=bloggs_invoice.pk) == [for_bloggs]
    assert ids(admin_api, invoiceid="99999999999999999999") == []


def test_reference_issued_from_and_to(admin_api, invoice):
    days = [datetime(2024, 1, day, 12, tzinfo=UTC) for day in (1, 10, 20)]
    made = [credit_note(invoice, 1, date=day).pk for day in days]
    draft = credit_note(invoice, 1, issue=False, date=days[0]).pk
    assert ids(admin_api, reference="2") == [made[1]]
    assert ids(admin_api, issued="true") == made
    assert ids(admin_api, issued="false") == [draft]
    epoch = int(days[1].timestamp())
    assert ids(admin_api, **{"from": epoch}) == [made[1], made[2]]
    assert ids(admin_api, to=epoch) == [made[0], made[1], draft]
    assert ids(admin_api, **{"from": epoch, "to": epoch}) == [made[1]]


def test_default_order_is_the_reference_then_drafts(admin_api, invoice):
    account = AccountSettings.load()
    account.nextcreditid = 9
    account.save()
    now = timezone.now()
    draft = credit_note(invoice, 1, issue=False, date=now - timedelta(days=5)).pk
    nine = credit_note(invoice, 1, date=now - timedelta(days=1)).pk
    ten = credit_note(invoice, 1, date=now - timedelta(days=2)).pk
    assert ids(admin_api) == [nine, ten, draft]
    assert ids(admin_api, orderasc="false") == [draft, ten, nine]
    assert ids(admin_api, order="date") == [draft, ten, nine]
    assert ids(admin_api, order="date", orderasc="false") == [nine, ten, draft]
    assert ids(admin_api, order="id") == sorted([draft, nine, ten])
    body = admin_api.get("creditnotes", {"rows": 1, "start": 1}).json()
    assert [row["id"] for row in body["rows"]] == [ten] and body["total"] == 3


@pytest.mark.parametrize(
    "params, field",
    [
        ({"client": "J1"}, "client"),
        ({"for": "I1"}, "for"),
        ({"issued": "maybe"}, "issued"),
        ({"invoiceid": "abc"}, "invoiceid"),
        ({"from": "soon"}, "from"),
        ({"to": "later"}, "to"),
        ({"issuehistory": "x"}, "issuehistory"),
        ({"order": "colour"}, "order"),
        ({"rows": "1001x"}, "rows"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(admin_api, params, field):
    assert refused(admin_api.get("creditnotes", params), field).startswith(field)


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_and_credits_the_invoice(admin_api, admin_user, invoice):
    person = ContactFactory()
    response = admin_api.post(
        "creditnotes",
        create_payload(
            invoice,
            date="1391680975",
            sendemail="1",
            emailto=str(person.pk),
            emailmessage="Sorry",
            ready="true",
        ),
    )
    assert response.status_code == 201, response.content
    note = CreditNote.objects.get()
    assert response.json() == {"error": False, "id": note.pk}
    assert (note.invoice, note.total, note.grandtotal, note.added_by) == (
        invoice,
        50,
        60,
        admin_user,
    )
    assert note.issued and note.reference == "1" and note.email_to == [person.pk]
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert row["balance"] == 240


def test_create_in_json_and_xml(admin_api, invoice):
    payload = {**create_payload(invoice), "items": lines(50), "total": 50, "invoiceid": invoice.pk}
    assert admin_api.post("creditnotes", payload, as_json=True).status_code == 201
    response = admin_api.post("creditnotes", create_payload(invoice), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{CreditNote.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_required_fields_are_named(admin_api):
    response = admin_api.post("creditnotes", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"invoiceid", "items", "total", "addedby"}


def test_a_total_that_does_not_match_says_what_was_expected(admin_api, invoice):
    response = admin_api.post("creditnotes", create_payload(invoice, total="49"))
    assert refused(response, "total") == "total does not match the items (expected 50.00)."
    assert not CreditNote.objects.exists()


def test_a_bad_line_is_a_400_naming_the_line(admin_api, invoice):
    items = lines(50) + [{"title": "More", "items": [{"title": "x", "unitprice": 1, "take": 101}]}]
    response = admin_api.post(
        "creditnotes", create_payload(invoice, items=json.dumps(items), total="51")
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "items: section 2, line 1: taxcode is required.",
        "items: section 2, line 1: take must be a number from 0 to 100.",
    ]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"invoiceid": "99999"}, "invoiceid"),
        ({"invoiceid": "abc"}, "invoiceid"),
        ({"items": "[1]"}, "items"),
        ({"total": "fifty"}, "total"),
        ({"date": "someday"}, "date"),
        ({"ready": "perhaps"}, "ready"),
        ({"emailto": "99999"}, "emailto"),
        ({"addedby": "not-an-email"}, "addedby"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, invoice, fields, field):
    response = admin_api.post("creditnotes", create_payload(invoice, **fields))
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json()["errors"])
    assert not CreditNote.objects.exists()


def test_a_draft_invoice_is_not_credited(admin_api):
    draft = draft_invoice()
    response = admin_api.post("creditnotes", create_payload(draft))
    assert refused(response, "invoiceid") == (
        "invoiceid must be an issued invoice: a draft is changed, not credited."
    )


def test_never_more_than_is_left_to_credit(admin_api, invoice):
    credit_note(invoice, 200)  # 240 of 300 with tax
    response = admin_api.post(
        "creditnotes", create_payload(invoice, items=json.dumps(lines(60)), total="60")
    )
    assert refused(response, "total") == (
        "total is more than is left to credit on invoice 1 (60.00 with tax)."
    )


def test_a_discount_takes_the_lines_off_as_the_invoice_sold_them(admin_api, admin_user):
    """The invoice charged 100 at 10 % off (90 + 18 tax = 108): its line credited at
    that discount gives back the 108 it charged, and `total` is after the discount, as
    an invoice's is."""
    invoice = issued_invoice(added_by=admin_user, items=lines(100), total="90", discount="10")
    assert invoice.grandtotal == 108
    sold = json.dumps(lines(100))
    response = admin_api.post(
        "creditnotes", create_payload(invoice, items=sold, total="100", discount="10")
    )
    assert refused(response, "total") == "total does not match the items (expected 90.00)."
    response = admin_api.post(
        "creditnotes",
        create_payload(invoice, items=sold, total="90", discount="10", ready="true"),
    )
    assert response.status_code == 201, response.content
    row = admin_api.get(f"creditnotes/{response.json()['id']}").json()["rows"][0]
    assert (row["discount"], row["total"], row["tax"], row["grandtotal"]) == (10, 90, 18, 108)
    assert admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]["balance"] == 0
    # Without one the lines are credited at their full price, as before.
    response = admin_api.post("creditnotes", create_payload(invoice, total="50"))
    assert refused(response, "total") == (
        "total is more than is left to credit on invoice 1 (0.00 with tax)."
    )


@pytest.mark.parametrize("discount", ["-1", "100.01", "ten"])
def test_a_bad_discount_is_a_400_naming_it(admin_api, invoice, discount):
    response = admin_api.post("creditnotes", create_payload(invoice, discount=discount))
    assert response.status_code == 400, response.content
    assert "discount" in response.json()["fields"]
    assert not CreditNote.objects.exists()


def test_an_issued_credit_notes_discount_is_kept(admin_api, invoice):
    note = credit_note(invoice, 10)
    response = admin_api.patch(f"creditnotes/{note.pk}", {"discount": "5"})
    assert refused(response, "discount") == "discount can't be changed on an issued credit note."
    # Sent back as it is, it is no change.
    assert admin_api.patch(f"creditnotes/{note.pk}", {"discount": "0"}).status_code == 200


def test_update_a_draft_and_items_need_their_total(admin_api, invoice):
    note = credit_note(invoice, 10, issue=False)
    response = admin_api.patch(
        f"creditnotes/{note.pk}", {"items": json.dumps(lines(20)), "total": "20"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"error": False, "id": note.pk}
    note.refresh_from_db()
    assert (note.total, note.grandtotal) == (20, 24)
    response = admin_api.patch(f"creditnotes/{note.pk}", {"items": json.dumps(lines(30))})
    assert refused(response, "total").startswith("total is required with items")


def test_an_issued_credit_note_is_kept(admin_api, invoice):
    note = credit_note(invoice, 10)
    response = admin_api.patch(
        f"creditnotes/{note.pk}", {"items": json.dumps(lines(20)), "total": "20"}
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"items", "total"}
    response = admin_api.delete(f"creditnotes/{note.pk}")
    assert refused(response, None) == "Credit note 1 is issued and can't be deleted."
    assert admin_api.patch(f"creditnotes/{note.pk}", {"emailmessage": "Hi"}).status_code == 200


def test_delete_a_draft(admin_api, invoice):
    note = credit_note(invoice, 10, issue=False)
    response = admin_api.delete(f"creditnotes/{note.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": note.pk}
    assert not CreditNote.objects.exists()


def test_what_a_get_returns_can_be_sent_back(admin_api, invoice):
    note = credit_note(invoice, 10, issue=False, emailto=[ContactFactory().pk], sendemail=True)
    row = admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0]
    response = admin_api.patch(f"creditnotes/{note.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    assert admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0] == row
    response = admin_api.patch(f"creditnotes/{note.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0] == row


def test_an_issued_credit_note_read_can_be_sent_back(admin_api, invoice):
    note = credit_note(invoice, 10)
    row = admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0]
    sent = {**row, "email": {**row["email"], "message": "Sorry"}}
    response = admin_api.patch(f"creditnotes/{note.pk}", as_php_form(sent))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"creditnotes/{note.pk}").json()["rows"][0] == sent


def test_an_unknown_credit_note_is_404_saying_which_id(admin_api):
    for response in (
        admin_api.get("creditnotes/99999"),
        admin_api.patch("creditnotes/99999", {"emailmessage": "x"}),
        admin_api.delete("creditnotes/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No credit note with id 99999."}
    assert admin_api.get("creditnotes/99999999999999999999").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_invoices_scopes(invoice):
    note = credit_note(invoice, 10, issue=False)
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["invoices:read"])
    assert reader.get("creditnotes").status_code == 200
    assert reader.get(f"creditnotes/{note.pk}").status_code == 200
    payload = create_payload(invoice, addedby=author.email)
    assert reader.post("creditnotes", payload).status_code == 401
    assert reader.patch(f"creditnotes/{note.pk}", {"emailmessage": "x"}).status_code == 401
    assert reader.delete(f"creditnotes/{note.pk}").status_code == 401
    assert credential_client(["contacts:write"]).get("creditnotes").status_code == 401
    writer = credential_client(["invoices:write", "users:read"])
    assert writer.post("creditnotes", payload).status_code == 201


def test_users_need_the_invoices_area(restricted_api, collaborator_api, invoice):
    note = credit_note(invoice, 10, issue=False)
    for client in (restricted_api, collaborator_api):
        assert client.get("creditnotes").status_code == 401
        assert client.get(f"creditnotes/{note.pk}").status_code == 401
        assert client.post("creditnotes", create_payload(invoice)).status_code == 401
        assert client.delete(f"creditnotes/{note.pk}").status_code == 401
    assert CreditNote.objects.filter(pk=note.pk).exists()


def test_no_credentials_get_403(outsider):
    assert outsider.get("creditnotes").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    job = JobFactory()
    for index in range(count):
        client = {"client": ContactFactory()} if index % 2 else {"for_code": f"J{job.pk}"}
        credit_note(issued_invoice(**client), 1)
    # token, its last use, the page's ids, its rows, the issue history (ids, rows)
    with django_assert_max_num_queries(6):
        body = admin_api.get("creditnotes", {"rows": 100, "issuehistory": "true"}).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(len(row["issuehistory"]) == 1 for row in body["rows"])
