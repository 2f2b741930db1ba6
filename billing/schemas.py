"""Depot's field names for billing's documents, in and out."""

from datetime import UTC, date, datetime
from decimal import Decimal

from config.api.fields import Field, Fields
from config.api.rows import EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import (
    DOCUMENT_LINES_MAX_ITEMS,
    DOCUMENT_SECTIONS_MAX_ITEMS,
    EMAIL_MESSAGE_MAX_CHARS,
    PERIODICAL_REPEAT_INTERVAL_MAX,
    PROJECT_BRIEF_MAX_CHARS,
    PROJECT_SECTIONS_MAX_ITEMS,
)
from projects import schemas as project_schemas
from projects.schemas import sections_from_json

from .invoicing import PURCHASE_ORDER_MAX_CHARS, TERMS_MAX_DAYS
from .models import Payment, Periodical, Proposal
from .proposals import NOT_YET_KNOWN
from .totals import public_sections

# A Depot code: a letter and an id of up to 19 digits ("C41", "J7").
CODE_MAX_CHARS = 20

ITEMS_HELP = (
    'JSON array of sections, {"title": ..., "items": [line, ...]}; a line is {"type": '
    'hourly|fixed|external|product, "title", "description", "quantity", "unitprice", '
    '"take" (0-100 %), "taxcode", "markup" (%), "category" (a ledger code, or "-")}'
)
TOTAL_HELP = "The total before tax, to the cent: checked against the items"
EMAIL_FIELDS = {
    "sendemail": Field("bool", help="True to send it by email"),
    "emailto": Field(
        "str", comma_list=True, help="A comma separated list of the ids of people to send it to"
    ),
    "emailbcc": Field(
        "str", comma_list=True, help="A comma separated list of users' emails to bcc it to"
    ),
    "emailmessage": Field(
        "str", max_length=EMAIL_MESSAGE_MAX_CHARS, help="The message body of the email"
    ),
    "ready": Field(
        "bool", help="True when ready to send: issued (numbered) once its date has come"
    ),
}

# What a GET returns and a client may send back as it read it: `client`, `for`,
# `terms`, `addedby` and `email` are the objects naming what those fields write; the
# money that follows from the lines, what is owed and the embedded lists are read-only.
INVOICE_FIELDS = Fields(
    read_only=(
        "id",
        "issued",
        "reference",
        "tax",
        "grandtotal",
        "pdf",
        "amountpaid",
        "paid",
        "balance",
        "issuehistory",
        "payments",
        "creditnotes",
    ),
    shapes=("email",),
    items=Field("json", required=True, help=ITEMS_HELP),
    total=Field("decimal", required=True, help=TOTAL_HELP),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    discount=Field(
        "decimal", min_value=0, max_value=100, help="A percentage of the total taken off"
    ),
    client=Field(
        "str",
        max_length=CODE_MAX_CHARS,
        help="The client, C41 (a company) or I5 (a person); defaults to the client of `for`",
    ),
    purchaseorder=Field(
        "str", max_length=PURCHASE_ORDER_MAX_CHARS, help="A purchase order reference"
    ),
    date=Field("datetime", empty_is_absent=True, help="The invoice's date; defaults to now"),
    terms=Field(
        "int",
        min_value=0,
        max_value=TERMS_MAX_DAYS,
        help="Days within which payment is due; required with `date`",
    ),
    **EMAIL_FIELDS,
    **{
        "for": Field(
            "str",
            clearable=True,
            max_length=CODE_MAX_CHARS,
            help="The project (P1) or job (J3) it bills",
        )
    },
)

CREDIT_NOTE_FIELDS = Fields(
    read_only=(
        "id",
        "issued",
        "reference",
        "invoicereference",
        "client",
        "for",
        "tax",
        "grandtotal",
        "pdf",
        "issuehistory",
    ),
    shapes=("email",),
    invoiceid=Field("ref", required=True, help="The id of the issued invoice it credits"),
    items=Field("json", required=True, help=ITEMS_HELP),
    total=Field("decimal", required=True, help=TOTAL_HELP),
    discount=Field(
        "decimal",
        min_value=0,
        max_value=100,
        help="A percentage taken off the lines, as the invoice's discount was when they "
        "were sold (0 by default)",
    ),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    date=Field("datetime", empty_is_absent=True, help="The credit note's date; defaults to now"),
    **EMAIL_FIELDS,
)

