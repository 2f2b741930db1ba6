"""The Depot `invoices` resource: the row's shape as in the spec's JSON and XML
examples (and the grouped shape), every filter, ordering, pages, writes with their
refusals (bad lines named, the total checked, issued invoices kept), 404s,
permissions and query counts."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import Invoice, LedgerCategory
from billing.tests.documents import (
    SPEC_ITEMS,
    credit_note,
    draft_invoice,
    issued_invoice,
    lines,
    payment,
    standard_vat,
)
from conftest import as_php_form, credential_client
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.tests.factories import JobFactory, ProjectFactory

# The rate limit has tests of its own; here it would only add statements to the counts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

SPEC_DATE = datetime.fromtimestamp(1392076851, tz=UTC)


@pytest.fixture(autouse=True)
def vat():
    return standard_vat()


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


def ids(api, **params) -> list[int]:
    response = api.get("invoices", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["rows"]]


def refused(response, field: str) -> str:
    """The one sentence of a 400 about `field`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert list(body["fields"]) == [field], body
    return body["fields"][field][0]


def create_payload(**fields) -> dict:
    return {
        "items": json.dumps(SPEC_ITEMS),
        "total": "250",
        "addedby": "admin@studio.test",
        **fields,
    }


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme):
    person = ContactFactory()
    account = AccountSettings.load()
    account.nextinvoiceid = 171
    account.save()
    invoice = issued_invoice(
        added_by=admin_user,
        client=acme,
        date=SPEC_DATE,
        terms=14,
        sendemail=True,
        emailto=[person.pk],
        emailmessage="Hello\r\n\r\nPlease find an invoice attached.",
    )
    expected = {
        "id": invoice.pk,
        "issued": True,
        "ready": True,
        "reference": "171",
        "purchaseorder": "",
        "terms": {"timestamp": 1392076851 + 14 * 86400, "days": 14},
        "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc", "accountsdata": {}},
        "sendemail": True,
        "email": {
            "to": [str(person.pk)],
            "bcc": [],
            "message": "Hello\r\n\r\nPlease find an invoice attached.",
        },
        "for": [],
        "items": [
            {
                "title": "Section 1",
                "items": [
                    {
                        "type": "hourly",
                        "title": title,
                        "description": "",
                        "quantity": 1,
                        "unitprice": price,
                        "take": 100,
                        "taxcode": "001",
                        "markup": 0,
                        "category": "-",
                    }
                    for title, price in (("Item 1", 100), ("Item 2", 150))
                ],
            }
        ],
        "discount": 0,
        "total": 250,
        "tax": 50,
        "grandtotal": 300,
        "date": 1392076851,
        "pdf": None,
        "amountpaid": 0,
        "paid": False,
        "addedby": {"email": "admin@studio.test", "name": "Alex Admin"},
        "balance": 300,
    }
    body = admin_api.get("invoices").json()
    assert body == {"error": False, "rows": [expected], "total": 1}
    assert list(body["rows"][0]) == list(expected)  # the spec's order
    assert admin_api.get(f"invoices/{invoice.pk}").json() == {"error": False, "rows": [expected]}


def test_a_person_a_project_or_a_job_and_a_draft(admin_api, admin_user):
    person = ContactFactory(fullname="Sam Solo", accountsdata={"xero": "X-1"})
    job = JobFactory(title="Homepage")
    project = ProjectFactory(title="Rebrand")
    for_person = draft_invoice(added_by=admin_user, client=person)
    for_job = draft_invoice(added_by=admin_user, for_code=f"J{job.pk}")
    for_project = draft_invoice(added_by=admin_user, for_code=f"P{project.pk}")
    row = admin_api.get(f"invoices/{for_person.pk}").json()["rows"][0]
    assert row["client"] == {
        "type": "I",
        "id": str(person.pk),
        "name": "Sam Solo",
        "accountsdata": {"xero": "X-1"},
    }
    assert (row["issued"], row["ready"], row["reference"]) == (False, False, None)
    row = admin_api.get(f"invoices/{for_job.pk}").json()["rows"][0]
    assert row["for"] == {"type": "J", "id": str(job.pk), "name": "Homepage"}
    assert row["client"]["id"] == str(job.project.client_company_id)
    row = admin_api.get(f"invoices/{for_project.pk}").json()["rows"][0]
    assert row["for"] == {"type": "P", "id": str(project.pk), "name": "Rebrand"}


