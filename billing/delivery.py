"""Invoices, credit notes and proposals sent by email (DESIGN §6), for the pages, the
API and the worker alike.

Each sending is a row (`DocumentSending`): who it goes to, who is copied, the message,
and where it stands. Asking for one (`request_sending`, the Send dialog; `send_on_issue`,
a document issued with `sendemail`) checks it and queues it once the transaction
commits; the worker sends it (`deliver`) with the document's PDF attached, then writes
in one transaction that it was sent, the journal entry on the client ("Sent Invoice
171", type B, K or Q, with the recipients and the file) and the document's
issue-history row (`DocumentEvent` SENT).

Exactly once. `deliver` first claims the row with one conditional UPDATE (queued, or
failed with attempts left, becomes sending): of two runs of the task only one wins, and
a run that finds it sending or sent does nothing. A failure (SMTP down, a PDF that won't
render) sets it failed with the reason, shown on the document, and is raised for huey to
retry with backoff; the retry claims it again. What remains is the moment between the
SMTP server accepting the message and the sent mark being written: a worker that dies
there leaves the row "sending". Such a row is never taken again (it may have reached the
client): after `INTERRUPTED_AFTER` the page says it was interrupted and may have been
delivered, and the user decides whether to send again. The window is narrowed to a
local write: the PDF is rendered and the message built before the SMTP connection opens,
the sent mark is committed straight after the server's "250 accepted" and before the
connection's QUIT, and the journal and history go in that same short transaction. The
other duplicate SMTP itself allows (the connection lost after the message's last line,
before the server's answer) is retried with the same Message-ID, made once when the
sending is queued, which receiving servers and mail clients use to drop a repeat."""

from datetime import timedelta
from email.utils import formataddr, make_msgid
from typing import TypedDict, Unpack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import AccountSettings
from config.errors import Refusals, field_error, request_error
from config.keywords import only_known
from config.limits import DELIVERY_RECIPIENTS_MAX, EMAIL_MESSAGE_MAX_CHARS
from config.text import clean_values
from crm.models import Activity, Company, Contact
from crm.services import create_activity

from . import pdfs
from .models import CreditNote, DocumentEvent, DocumentPdf, DocumentSending, Invoice, Proposal

User = get_user_model()

# Attempts in all: the first and huey's retries (billing.tasks.deliver_document), 30 s,
# 1 min and 2 min apart.
MAX_ATTEMPTS = 4
RETRY_DELAY_SECONDS = 30
RETRY_BACKOFF = 2
# A sending queued (or failed, with attempts left) this long ago and not tried since
# was lost with its worker: showing it queues it again, which is safe (the claim).
LOST_AFTER = timedelta(minutes=10)
# A sending still "sending" this long after its attempt began was interrupted after
# the claim: it may or may not have reached the client.
INTERRUPTED_AFTER = timedelta(minutes=10)
REASON_LIMIT = DocumentSending._meta.get_field("reason").max_length
BCC_MAX = 20

JOURNAL_TYPES = {
    "invoice": Activity.Type.INVOICE,
    "creditnote": Activity.Type.CREDIT_NOTE,
    "proposal": Activity.Type.PROPOSAL,
}


class SendingFields(TypedDict, total=False):
    to: list[int] | list[str] | str | None  # the client's people's ids, or "5,7"
    bcc: list[str] | str | None  # users' emails, or "a@x.com,b@x.com"
    message: str


# --- what a document is called and who it can go to ---------------------------------


def document_label(document) -> str:
    """ "Invoice 171", "Credit note 12", "Proposal 40"; a draft by its number."""
    kind = pdfs.kind_of(document)
    if kind == "proposal":
        return f"Proposal {document.pk}"
    name = "Invoice" if kind == "invoice" else "Credit note"
    return (
        f"{name} {document.reference}"
        if document.reference
        else f"Draft {name.lower()} #{document.pk}"
    )


def client_of(document):
    return document.invoice.client if isinstance(document, CreditNote) else document.client


def client_people(document) -> list[Contact]:
    """Whom it can be sent to: a person client, or a company client's people."""
    client = client_of(document)
    if isinstance(client, Company):
        return list(client.people.order_by("fullname", "pk")[:200])
    return [client]


def can_be_sent(document) -> bool:
    """A proposal, or an issued invoice or credit note (a draft is issued first)."""
    return isinstance(document, Proposal) or document.issued


def default_recipients(document) -> list[int]:
    """Who it goes to unless someone chooses: the document's `emailto` when it names
    any; otherwise a person client, or a company's people who have an email address."""
    if getattr(document, "email_to", None):
        return list(document.email_to)
    return [person.pk for person in client_people(document) if person.email][
        :DELIVERY_RECIPIENTS_MAX
    ]