PAYMENT_FIELDS = Fields(
    read_only=("id", "invoicereference"),
    invoice=Field("ref", required=True, help="The id of the issued invoice paid"),
    amount=Field("decimal", required=True, help="The amount received"),
    date=Field("date", required=True, help="The day it was received: a Unix timestamp"),
    method=Field("str", required=True, help=", ".join(Payment.Method.values)),
    note=Field("str", max_length=EMAIL_MESSAGE_MAX_CHARS, help="A note about the payment"),
)


# --- rows ---------------------------------------------------------------------------


def client_of(company_id, company_name, company_data, contact_id, contact_name, contact_data):
    if company_id is not None:
        return {
            "type": "C",
            "id": str(company_id),
            "name": company_name,
            "accountsdata": from_json(company_data),
        }
    if contact_id is not None:
        return {
            "type": "I",
            "id": str(contact_id),
            "name": contact_name,
            "accountsdata": from_json(contact_data),
        }
    return None


def _client_columns(path: str = "") -> tuple:
    return (
        f"{path}client_company_id",
        f"{path}client_company__name",
        json_text(f"{path}client_company__accountsdata"),
        f"{path}client_contact_id",
        f"{path}client_contact__fullname",
        json_text(f"{path}client_contact__accountsdata"),
    )


def work_of(project_id, project_title, job_id, job_title):
    """Depot's `for`: the job or project billed as {type, id, name}, as the journal's
    `for` names an item; an invoice for neither shows Depot's empty `[]`."""
    if job_id is not None:
        return {"type": "J", "id": str(job_id), "name": job_title}
    if project_id is not None:
        return {"type": "P", "id": str(project_id), "name": project_title}
    return []


def work_or_null(*columns):
    # A credit note for an invoice that bills no work shows `for: null`.
    return work_of(*columns) or None


def _work_columns(path: str = "") -> tuple:
    return (f"{path}project_id", f"{path}project__title", f"{path}job_id", f"{path}job__title")


def email_of(to_text, bcc_text, message) -> dict:
    return {
        "to": [str(contact_id) for contact_id in from_json(to_text) or []],
        "bcc": from_json(bcc_text) or [],
        "message": message,
    }


EMAIL_COLUMNS = (json_text("email_to"), json_text("email_bcc"), "email_message")


def terms_of(due, days) -> dict:
    return {"timestamp": due, "days": days}


def sections_of(text) -> list[dict]:
    return public_sections(from_json(text) or [])


def user_of(email, name) -> dict | None:
    return None if email is None else {"email": email, "name": name}


def users_of(email, name) -> list[dict]:
    # Credit notes list their author, as the spec shows.
    return [] if email is None else [{"email": email, "name": name}]


def issued_flag(issued_at) -> bool:
    return issued_at is not None


def id_text(value) -> str | None:
    return None if value is None else str(value)


def pdf_url(collection: str):
    """A document's `pdf`: the absolute URL its PDF downloads from with the API's
    credentials or a signed-in session (billing.api), once the worker has rendered
    one; null before."""

    def url(request, pk, file_name) -> str | None:
        if not file_name:
            return None
        return request.build_absolute_uri(f"/api/v1/{collection}/{pk}/pdf")

    return url


INVOICE_ROW = RowSpec(
    key("id"),
    key("issued", EpochSeconds("issued_at"), read=issued_flag),
    key("ready"),
    key("reference"),
    key("purchaseorder"),
    key("terms", EpochSeconds("due"), "terms", read=terms_of),
    key("client", *_client_columns(), read=client_of),
    key("sendemail"),
    key("email", *EMAIL_COLUMNS, read=email_of),
    key("for", *_work_columns(), read=work_of),
    key("items", json_text("items"), read=sections_of),
    key("discount"),
    key("total"),
    key("tax"),
    key("grandtotal"),
    key("date", EpochSeconds("date")),
    key("pdf", "id", "pdf__file", request=True, read=pdf_url("invoices")),
    # Annotated by billing.queries.with_balance, in the rows' own query.
    key("amountpaid"),
    key("paid", "is_paid"),
    key("addedby", "added_by__email", "added_by__name", read=user_of),
    key("balance"),
)

CREDIT_NOTE_ROW = RowSpec(
    key("id"),
    key("ready"),
    key("issued", EpochSeconds("issued_at"), read=issued_flag),
    key("reference"),
    key("invoiceid", "invoice_id", read=str),
    key("invoicereference", "invoice__reference"),
    key("client", *_client_columns("invoice__"), read=client_of),
    key("sendemail"),
    key("email", *EMAIL_COLUMNS, read=email_of),
    key("for", *_work_columns("invoice__"), read=work_or_null),
    key("items", json_text("items"), read=sections_of),
    key("discount"),
    key("total"),
    key("tax"),
    key("grandtotal"),
    key("date", EpochSeconds("date")),
    key("pdf", "id", "pdf__file", request=True, read=pdf_url("creditnotes")),
    key("addedby", "added_by__email", "added_by__name", read=users_of),
)