def test_xml_has_the_spec_shape(admin_api, admin_user, acme):
    invoice = issued_invoice(added_by=admin_user, client=acme, date=SPEC_DATE, terms=14)
    response = admin_api.get("invoices", fmt="xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert (
        "<addedby><email>admin@studio.test</email><name>Alex Admin</name></addedby>"
        "<amountpaid>0</amountpaid><balance>300</balance>"
        f"<client><accountsdata /><id>{acme.pk}</id><name>Joe Bloggs Inc</name>"
        "<type>C</type></client><date>1392076851</date><discount>0</discount>"
        "<email><bcc /><message /><to /></email><for /><grandtotal>300</grandtotal>"
        f"<id>{invoice.pk}</id><issued>true</issued>" in text
    )
    assert (
        "<item><category>-</category><description /><markup>0</markup><quantity>1</quantity>"
        "<take>100</take><taxcode>001</taxcode><title>Item 1</title><type>hourly</type>"
        "<unitprice>100</unitprice></item>" in text
    )
    assert (
        '<paid>false</paid><pdf null="true" /><purchaseorder /><ready>true</ready>'
        "<reference>1</reference><sendemail>false</sendemail><tax>50</tax>"
        f"<terms><days>14</days><timestamp>{1392076851 + 14 * 86400}</timestamp></terms>"
        "<total>250</total></item></rows><total>1</total></response>" in text
    )


def test_issue_history_payments_and_credit_notes_on_request(admin_api, admin_user):
    account = AccountSettings.load()
    account.nextinvoiceid = 171
    account.save()
    invoice = issued_invoice(added_by=admin_user)
    event = invoice.events.get()
    paid = payment(invoice, "43.20")
    note = credit_note(invoice, 10)
    plain = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert not {"issuehistory", "payments", "creditnotes"} & set(plain)
    assert (plain["amountpaid"], plain["balance"]) == (43.2, 244.8)  # 300 - 43.20 - 12
    params = {"issuehistory": "true", "payments": "1", "creditnotes": "yes"}
    for body in (
        admin_api.get("invoices", params).json(),
        admin_api.get(f"invoices/{invoice.pk}", params).json(),
    ):
        row = body["rows"][0]
        assert row["issuehistory"] == [
            {
                "date": int(event.at.timestamp()),
                "reference": "171",
                "type": "issued",
                "by": {"email": "admin@studio.test", "name": "Alex Admin"},
            }
        ]
        assert row["payments"] == [
            {
                "id": paid.pk,
                "invoice": str(invoice.pk),
                "invoicereference": "171",
                "amount": 43.2,
                "date": 1416614400,
                "method": "BACS",
                "note": "",
            }
        ]
        assert [(n["id"], n["grandtotal"], n["addedby"]) for n in row["creditnotes"]] == [
            (note.pk, 12, [{"email": "admin@studio.test", "name": "Alex Admin"}])
        ]
    other = draft_invoice()
    row = admin_api.get(f"invoices/{other.pk}", params).json()["rows"][0]
    assert (row["issuehistory"], row["payments"], row["creditnotes"]) == ([], [], [])


def test_an_invoice_the_worker_issued_has_no_one_in_its_history(admin_api):
    invoice = draft_invoice(ready=True, date=timezone.now() + timedelta(days=1))
    invoicing.issue_due_invoices(now=timezone.now() + timedelta(days=2))
    row = admin_api.get(f"invoices/{invoice.pk}", {"issuehistory": "true"}).json()["rows"][0]
    assert row["issuehistory"][0]["by"] is None
    text = admin_api.get(f"invoices/{invoice.pk}", {"issuehistory": "true"}, fmt="xml")
    assert '<by null="true" />' in text.content.decode()


# --- grouped -----------------------------------------------------------------------


