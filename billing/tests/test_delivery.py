"""Documents sent by email (billing.delivery): to whom, once, and what it leaves behind."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import delivery, invoicing, periodicals
from billing.models import DocumentEvent, DocumentSending
from billing.tasks import deliver_document
from billing.tests.documents import credit_note, draft_invoice, issued_invoice
from billing.tests.factories import PeriodicalFactory, ProposalFactory
from crm.models import Activity
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7\n% a stand-in: the SMTP tests attach the real one\n"


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """The PDF is the PDF module's business (test_pdfs); here it need only be bytes."""
    monkeypatch.setattr(delivery, "attachment", lambda document: FAKE_PDF)


@pytest.fixture
def client_company():
    company = CompanyFactory(name="Acme Studio")
    ContactFactory(fullname="Joe Bloggs", email="joe@acme.test", company=company)
    ContactFactory(fullname="Ann Other", email="ann@acme.test", company=company)
    ContactFactory(fullname="No Mail", email="", company=company)
    return company


def person(company, name):
    return company.people.get(fullname=name)


def test_a_sending_goes_to_the_chosen_people_with_the_pdf_and_leaves_a_journal_entry_and_history(
    client_company, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(client=client_company)
    sender = UserFactory(name="Sam Sender", email="sam@studio.test")
    with django_capture_on_commit_callbacks(execute=True):
        sending = delivery.request_sending(
            invoice,
            by=sender,
            to=[person(client_company, "Joe Bloggs").pk],
            bcc=["sam@studio.test"],
            message="Hello Joe,\n\nYour invoice.",
        )
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.SENT and sending.attempts == 1
    [sent] = mail.outbox
    assert sent.to == ["Joe Bloggs <joe@acme.test>"] and sent.bcc == ["sam@studio.test"]
    assert sent.subject.startswith(f"Invoice {invoice.reference} from ")
    assert sent.body == "Hello Joe,\n\nYour invoice."
    assert sent.extra_headers["Message-ID"] == sending.message_id
    [(filename, content, mimetype)] = sent.attachments
    assert filename == f"Invoice {invoice.reference}.pdf" and mimetype == "application/pdf"
    assert content == FAKE_PDF

    entry = Activity.objects.get(type=Activity.Type.INVOICE)
    assert entry.title == f"Sent Invoice {invoice.reference}"
    assert (entry.for_type, entry.for_id) == ("C", client_company.pk)
    assert entry.added_by == sender and "Your invoice." in entry.content
    assert entry.extra["recipients"] == [
        {"id": str(person(client_company, "Joe Bloggs").pk), "name": "Joe Bloggs"}
    ]
    assert entry.extra["file"].endswith(f"/api/v1/invoices/{invoice.pk}/pdf")
    event = invoice.events.get(kind=DocumentEvent.Kind.SENT)
    assert event.by == sender and "Joe Bloggs <joe@acme.test>" in event.detail


def test_a_duplicate_run_sends_nothing_more(client_company, django_capture_on_commit_callbacks):
    invoice = issued_invoice(client=client_company)
    with django_capture_on_commit_callbacks(execute=True):
        sending = delivery.request_sending(
            invoice, to=[person(client_company, "Ann Other").pk], message="Hi"
        )
    deliver_document.call_local(sending.pk)
    assert delivery.deliver(sending.pk) is False
    assert len(mail.outbox) == 1
    assert Activity.objects.filter(type=Activity.Type.INVOICE).count() == 1
    assert invoice.events.filter(kind=DocumentEvent.Kind.SENT).count() == 1


def test_a_run_that_finds_it_being_sent_leaves_it_alone(client_company):
    """The other run holds the claim (or died after the server took it): not sent again."""
    invoice = issued_invoice(client=client_company)
    sending = delivery.request_sending(
        invoice, to=[person(client_company, "Ann Other").pk], message="Hi"
    )
    DocumentSending.objects.filter(pk=sending.pk).update(
        state=DocumentSending.State.SENDING, attempts=1, attempted=timezone.now()
    )
    assert delivery.deliver(sending.pk) is False
    assert mail.outbox == []
    # Long after, the page says it was interrupted, and queues nothing.
    DocumentSending.objects.filter(pk=sending.pk).update(
        attempted=timezone.now() - timedelta(hours=1)
    )
    [shown] = delivery.sendings_for_showing(invoice)
    assert shown.interrupted and not shown.pending
    assert delivery.deliver(sending.pk) is False and mail.outbox == []


class RefusingBackend:
    """An SMTP server that is down for the first `failures` connections."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        if RefusingBackend.failures:
            RefusingBackend.failures -= 1
            raise ConnectionRefusedError(111, "Connection refused")

    def close(self):
        pass

    def send_messages(self, messages):
        mail.outbox.extend(messages)
        return len(messages)


def test_an_smtp_failure_is_recorded_and_the_retry_delivers_once(client_company, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.failures = 1
    invoice = issued_invoice(client=client_company)
    sending = delivery.request_sending(
        invoice, to=[person(client_company, "Joe Bloggs").pk], message="Hi"
    )
    with pytest.raises(ConnectionRefusedError):
        delivery.deliver(sending.pk)
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.FAILED and sending.attempts == 1
    assert sending.reason == "The mail server could not be reached: Connection refused"
    [shown] = delivery.sendings_for_showing(invoice)
    assert shown.retrying and shown.pending
    assert mail.outbox == [] and not Activity.objects.exists()

    assert delivery.deliver(sending.pk) is True  # huey's retry
    assert delivery.deliver(sending.pk) is False  # and one more, for good measure
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.SENT and sending.reason == ""
    assert sending.attempts == 2 and len(mail.outbox) == 1
    assert invoice.events.filter(kind=DocumentEvent.Kind.SENT).count() == 1


def test_after_the_last_attempt_it_stays_failed(client_company, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.failures = delivery.MAX_ATTEMPTS + 1
    invoice = issued_invoice(client=client_company)
    sending = delivery.request_sending(
        invoice, to=[person(client_company, "Joe Bloggs").pk], message="Hi"
    )
    for _attempt in range(delivery.MAX_ATTEMPTS):
        with pytest.raises(ConnectionRefusedError):
            delivery.deliver(sending.pk)
    assert delivery.deliver(sending.pk) is False
    [shown] = delivery.sendings_for_showing(invoice)
    assert shown.state == DocumentSending.State.FAILED and not shown.retrying
    assert not shown.pending and "Connection refused" in shown.reason
    RefusingBackend.failures = 0


def test_a_smtp_refusal_reads_as_the_servers_answer():
    exc = smtplib.SMTPSenderRefused(553, b"5.7.1 Sender address rejected", "docket@x")
    assert delivery.failure_reason(exc) == (
        "The mail server refused it (553): 5.7.1 Sender address rejected"
    )


def test_a_lost_sending_is_queued_again_when_shown(
    client_company, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(client=client_company)
    sending = delivery.request_sending(
        invoice, to=[person(client_company, "Joe Bloggs").pk], message="Hi"
    )  # its task never ran: the queue was lost
    DocumentSending.objects.filter(pk=sending.pk).update(
        requested=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sendings_for_showing(invoice)
    sending.refresh_from_db()
    assert sending.state == DocumentSending.State.SENT and len(mail.outbox) == 1


def test_a_draft_is_not_sent(client_company):
    invoice = draft_invoice(client=client_company)
    with pytest.raises(ValidationError) as refused:
        delivery.request_sending(
            invoice, to=[person(client_company, "Joe Bloggs").pk], message="Hi"
        )
    assert refused.value.messages == ["A draft is not sent: issue it first, then send it."]


def test_every_problem_with_a_sending_is_named_at_once(client_company):
    invoice = issued_invoice(client=client_company)
    stranger = ContactFactory(fullname="Not Theirs")
    with pytest.raises(ValidationError) as refused:
        delivery.request_sending(
            invoice, to=[stranger.pk], bcc=["nobody@nowhere.test"], message="x" * 10_001
        )
    errors = refused.value.message_dict
    assert errors["to"] == [f"to must be the client's people: {stranger.pk} are not."]
    assert errors["bcc"] == ["bcc names emails that are not users: nobody@nowhere.test."]
    assert errors["message"] == ["message must be at most 10000 characters (it has 10001)."]
    assert not DocumentSending.objects.exists()


def test_recipients_must_be_the_clients_people_with_an_email(client_company):
    invoice = issued_invoice(client=client_company)
    stranger = ContactFactory(fullname="Not Theirs")
    for to, expected in [
        ([], "Choose at least one person to send it to."),
        ([stranger.pk], f"to must be the client's people: {stranger.pk} are not."),
        (
            [person(client_company, "No Mail").pk],
            "No Mail has no email address: add one on their page, or leave them out.",
        ),
        (list(range(1, 22)), "to can be at most 20 people."),
    ]:
        with pytest.raises(ValidationError) as refused:
            delivery.request_sending(invoice, to=to, message="Hi")
        assert refused.value.message_dict["to"] == [expected]


def test_a_person_client_is_sent_their_own(django_capture_on_commit_callbacks):
    client = ContactFactory(fullname="Pat Person", email="pat@home.test")
    invoice = issued_invoice(client=client)
    assert delivery.default_recipients(invoice) == [client.pk]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.request_sending(invoice, to=str(client.pk), message="Hi")
    assert mail.outbox[0].to == ["Pat Person <pat@home.test>"]
    assert Activity.objects.get().for_code == f"I{client.pk}"


def test_issuing_with_sendemail_and_ready_sends_it(
    client_company, django_capture_on_commit_callbacks
):
    joe = person(client_company, "Joe Bloggs")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = draft_invoice(
            client=client_company,
            sendemail=True,
            ready=True,
            emailto=str(joe.pk),
            emailmessage="Your monthly invoice.",
        )
    invoice.refresh_from_db()
    assert invoice.issued
    [sent] = mail.outbox
    assert sent.to == ["Joe Bloggs <joe@acme.test>"] and sent.body == "Your monthly invoice."
    assert [e.kind for e in invoice.events.all()] == ["issued", "sent"]


def test_without_sendemail_issuing_sends_nothing(
    client_company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued_invoice(client=client_company, emailto=str(person(client_company, "Joe Bloggs").pk))
    assert mail.outbox == [] and not DocumentSending.objects.exists()


def test_a_ready_invoice_dated_ahead_is_sent_when_the_worker_issues_it(
    client_company, django_capture_on_commit_callbacks
):
    invoice = draft_invoice(
        client=client_company,
        sendemail=True,
        ready=True,
        date=timezone.now() + timedelta(days=2),
    )
    assert not invoice.issued and not DocumentSending.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.issue_due_invoices(now=timezone.now() + timedelta(days=3))
    invoice.refresh_from_db()
    # No emailto: the company's people who have an email address, the usual message.
    [sent] = mail.outbox
    assert sorted(sent.to) == ["Ann Other <ann@acme.test>", "Joe Bloggs <joe@acme.test>"]
    assert f"Please find attached invoice {invoice.reference} for" in sent.body


def test_a_credit_note_issued_with_sendemail_is_sent_and_journalled_as_k(
    client_company, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(client=client_company)
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note(
            invoice, 10, sendemail=True, emailto=[person(client_company, "Ann Other").pk]
        )
    assert mail.outbox[0].attachments[0][0] == f"Credit note {note.reference}.pdf"
    entry = Activity.objects.get(type=Activity.Type.CREDIT_NOTE)
    assert entry.title == f"Sent Credit note {note.reference}"
    assert note.events.filter(kind=DocumentEvent.Kind.SENT).exists()


def test_nobody_to_send_to_is_a_failure_on_the_document_not_a_refused_issue(
    django_capture_on_commit_callbacks,
):
    company = CompanyFactory()
    ContactFactory(company=company, email="")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = draft_invoice(client=company, sendemail=True, ready=True)
    invoice.refresh_from_db()
    assert invoice.issued and mail.outbox == []
    [sending] = delivery.sendings_for_showing(invoice)
    assert sending.state == DocumentSending.State.FAILED and not sending.pending
    assert sending.reason.startswith("Nobody to send it to")


def test_a_recurring_invoice_is_sent_as_it_is_made(django_capture_on_commit_callbacks):
    company = CompanyFactory()
    joe = ContactFactory(fullname="Joe Bloggs", email="joe@acme.test", company=company)
    PeriodicalFactory(
        client_company=company,
        sendemail=True,
        email_to=[joe.pk],
        email_message="Your retainer.",
        first=timezone.localdate() - timedelta(days=40),
    )
    with django_capture_on_commit_callbacks(execute=True):
        made = periodicals.invoice_due_periods()
    assert made >= 1
    assert len(mail.outbox) == made
    assert all(m.to == ["Joe Bloggs <joe@acme.test>"] for m in mail.outbox)
    assert all(m.body == "Your retainer." for m in mail.outbox)
    assert DocumentSending.objects.filter(state=DocumentSending.State.SENT).count() == made
    # The next round makes nothing new, and sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert periodicals.invoice_due_periods() == 0
    assert len(mail.outbox) == made


def test_a_proposal_is_sent_and_journalled_as_q(django_capture_on_commit_callbacks):
    client = ContactFactory(fullname="Pat Person", email="pat@home.test")
    proposal = ProposalFactory(client_company=None, client_contact=client, title="New website")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.request_sending(proposal, to=[client.pk], message="Our proposal.")
    assert mail.outbox[0].subject.startswith(f"Proposal {proposal.pk}: New website from ")
    assert Activity.objects.get(type=Activity.Type.PROPOSAL).title == f"Sent Proposal {proposal.pk}"
    assert proposal.events.get().kind == DocumentEvent.Kind.SENT