def default_message(document) -> str:
    account = AccountSettings.load()
    kind = pdfs.kind_of(document)
    if kind == "invoice":
        amount = f"{account.currency_symbol}{document.grandtotal:,.2f}"
        text = f"Please find attached invoice {document.reference or ''} for {amount}."
    elif kind == "creditnote":
        text = (
            f"Please find attached credit note {document.reference or ''} "
            f"against invoice {document.invoice.reference}."
        )
    else:
        text = f"Please find attached our proposal: {document.title}."
    return f"Hello,\n\n{' '.join(text.split())}\n\nThank you,\n{account.company_name}"


def user_choices() -> list:
    """The users a sending can be copied to."""
    return list(User.objects.filter(is_active=True).exclude(email="").order_by("name", "email"))


# --- asking for a sending -------------------------------------------------------------


def listed(value) -> list:
    """A list field as it may come: a list, or comma-separated text (a form's, the
    PHP kit's); empty items dropped."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() if isinstance(item, str) else item for item in items if item != ""]


def users_to_copy(value, *, field: str, limit: int) -> list[str]:
    """The emails of the active users `value` names (blind copies of a document's
    email), each once, lower-cased; an email that is no active user's is refused
    with the others it names. Shared by sendings and documents' `emailbcc`."""
    emails = list(dict.fromkeys(str(item).strip().lower() for item in listed(value)))
    if len(emails) > limit:
        raise field_error(
            field, "%(field)s can name at most %(limit)s users.", "too_many", limit=limit
        )
    found = {
        email.lower()
        for email in User.objects.filter(email__in=emails, is_active=True).values_list(
            "email", flat=True
        )
    }
    unknown = [email for email in emails if email not in found]
    if unknown:
        raise field_error(
            field,
            "%(field)s names emails that are not users: %(emails)s.",
            "not_found",
            emails=", ".join(email[:100] for email in unknown[:20]),
        )
    return emails


def _recipients(document, value) -> list[dict]:
    items = listed(value)
    if not items:
        raise field_error("to", "Choose at least one person to send it to.", "required")
    if len(items) > DELIVERY_RECIPIENTS_MAX:
        raise field_error(
            "to",
            "%(field)s can be at most %(limit)s people.",
            "too_many",
            limit=DELIVERY_RECIPIENTS_MAX,
        )
    try:
        ids = list(dict.fromkeys(int(item) for item in items))
    except (TypeError, ValueError):
        raise field_error("to", "%(field)s must be a list of people's ids.", "invalid") from None
    people = {person.pk: person for person in client_people(document)}
    strangers = [str(pk) for pk in ids if pk not in people]
    if strangers:
        raise field_error(
            "to",
            "%(field)s must be the client's people: %(ids)s are not.",
            "not_the_clients",
            ids=", ".join(strangers[:20]),
        )
    without = [people[pk].fullname for pk in ids if not people[pk].email]
    if without:
        raise field_error(
            "to",
            "%(names)s has no email address: add one on their page, or leave them out.",
            "no_email",
            names=", ".join(name[:100] for name in without[:5]),
        )
    return [{"id": pk, "name": people[pk].fullname, "email": people[pk].email} for pk in ids]


def _message(value) -> str:
    message = str(value or "").strip()
    if not message:
        raise field_error("message", "%(field)s is required.", "required")
    if len(message) > EMAIL_MESSAGE_MAX_CHARS:
        raise field_error(
            "message",
            "%(field)s must be at most %(limit)s characters (it has %(length)s).",
            "max_length",
            limit=EMAIL_MESSAGE_MAX_CHARS,
            length=len(message),
        )
    return message


def _document_link(document) -> dict:
    kind = pdfs.kind_of(document)
    return {
        {"invoice": "invoice", "creditnote": "credit_note", "proposal": "proposal"}[kind]: document
    }


def _queue(sending: DocumentSending) -> None:
    from .tasks import deliver_document

    transaction.on_commit(lambda: deliver_document(sending.pk))


def _new_sending(document, **values) -> DocumentSending:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or None
    return DocumentSending.objects.create(
        **_document_link(document), message_id=make_msgid("docket", domain=domain), **values
    )