def test_grouped_by_client_has_the_spec_shape(admin_api):
    apple = CompanyFactory(name="Apple Inc")
    bloggs = CompanyFactory(name="Joe Bloggs Inc")
    person = ContactFactory(fullname="Sam Solo")
    account = AccountSettings.load()
    account.nextinvoiceid = 196
    account.save()
    day = timezone.now() - timedelta(days=10)
    issued_invoice(client=apple, items=lines(110), date=day, terms=30)
    for n, amount in enumerate((1000, 30, 1000)):
        issued_invoice(client=bloggs, items=lines(amount), date=day + timedelta(days=n), terms=30)
    issued_invoice(client=person, items=lines(5), date=day - timedelta(days=1), terms=30)
    body = admin_api.get("invoices", {"group": "true", "order": "name", "orderasc": "true"}).json()
    assert body == {
        "error": False,
        "rows": [
            {
                "client": {"type": "C", "id": str(apple.pk), "name": "Apple Inc"},
                "invoices": ["196"],
                "total": 110,
                "grandtotal": 132,
                "count": 1,
            },
            {
                "client": {"type": "C", "id": str(bloggs.pk), "name": "Joe Bloggs Inc"},
                "invoices": ["197", "198", "199"],
                "total": 2030,
                "grandtotal": 2436,
                "count": 3,
            },
            {
                "client": {"type": "I", "id": str(person.pk), "name": "Sam Solo"},
                "invoices": ["200"],
                "total": 5,
                "grandtotal": 6,
                "count": 1,
            },
        ],
        "total": 3,
    }
    # By default the client with the latest invoice comes first.
    rows = admin_api.get("invoices", {"group": "true"}).json()["rows"]
    assert [row["client"]["name"] for row in rows] == ["Joe Bloggs Inc", "Apple Inc", "Sam Solo"]
    # Pages of clients; `total` counts the clients.
    body = admin_api.get("invoices", {"group": "true", "order": "total", "rows": 1}).json()
    assert [row["client"]["name"] for row in body["rows"]] == ["Joe Bloggs Inc"]
    assert body["total"] == 3
    body = admin_api.get("invoices", {"group": "1", "order": "count", "rows": 2, "start": 2}).json()
    assert len(body["rows"]) == 1 and body["total"] == 3
    # The filters apply before grouping.
    rows = admin_api.get("invoices", {"group": "true", "client": f"C{bloggs.pk}"}).json()["rows"]
    assert [(row["count"], row["total"]) for row in rows] == [(3, 2030)]
    rows = admin_api.get("invoices", {"group": "true", "reference": "198"}).json()["rows"]
    assert [(row["invoices"], row["total"]) for row in rows] == [(["198"], 30)]


def test_grouped_xml_has_the_spec_shape(admin_api):
    apple = CompanyFactory(name="Apple Inc")
    issued_invoice(client=apple, items=lines(110))
    text = re.sub(
        r">\s+<", "><", admin_api.get("invoices", {"group": "true"}, fmt="xml").content.decode()
    )
    assert (
        f"<rows><item><client><id>{apple.pk}</id><name>Apple Inc</name><type>C</type></client>"
        "<count>1</count><grandtotal>132</grandtotal><invoices><item>1</item></invoices>"
        "<total>110</total></item></rows><total>1</total>" in text
    )


def test_a_draft_in_a_group_has_no_reference_yet(admin_api, acme):
    issued_invoice(client=acme)
    draft_invoice(client=acme, date=timezone.now() + timedelta(days=1), terms=30)
    rows = admin_api.get("invoices", {"group": "true"}).json()["rows"]
    assert rows[0]["invoices"] == ["1", None] and rows[0]["count"] == 2
    rows = admin_api.get("invoices", {"group": "true", "issued": "true"}).json()["rows"]
    assert rows[0]["invoices"] == ["1"] and rows[0]["count"] == 1


def test_grouped_orders_are_their_own(admin_api):
    issued_invoice()
    response = admin_api.get("invoices", {"group": "true", "order": "reference"})
    assert "order must be one of: client, clientname, count, date" in refused(response, "order")


# --- filters, ordering and pages --------------------------------------------------


def test_client_and_clientname(admin_api, acme):
    person = ContactFactory(fullname="Sam Bloggs")
    for_acme = draft_invoice(client=acme).pk
    for_person = draft_invoice(client=person).pk
    draft_invoice(client=CompanyFactory(name="Other Ltd"))
    assert ids(admin_api, client=f"C{acme.pk}") == [for_acme]
    assert ids(admin_api, client=f"i{person.pk}") == [for_person]
    assert ids(admin_api, client="C99999999999999999999") == []
    assert sorted(ids(admin_api, clientname="BLOGGS")) == sorted([for_acme, for_person])
    assert ids(admin_api, clientname="sam") == [for_person]


def test_for_a_project_includes_its_jobs_and_for_a_job_only_it(admin_api):
    job = JobFactory()
    other_job = JobFactory(project=job.project)
    for_project = draft_invoice(for_code=f"P{job.project.pk}").pk
    for_job = draft_invoice(for_code=f"J{job.pk}").pk
    for_other_job = draft_invoice(for_code=f"J{other_job.pk}").pk
    draft_invoice()
    assert sorted(ids(admin_api, **{"for": f"P{job.project.pk}"})) == sorted(
        [for_project, for_job, for_other_job]
    )
    assert ids(admin_api, **{"for": f"j{job.pk}"}) == [for_job]


