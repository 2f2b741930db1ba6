"""Documents delivered to a real SMTP server (aiosmtpd) the test starts, with the PDF
the worker rendered; an outage is retried and delivers once."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from accounts.tests.factories import UserFactory
from billing import delivery
from billing.models import DocumentSending
from billing.tests.documents import issued_invoice
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd can't report a port the OS picked
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return port


def start_server(port: int) -> tuple[Inbox, Controller]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller


@pytest.fixture
def sent_invoice():
    company = CompanyFactory(name="Acme Studio")
    joe = ContactFactory(fullname="Joe Bloggs", email="joe@acme.test", company=company)
    ann = ContactFactory(fullname="Ann Other", email="ann@acme.test", company=company)
    UserFactory(email="books@studio.test")
    invoice = issued_invoice(client=company)
    sending = delivery.request_sending(
        invoice, to=[joe.pk, ann.pk], bcc="books@studio.test", message="Hello,\n\nAttached."
    )
    return invoice, sending


def check_delivered(envelope, invoice):
    assert sorted(envelope.rcpt_tos) == ["ann@acme.test", "books@studio.test", "joe@acme.test"]
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["To"] == "Joe Bloggs <joe@acme.test>, Ann Other <ann@acme.test>"
    assert received["Bcc"] is None  # copied, not shown
    assert received["Subject"].startswith(f"Invoice {invoice.reference} from ")
    body = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.strip() == "Hello,\n\nAttached."
    [attached] = list(received.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == f"Invoice {invoice.reference}.pdf"
    assert attached.get_content().startswith(b"%PDF-")
    return received


def test_an_invoice_reaches_a_real_smtp_server_with_its_pdf(smtp_settings, sent_invoice):
    invoice, sending = sent_invoice
    inbox, controller = start_server(smtp_settings)
    try:
        assert delivery.deliver(sending.pk) is True
        assert delivery.deliver(sending.pk) is False
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    received = check_delivered(envelope, invoice)
    sending.refresh_from_db()
    assert received["Message-ID"] == sending.message_id
    assert sending.state == DocumentSending.State.SENT


def test_an_outage_is_retried_and_delivers_once(smtp_settings, sent_invoice):
    invoice, sending = sent_invoice
    # The server is down: the attempt fails, says why, and is raised for huey's retry.
    with pytest.raises(ConnectionRefusedError):
        delivery.deliver(sending.pk)
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.FAILED
    assert sending.reason == "The mail server could not be reached: Connection refused"
    # It is back: the retry delivers, and a duplicate run of the task sends nothing.
    inbox, controller = start_server(smtp_settings)
    try:
        assert delivery.deliver(sending.pk) is True
        assert delivery.deliver(sending.pk) is False
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    check_delivered(envelope, invoice)
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.SENT and sending.attempts == 2
