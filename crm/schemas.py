"""Depot's field names for companies, contacts and the journal, in and out."""

from functools import partial

from config.addresses import ADDRESS_KEYS
from config.api.fields import Field, Fields
from config.api.rows import OMIT, Batched, EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import (
    ACCOUNTSDATA_MAX_BYTES,
    CUSTOMFIELD_TITLE_MAX_CHARS,
    CUSTOMFIELD_VALUE_MAX_CHARS,
    CUSTOMFIELDS_MAX_ITEMS,
    JOURNAL_CONTENT_MAX_CHARS,
    NOTES_MAX_CHARS,
    TAGS_MAX_ITEMS,
)
from config.upload_limits import human_size

from . import queries
from .models import Activity, Company, Contact


def _text(model, field_name: str, **options) -> Field:
    """A text field held to its column's max_length."""
    return Field("str", max_length=model._meta.get_field(field_name).max_length, **options)


ADDRESS_FIELDS = {key: _text(Company, key) for key in ADDRESS_KEYS}
SHARED_FIELDS = {
    "telephone": _text(Company, "telephone"),
    "notes": Field("str", max_length=NOTES_MAX_CHARS),
    "tags": Field("str", comma_list=True, help=f"Comma separated tags (at most {TAGS_MAX_ITEMS})"),
    "customfields": Field(
        "json",
        clearable=True,
        help=f'JSON array of {{"title": "value"}} pairs: at most {CUSTOMFIELDS_MAX_ITEMS}, '
        f"titles up to {CUSTOMFIELD_TITLE_MAX_CHARS} and values up to "
        f"{CUSTOMFIELD_VALUE_MAX_CHARS} characters",
    ),
    "creditlimit": Field("decimal", min_value=0, clearable=True, help="Outstanding credit allowed"),
    "accountsdata": Field(
        "json",
        clearable=True,
        help="JSON object of ids in accounting systems, "
        f"up to {human_size(ACCOUNTSDATA_MAX_BYTES)} as JSON",
    ),
    **ADDRESS_FIELDS,
}

# What a GET returns and a client may send back as it read it: read-only keys are
# ignored, the address (and a contact's company) written through their parts.
COMPANY_FIELDS = Fields(
    read_only=("id", "added", "image", "lastupdated"),
    shapes=("address",),
    name=_text(Company, "name", required=True, help="The name of the company"),
    website=_text(Company, "website"),
    supplier=Field("bool", help="1 if the company supplies you"),
    customer=Field("bool", help="0 for a supplier you never bill"),
    **SHARED_FIELDS,
)

CONTACT_FIELDS = Fields(
    read_only=("id", "fullname", "added", "image", "lastupdated"),
    shapes=("address", "company"),
    name=_text(Contact, "fullname", required=True, help="The full name of the contact"),
    title=_text(Contact, "title"),
    firstname=_text(Contact, "firstname"),
    lastname=_text(Contact, "lastname"),
    othernames=_text(Contact, "othernames"),
    email=_text(Contact, "email"),
    companyid=Field(
        "ref", min_value=0, clearable=True, help="The id of the company to add them to"
    ),
    companyname=_text(Company, "name", help="Company to add them to, created if new"),
    position=_text(Contact, "position"),
    **SHARED_FIELDS,
)

ACTIVITY_FIELDS = Fields(
    read_only=("id", "by", "added", "extra", "files", "replies"),
    title=_text(Activity, "title", required=True, help="The subject"),
    type=Field("str", required=True, help="A, B, C, K or Q"),
    addedby=Field("email", required=True, help="Email of the user adding it"),
    # Required unless replyto is given: a reply belongs to its entry's item.
    **{"for": Field("str", help="Item code, e.g. C41 or I5 (required unless replyto)")},
    date=Field("datetime", empty_is_absent=True, help="Defaults to now"),
    content=Field(
        "str", max_length=JOURNAL_CONTENT_MAX_CHARS, help="Message body; HTML is stripped"
    ),
    replyto=Field("ref", min_value=1, clearable=True, help="Id of the entry this replies to"),
    subtype=Field("str", help="For comments: email, callin or callout"),
)