@transaction.atomic
def request_sending(document, *, by=None, **fields: Unpack[SendingFields]) -> DocumentSending:
    """Send `document` to some of its client's people (`to`), copied to users (`bcc`),
    with `message`: checked now (every problem at once), sent by the worker once this
    commits. A draft invoice or credit note is not sent: issue it first."""
    fields = clean_values(only_known(fields, SendingFields))
    if not can_be_sent(document):
        raise request_error("A draft is not sent: issue it first, then send it.", "draft")
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    recipients = check(_recipients, document, fields.get("to"))
    bcc = check(users_to_copy, fields.get("bcc"), field="bcc", limit=BCC_MAX)
    message = check(_message, fields.get("message"))
    if errors:
        raise ValidationError(errors)
    sending = _new_sending(
        document,
        recipients=recipients,
        bcc=bcc,
        message=message,
        by=by if isinstance(by, User) else None,
    )
    _queue(sending)
    return sending


def send_on_issue(document, *, by=None) -> DocumentSending | None:
    """A document issued with `sendemail` goes to its `emailto` (or its client, when it
    names nobody) with its `emailbcc` and `emailmessage` (or the usual message), as it
    is issued. Nobody to send it to is a failed sending that says so on the document,
    not a refused issue: the invoice is issued either way."""
    if not document.sendemail:
        return None
    by = by if isinstance(by, User) else None
    people = {person.pk: person for person in client_people(document)}
    chosen = [pk for pk in default_recipients(document) if pk in people]
    reachable = [pk for pk in chosen if people[pk].email][:DELIVERY_RECIPIENTS_MAX]
    recipients = [
        {"id": pk, "name": people[pk].fullname, "email": people[pk].email} for pk in reachable
    ]
    values = {
        "recipients": recipients,
        "bcc": list(document.email_bcc or [])[:BCC_MAX],
        "message": (document.email_message or "").strip()[:EMAIL_MESSAGE_MAX_CHARS]
        or default_message(document),
        "by": by,
    }
    if not recipients:
        return _new_sending(
            document,
            **values,
            state=DocumentSending.State.FAILED,
            attempts=MAX_ATTEMPTS,
            reason="Nobody to send it to: none of the people it was to go to has an email "
            "address. Add one and send it from this page.",
        )
    sending = _new_sending(document, **values)
    _queue(sending)
    return sending


# --- what the pages show --------------------------------------------------------------


def sendings_for_showing(document) -> list[DocumentSending]:
    """The document's sendings, newest first, queueing again those whose worker was
    lost (queued, or failed with attempts left, and untouched for `LOST_AFTER`): the
    claim in `deliver` makes that safe whatever the first task does."""
    sendings = list(document.sendings.select_related("by")[:20])
    now = timezone.now()
    for sending in sendings:
        waiting = sending.state == DocumentSending.State.QUEUED or (
            sending.state == DocumentSending.State.FAILED and sending.attempts < MAX_ATTEMPTS
        )
        last = max(filter(None, (sending.requested, sending.attempted)))
        lost = waiting and last <= now - LOST_AFTER
        # Conditional: of two pages showing it at once, one queues it again.
        if lost and DocumentSending.objects.filter(
            pk=sending.pk, state=sending.state, attempted=sending.attempted
        ).update(requested=now):
            sending.requested = now
            _queue(sending)
        sending.retrying = (
            sending.state == DocumentSending.State.FAILED and sending.attempts < MAX_ATTEMPTS
        )
        sending.interrupted = (
            sending.state == DocumentSending.State.SENDING
            and sending.attempted is not None
            and sending.attempted <= now - INTERRUPTED_AFTER
        )
        sending.pending = (
            sending.state == DocumentSending.State.QUEUED
            or sending.retrying
            or (sending.state == DocumentSending.State.SENDING and not sending.interrupted)
        )
    return sendings


# --- sending (the worker) -------------------------------------------------------------


def _claim(sending_id: int) -> bool:
    """Take the sending for this run: one conditional UPDATE, committed before any
    mail is sent, which only one of two runs can win."""
    claimable = Q(state=DocumentSending.State.QUEUED) | Q(
        state=DocumentSending.State.FAILED, attempts__lt=MAX_ATTEMPTS
    )
    return bool(
        DocumentSending.objects.filter(claimable, pk=sending_id).update(
            state=DocumentSending.State.SENDING,
            attempts=F("attempts") + 1,
            attempted=timezone.now(),
            reason="",
        )
    )


def _load(sending: DocumentSending):
    if sending.invoice_id:
        return Invoice.objects.select_related("client_company", "client_contact").get(
            pk=sending.invoice_id
        )
    if sending.credit_note_id:
        return CreditNote.objects.select_related(
            "invoice", "invoice__client_company", "invoice__client_contact"
        ).get(pk=sending.credit_note_id)
    return Proposal.objects.select_related("client_company", "client_contact").get(
        pk=sending.proposal_id
    )