def test_reference_issued_and_paid(admin_api):
    account = AccountSettings.load()
    account.nextinvoiceid = 171
    account.save()
    paid = issued_invoice()
    payment(paid, 300)
    credited = issued_invoice()
    credit_note(credited, 250)  # 300 with tax: nothing left
    owing = issued_invoice()
    draft = draft_invoice()
    assert ids(admin_api, reference="172") == [credited.pk]
    assert ids(admin_api, reference="17") == []
    assert sorted(ids(admin_api, issued="true")) == sorted([paid.pk, credited.pk, owing.pk])
    assert ids(admin_api, issued="false") == [draft.pk]
    assert sorted(ids(admin_api, paid="true")) == sorted([paid.pk, credited.pk])
    assert sorted(ids(admin_api, paid="false")) == sorted([owing.pk, draft.pk])
    rows = admin_api.get("invoices", {"paid": "true"}).json()["rows"]
    assert {(row["paid"], row["balance"]) for row in rows} == {(True, 0)}


def test_from_and_to_bound_the_date(admin_api):
    days = [datetime(2024, 1, day, 12, tzinfo=UTC) for day in (1, 10, 20)]
    made = [draft_invoice(date=day, terms=30).pk for day in days]
    epoch = int(datetime(2024, 1, 10, 12, tzinfo=UTC).timestamp())
    assert ids(admin_api, **{"from": epoch}) == [made[2], made[1]]
    assert ids(admin_api, to=epoch) == [made[1], made[0]]
    assert ids(admin_api, **{"from": epoch, "to": epoch}) == [made[1]]


def test_overduefrom_and_overdueto_keep_unpaid_invoices_due_then(admin_api):
    now = timezone.now()
    long_overdue = issued_invoice(date=now - timedelta(days=60), terms=14)  # due 46 days ago
    just_overdue = issued_invoice(date=now - timedelta(days=20), terms=14)  # due 6 days ago
    paid = issued_invoice(date=now - timedelta(days=20), terms=14)
    payment(paid, 300)
    not_due = issued_invoice(date=now - timedelta(days=1), terms=14)
    draft_invoice(date=now - timedelta(days=60), terms=14)  # a draft is never overdue
    week_ago = int((now - timedelta(days=7)).timestamp())
    assert ids(admin_api, overduefrom=week_ago) == [just_overdue.pk]
    assert ids(admin_api, overdueto=week_ago) == [long_overdue.pk]
    assert ids(admin_api, overduefrom=0) == [just_overdue.pk, long_overdue.pk]
    tomorrow = int((now + timedelta(days=30)).timestamp())
    assert not_due.pk not in ids(admin_api, overduefrom=0, overdueto=tomorrow)


def test_default_order_is_newest_first_and_other_orders(admin_api):
    now = timezone.now()
    first = issued_invoice(date=now - timedelta(days=3), items=lines(30))
    second = issued_invoice(date=now - timedelta(days=2), items=lines(10))
    third = issued_invoice(date=now - timedelta(days=1), items=lines(20))
    assert ids(admin_api) == [third.pk, second.pk, first.pk]
    assert ids(admin_api, orderasc="true") == [first.pk, second.pk, third.pk]
    assert ids(admin_api, order="total", orderasc="true") == [second.pk, third.pk, first.pk]
    assert ids(admin_api, order="balance") == [first.pk, third.pk, second.pk]
    assert ids(admin_api, order="id", orderasc="true") == [first.pk, second.pk, third.pk]
    body = admin_api.get("invoices", {"rows": 1, "start": 1}).json()
    assert [row["id"] for row in body["rows"]] == [second.pk] and body["total"] == 3
    body = admin_api.get("invoices", {"rows": 2, "start": 5}).json()
    assert body["rows"] == [] and body["total"] == 3