PAYMENT_ROW = RowSpec(
    key("id"),
    key("invoice", "invoice_id", read=str),
    key("invoicereference", "invoice__reference"),
    key("amount"),
    key("date", EpochSeconds("date")),
    key("method"),
    key("note"),
)

# Depot's `issuehistory`: when a document was issued (and, with delivery, sent), its
# reference and by whom (null: the worker issued it on its day).
ISSUE_EVENT_ROW = RowSpec(
    key("date", EpochSeconds("at")),
    key("reference", "invoice__reference", "credit_note__reference", read=lambda a, b: a or b),
    key("type", "kind"),
    key("by", "by__email", "by__name", read=user_of),
)


def group_row(group: dict, references: list) -> dict:
    """One client's invoices in the grouped list, as the spec shows it."""
    if group["client_company_id"] is not None:
        client = {
            "type": "C",
            "id": str(group["client_company_id"]),
            "name": group["client_company__name"],
        }
    else:
        client = {
            "type": "I",
            "id": str(group["client_contact_id"]),
            "name": group["client_contact__fullname"],
        }
    return {
        "client": client,
        "invoices": references,
        "total": group["grouped_total"],
        "grandtotal": group["grouped_grandtotal"],
        "count": group["grouped_count"],
    }


# --- proposals ---------------------------------------------------------------------

SECTIONS_HELP = (
    f'JSON array of up to {PROJECT_SECTIONS_MAX_ITEMS} sections, {{"title": ..., "content": ...}}'
)
JOBS_HELP = (
    f"JSON array of up to {DOCUMENT_SECTIONS_MAX_ITEMS} jobs ({DOCUMENT_LINES_MAX_ITEMS} items "
    'in all): {"name", "brief", "discount", "print", "team", "items": [{"name", "brief", '
    '"hours", "rate", "taxcode", "type", "print", "category", "start", "duration", "team", '
    "\"actions\"}]}, as a proposal's `jobs` reads. An item costs hours × rate; a job's "
    "discount comes off its items before the proposal's."
)

# What a GET returns and a client may send back as it read it: `name` is the title,
# `jobs` the jobs of items that `items` writes, `client` and `user` the objects naming
# what those fields write; the rest is read-only.
PROPOSAL_FIELDS = Fields(
    read_only=("id", "tax", "grandtotal", "pdf", "created", "issuehistory"),
    shapes=("name", "jobs"),
    title=Field(
        "str",
        required=True,
        max_length=Proposal._meta.get_field("title").max_length,
        help="The title of the proposal",
    ),
    status=Field("str", required=True, help="P for pending, A for accepted, X for rejected"),
    client=Field(
        "str",
        required=True,
        help="The company or person it is for: C41 for a company, I5 for a person",
    ),
    user=Field("email", required=True, help="The email address of the user adding it"),
    overview=Field("str", max_length=PROJECT_BRIEF_MAX_CHARS, help="The overview"),
    items=Field("json", clearable=True, help=f"The jobs of items: {JOBS_HELP}"),
    expanded=Field("json", clearable=True, help=f"Expanded sections: {SECTIONS_HELP}"),
    conclusion=Field("json", clearable=True, help=f"Conclusion sections: {SECTIONS_HELP}"),
    submitdate=Field(
        "date", clearable=True, help="When it should be submitted by; 0 or empty for none"
    ),
    discount=Field("decimal", min_value=0, max_value=100, help="A percentage of the total"),
    printtotal=Field("bool", help="Whether outputs show the overall totals"),
    total=Field("decimal", help="Optional: when sent, it must be the items' total to the cent"),
)


def epoch_text(day: str) -> str:
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    return str(int(moment.timestamp()))


def public_jobs(text) -> list[dict]:
    """Stored jobs in Depot's shape: hours and rates as text with two places, a job's
    discount as a number, a start as TBC or Unix time; the frozen tax rate left out."""
    return [
        {
            "name": job["name"],
            "brief": job["brief"],
            "discount": Decimal(job["discount"]),
            "print": job["print"],
            "items": [
                {
                    "hours": item["hours"],
                    "name": item["name"],
                    "brief": item["brief"],
                    "rate": item["rate"],
                    "taxcode": item["taxcode"],
                    "actions": item["actions"],
                    "type": item["type"],
                    "start": (
                        item["start"]
                        if item["start"] == NOT_YET_KNOWN
                        else epoch_text(item["start"])
                    ),
                    "duration": item["duration"],
                    "team": item["team"],
                    "print": item["print"],
                    "category": item["category"],
                }
                for item in job["items"]
            ],
            "team": job["team"],
        }
        for job in from_json(text) or []
    ]


