"""Webhooks end to end: events recorded with the change, delivered to a real HTTP server
signed, retried, given up on, refused for private addresses; the data is the API's GET."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import webhooks
from accounts.models import Notification, WebhookDelivery, WebhookEvent
from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.tests.documents import credit_note, issued_invoice, payment, standard_vat
from crm import services as crm_services
from crm.tests.factories import CompanyFactory
from projects import services as project_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


class Receiver:
    """A real HTTP server on 127.0.0.1 in a thread: it keeps what it is sent and answers
    each POST with the next status of `answers` (the last one again once they run out)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers = [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"{receiver.url}elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture(autouse=True)
def _fresh_wanted_events(settings):
    """Each test starts with this process's memory of wanted events forgotten (the
    database is rolled back under it), and may send to this machine."""
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = True
    webhooks.forget_wanted_events()
    yield
    webhooks.forget_wanted_events()


def hook(receiver, events, **fields):
    webhook, secret = webhooks.create_webhook(
        url=receiver.url, events=events, created_by=fields.pop("created_by", None), **fields
    )
    return webhook, secret


def verified(request, secret: str) -> bool:
    """The receiver's check, written independently of Docket's code."""
    parts = dict(item.split("=", 1) for item in request["headers"]["X-Docket-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_change_is_posted_signed_with_the_api_row(
    receiver, admin_api, django_capture_on_commit_callbacks
):
    webhook, secret = hook(receiver, ["company.created", "company.updated"])
    with django_capture_on_commit_callbacks(execute=True):
        company = crm_services.create_company(name="Brewery Ltd", city="Belfast")
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verified(request, secret)
    assert not verified(request, "whsec_someone-else")
    payload = json.loads(request["body"])
    event = WebhookEvent.objects.get()
    assert payload["id"] == event.uid and payload["id"].startswith("evt_")
    assert payload["event"] == "company.created"
    assert abs(payload["created"] - timezone.now().timestamp()) < 10
    assert request["headers"]["X-Docket-Event"] == "company.created"
    assert request["headers"]["X-Docket-Delivery"] == event.uid
    assert request["headers"]["Content-Type"] == "application/json"
    # The object exactly as the API's GET returns it.
    assert payload["data"] == admin_api.get(f"companies/{company.pk}").json()["rows"][0]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook, delivery.state, delivery.attempts) == (
        webhook,
        WebhookDelivery.State.SUCCEEDED,
        1,
    )
    assert delivery.response_code == 200 and delivery.duration_ms is not None


def test_only_wanted_events_are_recorded(receiver, django_capture_on_commit_callbacks):
    hook(receiver, ["company.deleted"])
    with django_capture_on_commit_callbacks(execute=True):
        company = crm_services.create_company(name="Quiet Ltd")
        crm_services.update_company(company, city="Derry")
    assert not WebhookEvent.objects.exists() and receiver.requests == []
    company_id = company.pk
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.delete_company(company)
    [payload] = receiver.payloads()
    # A deleted object's data is its row as it was read just before it went.
    assert payload["event"] == "company.deleted"
    assert payload["data"]["id"] == company_id and payload["data"]["name"] == "Quiet Ltd"


def test_nothing_wanted_costs_no_query(django_assert_num_queries):
    webhooks.wanted_events()  # read once, kept for a few seconds
    with django_assert_num_queries(0):
        assert webhooks.record("contact.created", 1) is None


def test_nothing_is_sent_when_the_change_rolls_back(receiver, django_capture_on_commit_callbacks):
    hook(receiver, ["contact.created"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        crm_services.create_contact(firstname="Gone", lastname="Again")
        raise RuntimeError("the request failed after the write")
    assert callbacks == []
    assert not WebhookEvent.objects.exists()
    assert receiver.requests == []


def test_a_receiver_failing_twice_gets_one_successful_delivery(
    receiver, django_capture_on_commit_callbacks
):
    webhook, secret = hook(receiver, ["contact.created"])
    receiver.answers = [500, 503, 204]
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="Ada", lastname="Lovelace")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.RETRYING
    assert delivery.response_code == 500
    assert delivery.reason == "The receiver answered 500."
    # The first retry is due about ten seconds later, not before.
    first_retry = delivery.next_attempt - delivery.last_attempt
    assert first_retry == timedelta(seconds=10)
    assert webhooks.deliver_due(now=delivery.last_attempt + timedelta(seconds=5)) == 0
    assert len(receiver.requests) == 1
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_due(now=delivery.next_attempt)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("retrying", 2, 503)
    assert delivery.next_attempt - delivery.last_attempt == timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_due(now=delivery.next_attempt)
        # A second run of the same delivery (a duplicate task) posts nothing.
        assert webhooks.attempt(delivery.pk, now=delivery.next_attempt) is False
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("succeeded", 3, 204)
    assert WebhookDelivery.objects.filter(state="succeeded").count() == 1
    assert len(receiver.requests) == 3
    # Each attempt is the same event, signed afresh.
    assert len({request["body"] for request in receiver.requests}) == 1
    assert len({request["headers"]["X-Docket-Delivery"] for request in receiver.requests}) == 1
    assert all(verified(request, secret) for request in receiver.requests)


def test_retries_stop_after_24_hours_and_repeated_failures_switch_it_off(receiver):
    owner = UserFactory(name="Olive Owner")
    webhook, _ = hook(receiver, ["contact.created"], created_by=owner)
    receiver.answers = [500]
    start = timezone.now()
    for number in range(webhooks.WEBHOOK_FAILURES_TO_DISABLE):
        with transaction.atomic():
            crm_services.create_contact(firstname="Try", lastname=str(number))
        # Its task lost (no commit here), the worker's round finds the event; then
        # retries over the day: 10 s, 1 min, 5 min, 30 min, 2 h, 4 h, ...
        webhooks.deliver_due(now=start + timedelta(minutes=2))
        delivery = WebhookDelivery.objects.order_by("-pk").first()
        assert delivery.event.created >= start
        while delivery.state != WebhookDelivery.State.FAILED:
            webhooks.deliver_due(now=delivery.next_attempt)
            delivery.refresh_from_db()
        assert delivery.last_attempt - delivery.created < timedelta(hours=24)
        assert delivery.attempts == 1 + len(webhooks.RETRY_DELAYS)
        webhook.refresh_from_db()
        assert webhook.failures == number + 1
    assert not webhook.active
    assert "Switched off after 5 deliveries" in webhook.disabled_reason
    notification = Notification.objects.get(type=Notification.Type.WEBHOOK_DISABLED)
    assert list(notification.users.all()) == [owner]
    assert notification.link == f"webhook/{webhook.pk}"
    # Switched back on, it is sent events again and its count starts afresh.
    webhooks.update_webhook(webhook, active=True)
    webhook.refresh_from_db()
    assert (webhook.active, webhook.failures, webhook.disabled_reason) == (True, 0, "")


def test_redeliver_sends_the_same_event_again(receiver, django_capture_on_commit_callbacks):
    hook(receiver, ["contact.created"])
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="Once", lastname="More")
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.redeliver(first)
    assert again.pk != first.pk
    assert WebhookDelivery.objects.get(pk=again.pk).state == "succeeded"
    first_payload, second_payload = receiver.payloads()
    assert first_payload == second_payload


def test_an_inactive_webhook_is_sent_nothing(receiver, django_capture_on_commit_callbacks):
    webhook, _ = hook(receiver, ["contact.created"], active=False)
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="No", lastname="One")
    assert not WebhookEvent.objects.exists() and receiver.requests == []


