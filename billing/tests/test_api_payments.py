"""The Depot `payments` resource: the row's shape as in the spec's JSON and XML
examples, its filters, ordering, pages, recording and deleting (never updating),
404s, permissions and query counts."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.models import AccountSettings
from billing.models import Payment
from billing.tests.documents import draft_invoice, issued_invoice, payment, standard_vat
from conftest import credential_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

SPEC_DAY = 1416614400  # 2014-11-22, as the spec's example


@pytest.fixture(autouse=True)
def vat():
    return standard_vat()


@pytest.fixture
def invoice(admin_user):
    account = AccountSettings.load()
    account.nextinvoiceid = 141
    account.save()
    return issued_invoice(added_by=admin_user)


def ids(api, **params) -> list[int]:
    response = api.get("payments", params)
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


def midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def create_payload(paid_invoice, **fields) -> dict:
    return {
        "invoice": str(paid_invoice.pk),
        "amount": "43.2",
        "date": str(SPEC_DAY),
        "method": "BACS",
        **fields,
    }


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, invoice):
    paid = payment(invoice, "43.20", day=date(2014, 11, 22))
    expected = {
        "id": paid.pk,
        "invoice": str(invoice.pk),
        "invoicereference": "141",
        "amount": 43.2,
        "date": SPEC_DAY,
        "method": "BACS",
        "note": "",
    }
    body = admin_api.get("payments").json()
    assert body == {"error": False, "rows": [expected], "total": 1}
    assert list(body["rows"][0]) == list(expected)
    assert admin_api.get(f"payments/{paid.pk}").json() == {"error": False, "rows": [expected]}
    text = re.sub(r">\s+<", "><", admin_api.get("payments", fmt="xml").content.decode())
    assert (
        f"<rows><item><amount>43.2</amount><date>{SPEC_DAY}</date><id>{paid.pk}</id>"
        f"<invoice>{invoice.pk}</invoice><invoicereference>141</invoicereference>"
        "<method>BACS</method><note /></item></rows><total>1</total>" in text
    )


# --- filters, ordering and pages --------------------------------------------------


def test_invoice_from_and_to(admin_api, invoice):
    other = issued_invoice()
    days = [date(2024, 1, day) for day in (1, 10, 20)]
    made = [payment(invoice, 10, day=day).pk for day in days]
    elsewhere = payment(other, 10, day=days[1]).pk
    assert ids(admin_api, invoice=invoice.pk) == made[::-1]
    assert ids(admin_api, invoice=other.pk) == [elsewhere]
    assert ids(admin_api, invoice="99999999999999999999") == []
    epoch = midnight(days[1])
    assert ids(admin_api, **{"from": epoch}) == [made[2], elsewhere, made[1]]
    assert ids(admin_api, to=epoch) == [elsewhere, made[1], made[0]]
    assert ids(admin_api, **{"from": epoch, "to": epoch + 3600}) == [elsewhere, made[1]]


def test_default_order_is_newest_first_and_other_orders(admin_api, invoice):
    first = payment(invoice, 30, day=date(2024, 1, 1)).pk
    second = payment(invoice, 10, day=date(2024, 1, 2), method="Card").pk
    third = payment(invoice, 20, day=date(2024, 1, 3), method="Cash").pk
    assert ids(admin_api) == [third, second, first]
    assert ids(admin_api, orderasc="true") == [first, second, third]
    assert ids(admin_api, order="amount", orderasc="1") == [second, third, first]
    assert ids(admin_api, order="method", orderasc="1") == [first, second, third]
    body = admin_api.get("payments", {"rows": 1, "start": 2}).json()
    assert [row["id"] for row in body["rows"]] == [first] and body["total"] == 3


@pytest.mark.parametrize(
    "params, field",
    [
        ({"invoice": "abc"}, "invoice"),
        ({"from": "soon"}, "from"),
        ({"to": "99999999999999999"}, "to"),
        ({"order": "colour"}, "order"),
        ({"orderasc": "up"}, "orderasc"),
        ({"rows": "-3"}, "rows"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(admin_api, params, field):
    assert refused(admin_api.get("payments", params), field).startswith(field)


# --- writes -----------------------------------------------------------------------


def test_record_answers_201_and_the_invoice_owes_less(admin_api, admin_user, invoice):
    response = admin_api.post("payments", create_payload(invoice, note="Thanks", method="bacs"))
    assert response.status_code == 201, response.content
    paid = Payment.objects.get()
    assert response.json() == {"error": False, "id": paid.pk}
    assert (paid.invoice, paid.amount, paid.date, paid.method, paid.note) == (
        invoice,
        Decimal("43.20"),
        date(2014, 11, 22),
        "BACS",
        "Thanks",
    )
    assert paid.added_by == admin_user
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert (row["amountpaid"], row["balance"], row["paid"]) == (43.2, 256.8, False)
    admin_api.post("payments", create_payload(invoice, amount="256.80"))
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert (row["balance"], row["paid"]) == (0, True)


def test_record_in_json_and_xml(admin_api, invoice):
    payload = {**create_payload(invoice), "amount": 43.2, "date": SPEC_DAY, "invoice": invoice.pk}
    assert admin_api.post("payments", payload, as_json=True).status_code == 201
    response = admin_api.post("payments", create_payload(invoice), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{Payment.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_a_retried_payment_with_its_idempotency_key_is_recorded_once(admin_api, invoice):
    key = {"Idempotency-Key": "bank-line-2014-11-22-0007"}
    first = admin_api.post("payments", create_payload(invoice), **key)
    retried = admin_api.post("payments", create_payload(invoice), **key)
    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json() == {"error": False, "id": Payment.objects.get().pk}
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert row["amountpaid"] == 43.2
    # Another amount under the same key is a mistake, not a second payment.
    other = admin_api.post("payments", create_payload(invoice, amount="10"), **key)
    assert other.status_code == 409
    assert Payment.objects.count() == 1


def test_required_fields_are_named(admin_api):
    response = admin_api.post("payments", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"invoice", "amount", "date", "method"}


@pytest.mark.parametrize(
    "fields, field, sentence",
    [
        ({"invoice": "99999"}, "invoice", "invoice must be an existing invoice."),
        ({"amount": "lots"}, "amount", "amount must be a number."),
        ({"amount": "0"}, "amount", "amount must be more than 0."),
        ({"amount": "-5"}, "amount", "amount must be more than 0."),
        ({"amount": "1.005"}, "amount", "amount can have at most 2 decimal places."),
        (
            {"amount": "300.01"},
            "amount",
            "amount is more than the balance of invoice 141 (300.00).",
        ),
        ({"method": "Bitcoin"}, "method", "method must be one of: BACS, Card, Cheque, Cash."),
        (
            {"date": "someday"},
            "date",
            "date must be a date (YYYY-MM-DD) or a Unix timestamp.",
        ),
        ({"colour": "red"}, "colour", None),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, invoice, fields, field, sentence):
    response = admin_api.post("payments", create_payload(invoice, **fields))
    message = refused(response, field)
    assert message == sentence if sentence else message.startswith(field)
    assert not Payment.objects.exists()


def test_a_draft_invoice_is_not_paid(admin_api):
    response = admin_api.post("payments", create_payload(draft_invoice()))
    assert refused(response, "invoice") == (
        "invoice must be an issued invoice: a draft can't be paid."
    )


def test_payments_are_never_updated(admin_api, invoice):
    paid = payment(invoice, 10)
    for response in (
        admin_api.patch(f"payments/{paid.pk}", {"amount": "20"}),
        admin_api.patch(f"payments/{paid.pk}", {"amount": "20"}, as_json=True),
    ):
        assert refused(response, None) == (
            "Payments can't be updated: delete this payment and add the right one instead."
        )
    response = admin_api.patch(f"payments/{paid.pk}", {}, fmt="xml")
    assert response.status_code == 400
    assert "<msg>Validation errors</msg>" in response.content.decode()
    paid.refresh_from_db()
    assert paid.amount == 10


def test_delete_gives_the_invoice_its_balance_back(admin_api, invoice):
    paid = payment(invoice, 300)
    assert admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]["paid"] is True
    response = admin_api.delete(f"payments/{paid.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": paid.pk}
    row = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert (row["paid"], row["balance"]) == (False, 300)


def test_an_unknown_payment_is_404_saying_which_id(admin_api):
    for response in (
        admin_api.get("payments/99999"),
        admin_api.patch("payments/99999", {"amount": "1"}),
        admin_api.delete("payments/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No payment with id 99999."}
    assert admin_api.get("payments/99999999999999999999").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_invoices_scopes(invoice):
    paid = payment(invoice, 10)
    reader = credential_client(["invoices:read"])
    assert reader.get("payments").status_code == 200
    assert reader.get(f"payments/{paid.pk}").status_code == 200
    assert reader.post("payments", create_payload(invoice)).status_code == 401
    assert reader.delete(f"payments/{paid.pk}").status_code == 401
    assert credential_client(["projects:write"]).get("payments").status_code == 401
    writer = credential_client(["invoices:write"])
    response = writer.post("payments", create_payload(invoice))
    assert response.status_code == 201
    assert Payment.objects.get(pk=response.json()["id"]).added_by is None


def test_users_need_the_invoices_area(restricted_api, collaborator_api, invoice):
    paid = payment(invoice, 10)
    for client in (restricted_api, collaborator_api):
        assert client.get("payments").status_code == 401
        assert client.get(f"payments/{paid.pk}").status_code == 401
        assert client.post("payments", create_payload(invoice)).status_code == 401
        assert client.patch(f"payments/{paid.pk}", {"amount": "1"}).status_code == 401
        assert client.delete(f"payments/{paid.pk}").status_code == 401
    assert Payment.objects.filter(pk=paid.pk).exists()


def test_no_credentials_get_403(outsider):
    assert outsider.get("payments").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    invoices = [issued_invoice() for _ in range(min(count, 5))]
    for index in range(count):
        payment(invoices[index % len(invoices)], "0.50")
    # token, its last use, the page's ids, its rows
    with django_assert_max_num_queries(4):
        body = admin_api.get("payments", {"rows": 100}).json()
    assert len(body["rows"]) == count and body["total"] == count