def epoch(moment) -> int:
    return int(moment.timestamp()) if moment else 0


def media_url(request, file_field) -> str:
    return request.build_absolute_uri(file_field.url) if file_field else ""


def customfields_out(pairs: list[dict]) -> list[dict]:
    return [{pair["title"]: pair["value"]} for pair in pairs]


def customfields_from_json(text) -> list[dict]:
    return customfields_out(from_json(text))


def address_out(address_id, *lines) -> dict:
    return {"id": address_id, **dict(zip(ADDRESS_KEYS, lines, strict=True))}


def stored_file_url(storage):
    """A stored file's absolute URL from the name its column holds ("" for none)."""

    def url(request, name) -> str:
        return request.build_absolute_uri(storage.url(name)) if name else ""

    return url


def company_of_contact(company_id, company_name, position):
    if not company_id:
        return OMIT
    return {"id": company_id, "name": company_name, "position": position}


ADDRESS_COLUMNS = ("address_id", *ADDRESS_KEYS)
COMPANY_IMAGE_URL = stored_file_url(Company._meta.get_field("image").storage)
CONTACT_IMAGE_URL = stored_file_url(Contact._meta.get_field("image").storage)

COMPANY_ROW = RowSpec(
    key("id"),
    key("name"),
    key("website"),
    key("telephone"),
    key("added", EpochSeconds("added")),
    key("image", request=True, read=lambda request, name: COMPANY_IMAGE_URL(request, name) or None),
    key("lastupdated", EpochSeconds("lastupdated"), read=str),
    key("accountsdata", json_text("accountsdata"), read=from_json),
    key("customfields", json_text("customfields"), read=customfields_from_json),
    key("creditlimit"),
    key("supplier", "is_supplier", read=int),
    key("customer", "is_customer", read=int),
    key("address", *ADDRESS_COLUMNS, read=address_out),
    Batched("tags", "id", fetch=partial(queries.tag_names_by_owner, Company), hidden_by="hidetags"),
    key("notes", hidden_by="hidenotes"),
)

CONTACT_ROW = RowSpec(
    key("id"),
    key("title"),
    key("firstname"),
    key("lastname"),
    key("othernames"),
    key("fullname"),
    key("email"),
    key("telephone"),
    key("added", EpochSeconds("added")),
    key("image", request=True, read=CONTACT_IMAGE_URL),
    key("lastupdated", EpochSeconds("lastupdated"), read=str),
    key("accountsdata", json_text("accountsdata"), read=from_json),
    key("customfields", json_text("customfields"), read=customfields_from_json),
    key("creditlimit"),
    Batched("tags", "id", fetch=partial(queries.tag_names_by_owner, Contact), hidden_by="hidetags"),
    key(
        "company",
        "company_id",
        "company__name",
        "position",
        read=company_of_contact,
        hidden_by="hidecompany",
    ),
    key("address", *ADDRESS_COLUMNS, read=address_out, hidden_by="hideaddress"),
    key("notes", hidden_by="hidenotes"),
)


def activity_row(request, entry: Activity, names: dict, *, with_replies=True) -> dict:
    user = entry.added_by
    row = {
        "id": entry.pk,
        "title": entry.title,
        "type": entry.type,
        "subtype": entry.subtype or None,
        "content": entry.content,
        "for": {
            "type": entry.for_type,
            "id": str(entry.for_id),
            "name": names.get((entry.for_type, entry.for_id), ""),
        },
        "by": {"email": user.email, "name": user.name, "image": media_url(request, user.image)},
        "added": str(epoch(entry.date)),
        "extra": entry.extra or {},
        "files": [
            {"id": f.pk, "name": f.name, "size": f.size, "url": media_url(request, f.file)}
            for f in entry.files.all()
        ],
        "replyto": entry.replyto_id,
    }
    if with_replies:
        row["replies"] = [
            activity_row(request, reply, names, with_replies=False) for reply in entry.replies.all()
        ]
    return row