def _kept_pdf(document) -> bytes | None:
    """The kept PDF if it shows the document as it is: an issued document's final one,
    or a draft's or a proposal's rendered from its current version."""
    pdf = DocumentPdf.objects.filter(**_document_link(document)).first()
    if pdf is None or not pdf.file:
        return None
    current = pdf.final if pdfs.is_issued(document) else pdf.shows_version == document.lastupdated
    if not current:
        return None
    try:
        with default_storage.open(pdf.file.name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None


def attachment(document) -> bytes:
    """The PDF the client receives: the kept one, else rendered (and kept) now; if the
    document changed while it rendered, rendered as it is now without keeping it."""
    content = _kept_pdf(document)
    if content is None:
        pdfs.render_pdf(pdfs.kind_of(document), document.pk)
        content = _kept_pdf(document)
    if content is None:
        content = pdfs.write_pdf(pdfs.document_html(document))
    return content


def _subject(document) -> str:
    company = " ".join(AccountSettings.load().company_name.split())
    label = document_label(document)
    if isinstance(document, Proposal):
        label = f"{label}: {' '.join(document.title.split())}"
    return f"{label} from {company}"[:250]


def build_message(
    sending: DocumentSending, document, content: bytes, connection=None
) -> EmailMessage:
    message = EmailMessage(
        subject=_subject(document),
        body=sending.message,
        to=[formataddr((person["name"], person["email"])) for person in sending.recipients],
        bcc=sending.bcc,
        headers={"Message-ID": sending.message_id},
        connection=connection,
    )
    message.attach(pdfs.pdf_filename(document), content, "application/pdf")
    return message


def failure_reason(exc: Exception) -> str:
    """Why it could not be sent, in words a user can act on."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = f"The mail server could not be reached: {exc.strerror}"
    elif getattr(exc, "smtp_error", None):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        reason = f"The mail server refused it ({exc.smtp_code}): {text}"
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"


def _file_url(document) -> str:
    collection = {"invoice": "invoices", "creditnote": "creditnotes", "proposal": "proposals"}[
        pdfs.kind_of(document)
    ]
    return f"{settings.DOCKET_BASE_URL}/api/v1/{collection}/{document.pk}/pdf"


def _record_sent(sending: DocumentSending, document) -> None:
    """The sent mark, the journal entry on the client and the issue-history row, in one
    transaction of local writes."""
    with transaction.atomic():
        marked = DocumentSending.objects.filter(
            pk=sending.pk, state=DocumentSending.State.SENDING
        ).update(state=DocumentSending.State.SENT, sent_at=timezone.now(), reason="")
        if not marked:
            return
        label = document_label(document)
        client = client_of(document)
        by = sending.by or document.added_by
        create_activity(
            title=f"Sent {label}",
            type=JOURNAL_TYPES[pdfs.kind_of(document)],
            added_by=by,
            for_code=f"{client.CODE}{client.pk}",
            content=sending.message,
            extra={
                "recipients": [
                    {"id": str(person["id"]), "name": person["name"]}
                    for person in sending.recipients
                ],
                "file": _file_url(document),
            },
        )
        to = ", ".join(f"{person['name']} <{person['email']}>" for person in sending.recipients)
        detail = f"To {to}" + (f"; copied to {', '.join(sending.bcc)}" if sending.bcc else "")
        DocumentEvent.objects.create(
            kind=DocumentEvent.Kind.SENT,
            by=sending.by,
            detail=detail[: DocumentEvent._meta.get_field("detail").max_length],
            **_document_link(document),
        )


def deliver(sending_id: int) -> bool:
    """Send the sending `sending_id` if it is still to be sent (see the module's note on
    exactly once). Returns whether this run sent it; raises what made it fail, after
    recording why on the sending, for huey to retry."""
    if not _claim(sending_id):
        return False
    sending = DocumentSending.objects.select_related("by").get(pk=sending_id)
    connection = None
    try:
        document = _load(sending)
        message = build_message(sending, document, attachment(document))
        connection = get_connection()
        connection.open()
        message.connection = connection
        message.send()
    except Exception as exc:
        DocumentSending.objects.filter(pk=sending_id, state=DocumentSending.State.SENDING).update(
            state=DocumentSending.State.FAILED, reason=failure_reason(exc)
        )
        if connection is not None:
            connection.close()
        raise
    try:
        _record_sent(sending, document)
    finally:
        connection.close()
    return True