def epoch_or_zero(seconds) -> int:
    # No date reads 0, as the spec's example shows `"submitdate": 0`.
    return seconds or 0


PROPOSAL_ROW = RowSpec(
    key("id"),
    key(
        "client",
        "client_company_id",
        "client_company__name",
        "client_contact_id",
        "client_contact__fullname",
        read=project_schemas.client_of,
    ),
    key("status"),
    key("name", "title"),
    key("overview"),
    key("expanded", json_text("expanded"), read=sections_from_json),
    key("conclusion", json_text("conclusion"), read=sections_from_json),
    key("jobs", json_text("jobs"), read=public_jobs),
    key("discount"),
    key("total"),
    key("tax"),
    key("grandtotal"),
    key("printtotal"),
    key("pdf", "id", "pdf__file", request=True, read=pdf_url("proposals")),
    key("created", EpochSeconds("added")),
    key("submitdate", EpochSeconds("submitdate"), read=epoch_or_zero),
    key("user", "added_by__email", "added_by__name", read=project_schemas.user_of),
)


# What a GET returns and a client may send back as it read it: `terms` ({"days"}),
# `client` ({type, id, name}), `email` ({to, bcc, message}) and `addedby` ([{email,
# name}]) as the objects naming what those fields write; the rest is read-only.
PERIODICAL_FIELDS = Fields(
    read_only=("id", "grandtotal"),
    shapes=("email",),
    terms=Field(
        "int",
        required=True,
        min_value=0,
        max_value=TERMS_MAX_DAYS,
        help="The number of days within which payment is required",
    ),
    client=Field(
        "str", required=True, max_length=41, help="The client: C41 for a company, I5 for a person"
    ),
    items=Field("json", required=True, help=ITEMS_HELP),
    total=Field(
        "decimal",
        required=True,
        help="The total of the items before tax: checked against them to the cent",
    ),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    repeat=Field("str", max_length=1, help="D for day, W for week, M for month, Y for year (Y)"),
    repeatinterval=Field(
        "int",
        min_value=1,
        max_value=PERIODICAL_REPEAT_INTERVAL_MAX,
        help="Repeat every this many days, weeks, months or years (1)",
    ),
    discount=Field("decimal", min_value=0, max_value=100, help="A percentage of the total"),
    purchaseorder=Field(
        "str",
        clearable=True,
        max_length=PURCHASE_ORDER_MAX_CHARS,
        help="A purchase order reference for its invoices",
    ),
    title=Field(
        "str",
        clearable=True,
        max_length=Periodical._meta.get_field("title").max_length,
        help="A title for the recurring invoice",
    ),
    first=Field(
        "date", empty_is_absent=True, help="The date of the first invoice (today by default)"
    ),
    last=Field(
        "date", clearable=True, help="The date of the last invoice; empty or null for never"
    ),
    sendemail=Field("bool", help="Send each invoice by email when it is issued"),
    emailto=Field(
        "str", comma_list=True, clearable=True, help="People's ids to send it to, comma separated"
    ),
    emailbcc=Field(
        "str",
        comma_list=True,
        clearable=True,
        help="Users' emails to blind copy, comma separated",
    ),
    emailmessage=Field(
        "str",
        clearable=True,
        max_length=EMAIL_MESSAGE_MAX_CHARS,
        help="The message sent with each invoice",
    ),
)


def text_or_null(value):
    # No purchase order is null, as the spec shows it.
    return value or None


def days_terms(days) -> dict:
    # A recurring invoice's terms have no due date of their own.
    return {"days": days}


PERIODICAL_ROW = RowSpec(
    key("id"),
    key("title"),
    key("terms", read=days_terms),
    key(
        "client",
        "client_company_id",
        "client_company__name",
        "client_contact_id",
        "client_contact__fullname",
        read=project_schemas.client_of,
    ),
    key("sendemail"),
    key("email", json_text("email_to"), json_text("email_bcc"), "email_message", read=email_of),
    key("items", json_text("items"), read=sections_of),
    key("discount"),
    key("total"),
    key("grandtotal"),
    key("repeat"),
    key("repeatinterval"),
    key("purchaseorder", read=text_or_null),
    key("first", EpochSeconds("first")),
    key("last", EpochSeconds("last")),
    key("addedby", "added_by__email", "added_by__name", read=users_of),
)