def test_references_sort_as_numbers_and_clients_by_name(admin_api):
    account = AccountSettings.load()
    account.nextinvoiceid = 9
    account.save()
    nine = issued_invoice(client=CompanyFactory(name="beta"))
    ten = issued_invoice(client=CompanyFactory(name="Alpha"))
    assert ids(admin_api, order="reference", orderasc="true") == [nine.pk, ten.pk]
    assert ids(admin_api, order="reference") == [ten.pk, nine.pk]
    assert ids(admin_api, order="client", orderasc="true") == [ten.pk, nine.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"client": "P1"}, "client"),
        ({"client": "nonsense"}, "client"),
        ({"for": "C1"}, "for"),
        ({"issued": "maybe"}, "issued"),
        ({"paid": "maybe"}, "paid"),
        ({"from": "yesterday"}, "from"),
        ({"to": "1e999"}, "to"),
        ({"overduefrom": "x"}, "overduefrom"),
        ({"overdueto": "x"}, "overdueto"),
        ({"payments": "x"}, "payments"),
        ({"creditnotes": "x"}, "creditnotes"),
        ({"issuehistory": "x"}, "issuehistory"),
        ({"group": "x"}, "group"),
        ({"reference": "9" * 21}, "reference"),
        ({"clientname": "x" * 201}, "clientname"),
        ({"order": "colour"}, "order"),
        ({"orderasc": "sideways"}, "orderasc"),
        ({"rows": "0"}, "rows"),
        ({"start": "-1"}, "start"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(admin_api, params, field):
    assert refused(admin_api.get("invoices", params), field).startswith(field)


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_and_prices_the_spec_example(admin_api, admin_user, acme):
    person = ContactFactory()
    response = admin_api.post(
        "invoices",
        create_payload(
            client=f"C{acme.pk}",
            discount="0",
            purchaseorder="PO-7",
            date="1392076851",
            terms="14",
            sendemail="true",
            emailto=str(person.pk),
            emailbcc="admin@studio.test",
            emailmessage="Hello",
            ready="false",
        ),
    )
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    assert response.json() == {"error": False, "id": invoice.pk}
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (250, 50, 300)
    assert (invoice.client_company, invoice.added_by, invoice.purchaseorder) == (
        acme,
        admin_user,
        "PO-7",
    )
    assert invoice.date == SPEC_DATE and invoice.terms == 14
    assert (invoice.email_to, invoice.email_bcc) == ([person.pk], ["admin@studio.test"])
    assert not invoice.issued


def test_created_ready_with_sendemail_it_is_sent_and_its_history_and_journal_say_so(
    admin_api, acme, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core import mail

    from billing import delivery

    monkeypatch.setattr(delivery, "attachment", lambda document: b"%PDF-1.7\n")
    person = ContactFactory(fullname="Joe Bloggs", email="joe@acme.test", company=acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            "invoices",
            create_payload(
                client=f"C{acme.pk}",
                sendemail="true",
                emailto=str(person.pk),
                emailbcc="admin@studio.test",
                emailmessage="Hello Joe",
                ready="true",
            ),
        )
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    [sent] = mail.outbox
    assert (sent.to, sent.bcc, sent.body) == (
        ["Joe Bloggs <joe@acme.test>"],
        ["admin@studio.test"],
        "Hello Joe",
    )
    row = admin_api.get(f"invoices/{invoice.pk}", {"issuehistory": "true"}).json()["rows"][0]
    assert [event["type"] for event in row["issuehistory"]] == ["issued", "sent"]
    assert row["issuehistory"][1]["reference"] == invoice.reference
    [entry] = admin_api.get("activity", {"type": "B"}).json()["rows"]
    assert entry["title"] == f"Sent Invoice {invoice.reference}"
    assert entry["for"]["type"] == "C" and entry["for"]["id"] == str(acme.pk)
    assert entry["extra"]["recipients"] == [{"id": str(person.pk), "name": "Joe Bloggs"}]
    assert entry["extra"]["file"].endswith(f"/api/v1/invoices/{invoice.pk}/pdf")


def test_create_for_a_job_takes_its_client_and_ready_issues_it(admin_api):
    job = JobFactory()
    response = admin_api.post("invoices", create_payload(ready="1", **{"for": f"J{job.pk}"}))
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    assert (invoice.job, invoice.project, invoice.client) == (job, job.project, job.project.client)
    assert invoice.issued and invoice.reference == "1"


def test_create_in_json_and_xml(admin_api, acme):
    payload = {**create_payload(client=f"C{acme.pk}"), "items": SPEC_ITEMS, "total": 250}
    response = admin_api.post("invoices", payload, as_json=True)
    assert response.status_code == 201, response.content
    response = admin_api.post("invoices", create_payload(client=f"C{acme.pk}"), fmt="xml")
    assert response.status_code == 201
    newest = Invoice.objects.order_by("-id")[0]
    assert f"<id>{newest.pk}</id>" in response.content.decode()
    response = admin_api.post(
        "invoices", create_payload(client=f"C{acme.pk}", total="1"), fmt="xml"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "<msg>Validation errors</msg>" in text
    assert "<item>total does not match the items (expected 250.00).</item>" in text


def test_required_fields_are_named(admin_api):
    response = admin_api.post("invoices", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"items", "total", "addedby"}
    assert not Invoice.objects.exists()


def test_a_client_or_work_is_required(admin_api):
    message = refused(admin_api.post("invoices", create_payload()), "client")
    assert message.startswith("client is required")


def test_a_total_that_does_not_match_says_what_was_expected(admin_api, acme):
    response = admin_api.post("invoices", create_payload(client=f"C{acme.pk}", total="249.99"))
    assert refused(response, "total") == "total does not match the items (expected 250.00)."
    response = admin_api.post(
        "invoices", create_payload(client=f"C{acme.pk}", discount="10", total="250")
    )
    assert refused(response, "total") == "total does not match the items (expected 225.00)."
    assert not Invoice.objects.exists()


def _line(**fields) -> str:
    line = {"type": "fixed", "title": "Design", "quantity": 1, "unitprice": 100, "taxcode": "001"}
    good = {"title": "Fine", "items": [dict(line)]}
    return json.dumps([good, {"title": "Bad", "items": [dict(line), {**line, **fields}]}])


@pytest.mark.parametrize(
    "fields, sentence",
    [
        ({"taxcode": "009"}, "items: section 2, line 2: tax code '009' does not exist."),
        ({"category": "9999"}, "items: section 2, line 2: ledger category '9999' does not exist."),
        ({"quantity": "lots"}, "items: section 2, line 2: quantity must be a number."),
        ({"quantity": -1}, "items: section 2, line 2: quantity must be a number of 0 or more."),
        ({"unitprice": "ten"}, "items: section 2, line 2: unitprice must be a number."),
        ({"take": 150}, "items: section 2, line 2: take must be a number from 0 to 100."),
        ({"take": -5}, "items: section 2, line 2: take must be a number from 0 to 100."),
        (
            {"type": "gift"},
            "items: section 2, line 2: type must be one of hourly, fixed, external, product.",
        ),
        ({"title": ""}, "items: section 2, line 2: title is required."),
    ],
)
def test_a_bad_line_is_a_400_naming_the_line(admin_api, acme, fields, sentence):
    LedgerCategory.objects.create(code="4000", name="Sales")
    response = admin_api.post(
        "invoices", create_payload(client=f"C{acme.pk}", items=_line(**fields), total="300")
    )
    assert refused(response, "items") == sentence
    assert not Invoice.objects.exists()


def test_every_bad_line_is_named_at_once(admin_api, acme):
    items = [
        {"title": "A", "items": [{"title": "x", "unitprice": 1, "taxcode": "nope"}]},
        {"title": "B", "items": [{"title": "y", "unitprice": 1, "taxcode": "001", "take": 101}]},
    ]
    response = admin_api.post(
        "invoices", create_payload(client=f"C{acme.pk}", items=json.dumps(items), total="2")
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "items: section 1, line 1: tax code 'nope' does not exist.",
        "items: section 2, line 1: take must be a number from 0 to 100.",
    ]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"items": "not json"}, "items"),
        ({"items": "{}"}, "items"),
        ({"total": "lots"}, "total"),
        ({"discount": "150"}, "discount"),
        ({"for": "C1"}, "for"),
        ({"for": "P999999"}, "for"),
        ({"client": "J1"}, "client"),
        ({"client": "C999999"}, "client"),
        ({"terms": "-1", "date": "1392076851"}, "terms"),
        ({"date": "someday", "terms": "14"}, "date"),
        ({"emailto": "99999"}, "emailto"),
        ({"emailto": "abc"}, "emailto"),
        ({"emailbcc": "nobody@nowhere.test"}, "emailbcc"),
        ({"emailmessage": "x" * 10_001}, "emailmessage"),
        ({"purchaseorder": "x" * 101}, "purchaseorder"),
        ({"sendemail": "perhaps"}, "sendemail"),
        ({"addedby": "other@studio.test"}, "addedby"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, acme, fields, field):
    UserFactory(email="other@studio.test")
    response = admin_api.post("invoices", create_payload(**{"client": f"C{acme.pk}", **fields}))
    assert field in refused(response, field)
    assert not Invoice.objects.exists()


def test_a_date_needs_its_terms(admin_api, acme):
    response = admin_api.post("invoices", create_payload(client=f"C{acme.pk}", date="1392076851"))
    assert refused(response, "terms").startswith("terms is required with date")


def test_update_a_draft(admin_api, acme):
    invoice = draft_invoice(client=acme)
    person = ContactFactory()
    response = admin_api.patch(
        f"invoices/{invoice.pk}",
        {"items": json.dumps(lines(100)), "total": "100", "client": f"I{person.pk}"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"error": False, "id": invoice.pk}
    invoice.refresh_from_db()
    assert (invoice.total, invoice.grandtotal, invoice.client) == (100, 120, person)
    admin_api.patch(f"invoices/{invoice.pk}", {"discount": "10", "purchaseorder": "PO-1"})
    invoice.refresh_from_db()
    assert (invoice.total, invoice.purchaseorder) == (90, "PO-1")


def test_items_without_their_total_ask_for_it(admin_api):
    invoice = draft_invoice()
    response = admin_api.patch(f"invoices/{invoice.pk}", {"items": json.dumps(lines(100))})
    assert refused(response, "total").startswith("total is required with items")
    invoice.refresh_from_db()
    assert invoice.total == 250


def test_an_issued_invoice_keeps_its_money_and_is_never_deleted(admin_api):
    invoice = issued_invoice()
    for fields in (
        {"items": json.dumps(lines(1)), "total": "1"},
        {"discount": "10"},
        {"date": "1392076851"},
        {"terms": "7"},
        {"purchaseorder": "PO-2"},
    ):
        response = admin_api.patch(f"invoices/{invoice.pk}", fields)
        assert response.status_code == 400
        assert all("raise a credit note" in error for error in response.json()["errors"])
    response = admin_api.delete(f"invoices/{invoice.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Invoice 1 is issued and can't be deleted: raise a credit note to cancel it."
    ]
    invoice.refresh_from_db()
    assert (invoice.total, invoice.discount, invoice.terms) == (250, 0, 30)
    # How it is sent may still change.
    response = admin_api.patch(f"invoices/{invoice.pk}", {"emailmessage": "Thanks"})
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.email_message == "Thanks"


def test_delete_a_draft(admin_api):
    invoice = draft_invoice()
    response = admin_api.delete(f"invoices/{invoice.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": invoice.pk}
    assert not Invoice.objects.exists()
    assert admin_api.get(f"invoices/{invoice.pk}").status_code == 404


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user, acme):
    job = JobFactory()
    invoice = draft_invoice(
        added_by=admin_user,
        for_code=f"J{job.pk}",
        emailto=[ContactFactory().pk],
        emailbcc=["admin@studio.test"],
        emailmessage="Hi",
        sendemail=True,
    )
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    response = admin_api.patch(f"invoices/{invoice.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    assert admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0] == row
    response = admin_api.patch(f"invoices/{invoice.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0] == row
    # `for` read as [] (none) clears it, from JSON or a form.
    none = {**row, "for": []}
    assert admin_api.patch(f"invoices/{invoice.pk}", as_php_form(none)).status_code == 200
    invoice.refresh_from_db()
    assert invoice.job is None and invoice.project is None


def test_an_issued_invoice_read_can_be_sent_back_with_its_delivery_changed(admin_api):
    invoice = issued_invoice(for_code=f"P{ProjectFactory().pk}", discount="5", total="237.50")
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    sent = {**row, "email": {**row["email"], "message": "Reminder"}, "sendemail": True}
    for body, as_json in ((sent, True), (as_php_form(sent), False)):
        response = admin_api.patch(f"invoices/{invoice.pk}", body, as_json=as_json)
        assert response.status_code == 200, response.content
    after = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert after == {**sent, "email": {**row["email"], "message": "Reminder"}}
    changed = {**row, "discount": 10}
    response = admin_api.patch(f"invoices/{invoice.pk}", changed, as_json=True)
    assert refused(response, "discount") == (
        "discount can't be changed on an issued invoice: raise a credit note to correct it."
    )


def test_an_unknown_invoice_is_404_saying_which_id(admin_api):
    draft_invoice()
    for response in (
        admin_api.get("invoices/99999"),
        admin_api.patch("invoices/99999", {"purchaseorder": "x"}),
        admin_api.delete("invoices/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No invoice with id 99999."}
    assert admin_api.get("invoices/99999999999999999999").status_code == 404
    assert admin_api.get("invoices/99999", fmt="xml").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_invoices_scopes(acme):
    invoice = draft_invoice()
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["invoices:read"])
    assert reader.get("invoices").status_code == 200
    assert reader.get(f"invoices/{invoice.pk}").status_code == 200
    payload = create_payload(client=f"C{acme.pk}", addedby=author.email)
    assert reader.post("invoices", payload).status_code == 401
    assert reader.patch(f"invoices/{invoice.pk}", {"purchaseorder": "x"}).status_code == 401
    assert reader.delete(f"invoices/{invoice.pk}").status_code == 401
    assert credential_client(["projects:write"]).get("invoices").status_code == 401
    writer = credential_client(["invoices:write", "users:read"])
    assert writer.post("invoices", payload).status_code == 201
    assert Invoice.objects.filter(added_by=author).exists()


def test_users_need_the_invoices_area(restricted_api, collaborator_api, bearer_for, restricted_to):
    invoice = draft_invoice()
    for client in (restricted_api, collaborator_api):
        assert client.get("invoices").status_code == 401
        assert client.get(f"invoices/{invoice.pk}").status_code == 401
        assert client.post("invoices", create_payload()).status_code == 401
        assert client.delete(f"invoices/{invoice.pk}").status_code == 401
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    allowed = bearer_for(restricted_to("invoices", email="ivy@studio.test"))
    assert allowed.get("invoices").status_code == 200
    payload = create_payload(client=f"C{invoice.client_company_id}", addedby="ivy@studio.test")
    assert allowed.post("invoices", payload).status_code == 201


def test_no_credentials_get_403(outsider):
    assert outsider.get("invoices").status_code == 403


# --- query counts -----------------------------------------------------------------


def _invoices(count: int) -> None:
    person = ContactFactory()
    author = UserFactory()
    job = JobFactory()
    for index in range(count):
        client = {"client": person} if index % 2 else {"for_code": f"J{job.pk}", "client": None}
        invoice = issued_invoice(added_by=author, **client)
        payment(invoice, 10)
        payment(invoice, 20)
        credit_note(invoice, 5)


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    _invoices(count)
    params = {"rows": 100, "issuehistory": "true", "payments": "true", "creditnotes": "true"}
    # token, its last use, the page's rows (balances in the same query), then two each
    # for the issue history, the payments and the credit notes (ids, rows)
    with django_assert_max_num_queries(9):
        body = admin_api.get("invoices", params).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(len(row["payments"]) == 2 for row in body["rows"])
    # 300 less the payments (30) and the credit note with its tax (6).
    assert all(row["balance"] == 264 and len(row["creditnotes"]) == 1 for row in body["rows"])
    assert all(len(row["issuehistory"]) == 1 for row in body["rows"])


@pytest.mark.parametrize("count", [1, 50])
def test_grouped_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    for _ in range(count):
        issued_invoice(client=CompanyFactory())
    # token, its last use, the page of clients, their references, the count of clients
    with django_assert_max_num_queries(5):
        body = admin_api.get("invoices", {"group": "true", "rows": 20}).json()
    assert len(body["rows"]) == min(count, 20) and body["total"] == count


@pytest.mark.parametrize("count", [1, 50])
def test_one_invoice_reads_a_fixed_number_of_queries(
    admin_api, django_assert_max_num_queries, count
):
    _invoices(1)
    invoice = Invoice.objects.get()
    for _ in range(count - 1):
        payment(invoice, "0.01")
    params = {"issuehistory": "true", "payments": "true", "creditnotes": "true"}
    with django_assert_max_num_queries(9):
        row = admin_api.get(f"invoices/{invoice.pk}", params).json()["rows"][0]
    assert len(row["payments"]) == count + 1


# --- the contract -------------------------------------------------------------------


def test_no_parameter_the_spec_lists_is_refused():
    from billing.schemas import CREDIT_NOTE_FIELDS, INVOICE_FIELDS, PAYMENT_FIELDS

    email = ["sendemail", "emailto", "emailbcc", "emailmessage", "ready"]
    INVOICE_FIELDS.refuse_unknown(
        dict.fromkeys(
            ["items", "total", "addedby", "discount", "for", "purchaseorder", "date", "terms"]
            + email,
            "x",
        )
    )
    CREDIT_NOTE_FIELDS.refuse_unknown(
        dict.fromkeys(["invoiceid", "items", "total", "addedby", "date"] + email, "x")
    )
    PAYMENT_FIELDS.refuse_unknown(
        dict.fromkeys(["invoice", "amount", "date", "method", "note"], "x")
    )


def test_the_openapi_schema_documents_the_resources(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for resource in ("invoices", "creditnotes", "payments"):
        assert {"get", "post"} <= set(paths[f"/api/v1/{resource}"])
    body = paths["/api/v1/invoices"]["post"]["requestBody"]["content"]["application/json"]
    assert {"items", "total", "addedby"} <= set(body["schema"]["required"])