# --- where requests may go --------------------------------------------------------------


def test_private_and_loopback_addresses_are_refused_unless_allowed(
    receiver, settings, django_capture_on_commit_callbacks
):
    webhook, _ = hook(receiver, ["contact.created"])
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="Probe", lastname="Inside")
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.state == "retrying"
    assert delivery.reason == (
        "Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback, private or link-local address."
    )


@pytest.mark.parametrize(
    "host", ["localhost", "10.0.0.8", "192.168.1.1", "169.254.169.254", "[::1]", "[fd00::1]"]
)
def test_the_address_is_checked_after_resolving(settings, host):
    settings.DOCKET_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.Refused, match="loopback, private or link-local"):
        webhooks.post(f"https://{host}/hook", b"{}", {})


def test_the_connection_goes_to_the_checked_address(receiver, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that address connected to;
    the Host header still names the host."""
    resolved = []

    def resolve(host, port, *args, **kwargs):
        resolved.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolve)
    port = receiver.server.server_address[1]
    answer = webhooks.post(f"http://hooks.example.test:{port}/in", b"{}", {})
    # Resolved once by name; the connection itself only looks up the address.
    assert answer.status == 200 and resolved == ["hooks.example.test", "127.0.0.1"]
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.example.test:{port}"
    assert receiver.requests[0]["path"] == "/in"


def test_redirects_are_not_followed(receiver, django_capture_on_commit_callbacks):
    hook(receiver, ["contact.created"])
    receiver.answers = [302]
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="Moved", lastname="Away")
    delivery = WebhookDelivery.objects.get()
    assert [request["path"] for request in receiver.requests] == ["/"]
    assert delivery.state == "retrying" and delivery.response_code == 302
    assert delivery.reason == "The receiver answered 302 (redirects are not followed)."


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    receiver, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    hook(receiver, ["contact.created"])
    silent = threading.Event()

    def slow_post(self):
        silent.wait(2)

    receiver.server.RequestHandlerClass.do_POST = slow_post
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.create_contact(firstname="Slow", lastname="Coach")
    silent.set()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "retrying"
    assert delivery.reason == "No answer within 0.3 seconds."


# --- every kind of event renders as its API GET -------------------------------------------


def test_each_event_carries_the_api_row(
    receiver, admin_api, admin_user, django_capture_on_commit_callbacks
):
    hook(receiver, webhooks.event_names())
    standard_vat()
    with django_capture_on_commit_callbacks(execute=True):
        client = CompanyFactory()
        project = project_services.create_project(
            title="Website", status="O", for_code=f"C{client.pk}", added_by=admin_user
        )
        job = project_services.create_job(
            title="Design", status="O", project=project, added_by=admin_user
        )
        invoice = issued_invoice(added_by=admin_user)
        paid = payment(invoice, invoice.grandtotal)
    events = {payload["event"]: payload["data"] for payload in receiver.payloads()}
    assert {
        "project.created",
        "job.created",
        "invoice.created",
        "invoice.issued",
        "payment.created",
        "invoice.paid",
    } <= set(events)
    assert events["project.created"] == admin_api.get(f"projects/{project.pk}").json()["rows"][0]
    assert events["job.created"] == admin_api.get(f"jobs/{job.pk}").json()["rows"][0]
    assert events["payment.created"] == admin_api.get(f"payments/{paid.pk}").json()["rows"][0]
    # Paid: the invoice as it is now, balance 0, except its PDF, which the worker
    # rendered after the event (the data is the object when the event happened).
    now = admin_api.get(f"invoices/{invoice.pk}").json()["rows"][0]
    assert events["invoice.paid"]["pdf"] is None
    assert now.pop("pdf") == f"http://testserver/api/v1/invoices/{invoice.pk}/pdf"
    assert {**events["invoice.paid"], "pdf": None} == {**now, "pdf": None}
    assert now["balance"] == 0
    assert events["invoice.issued"]["reference"] == invoice.reference
    payment_id = paid.pk
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.delete_payment(paid)
    assert receiver.payloads()[-1]["event"] == "payment.deleted"
    assert receiver.payloads()[-1]["data"] == events["payment.created"]
    assert events["payment.created"]["id"] == payment_id


def test_a_credit_note_that_clears_the_balance_pays_the_invoice(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    standard_vat()
    invoice = issued_invoice(added_by=admin_user)
    payment(invoice, 100)
    hook(receiver, ["invoice.paid", "creditnote.issued"])
    with django_capture_on_commit_callbacks(execute=True):
        credit_note(invoice, 150)
    assert [payload["event"] for payload in receiver.payloads()] == ["creditnote.issued"]
    with django_capture_on_commit_callbacks(execute=True):
        credit_note(invoice, 50)
    events = [payload["event"] for payload in receiver.payloads()]
    assert events == ["creditnote.issued", "creditnote.issued", "invoice.paid"]
    assert receiver.payloads()[-1]["data"]["id"] == invoice.pk


def test_old_events_are_purged_once_nothing_is_left_to_send():
    webhook, _ = webhooks.create_webhook(url="https://hooks.example.com/", events=["job.created"])
    long_ago = timezone.now() - timedelta(days=31)
    done, waiting, recent = (
        WebhookEvent.objects.create(
            uid=webhooks.new_event_id(), event="job.created", body="{}", created=created
        )
        for created in (long_ago, long_ago, timezone.now())
    )
    WebhookDelivery.objects.create(webhook=webhook, event=done, state="succeeded")
    WebhookDelivery.objects.create(webhook=webhook, event=waiting, state="retrying")
    assert webhooks.purge_old_events() == 1
    assert set(WebhookEvent.objects.all()) == {waiting, recent}
    assert WebhookDelivery.objects.get().event == waiting
