"""Depot's field names for billing's documents, in and out."""

from config.api.fields import Field, Fields
from config.api.rows import EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import EMAIL_MESSAGE_MAX_CHARS, PERIODICAL_REPEAT_INTERVAL_MAX
from projects.schemas import client_of

from .invoicing import PURCHASE_ORDER_MAX_CHARS, TERMS_MAX_DAYS
from .models import Periodical
from .totals import public_sections

ITEMS_HELP = (
    'A JSON encoded list of sections, {"title": ..., "items": [line, ...]}; a line has '
    "type (hourly, fixed, external or product), title, description, quantity, unitprice, "
    "take and markup (percentages), taxcode and category"
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


def terms_of(days) -> dict:
    return {"days": days}


def email_of(to_text, bcc_text, message) -> dict:
    # Depot lists the people by id as text, the users by email.
    return {
        "to": [str(pk) for pk in from_json(to_text) or []],
        "bcc": list(from_json(bcc_text) or []),
        "message": message,
    }


def sections_of(text) -> list[dict]:
    return public_sections(from_json(text) or [])


def text_or_null(value):
    # No purchase order is null, as the spec shows it.
    return value or None


def added_by_of(email, name) -> list[dict]:
    # A list of one, as the spec's example has it.
    return [{"email": email, "name": name}]


PERIODICAL_ROW = RowSpec(
    key("id"),
    key("title"),
    key("terms", read=terms_of),
    key(
        "client",
        "client_company_id",
        "client_company__name",
        "client_contact_id",
        "client_contact__fullname",
        read=client_of,
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
    key("addedby", "added_by__email", "added_by__name", read=added_by_of),
)
