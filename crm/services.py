"""Every write to companies, people and the journal, for the pages, the API and
the CSV import alike."""

import html
import json
import re
from datetime import UTC
from decimal import Decimal
from typing import Any, TypedDict, Unpack

import nh3
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts import webhooks
from config.addresses import ADDRESS_KEYS
from config.errors import field_error, field_message, request_error
from config.files import clear_file, delete_after_commit, replace_file
from config.keywords import only_known
from config.limits import (
    ACCOUNTSDATA_MAX_BYTES,
    CUSTOMFIELD_TITLE_MAX_CHARS,
    CUSTOMFIELD_VALUE_MAX_CHARS,
    CUSTOMFIELDS_MAX_ITEMS,
    JOURNAL_CONTENT_MAX_CHARS,
    MAX_ID,
    NOTES_MAX_CHARS,
    TAGS_MAX_ITEMS,
)
from config.money import to_cents
from config.text import clean_values
from config.upload_limits import human_size
from config.web_addresses import normalise_website as shared_normalise_website

from . import queries
from .journal import parse_item_code, resolve_item
from .models import Activity, ActivityFile, Company, Contact, Tag, company_search_key

TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "rev",
    "fr",
}
# Each text column's limit, read from the model: companies and people share the
# address and contact columns; a person's name parts are their own.
TEXT_LIMITS = {
    key: model._meta.get_field(key).max_length
    for model, keys in (
        (Company, ("name", "website", "telephone", *ADDRESS_KEYS)),
        (Contact, ("position", "title", "firstname", "lastname", "othernames")),
    )
    for key in keys
}
TAG_MAX_CHARS = Tag._meta.get_field("name").max_length
NAME_MAX_CHARS = Contact._meta.get_field("fullname").max_length


# --- what the writes take ---------------------------------------------------------


class Address(TypedDict, total=False):
    line1: str
    line2: str
    line3: str
    city: str
    district: str
    country: str
    postcode: str


class ConnectionFields(TypedDict, total=False):
    """What companies and people share. Every field is optional: an update changes
    the fields given; text is stripped and held to its column."""

    telephone: str
    line1: str
    line2: str
    line3: str
    city: str
    district: str
    country: str
    postcode: str
    address: Address | None
    notes: str
    customfields: list[dict[str, str]] | str | None
    creditlimit: Decimal | str | None
    accountsdata: dict | None
    tags: str | list[str] | None


class CompanyFields(ConnectionFields, total=False):
    name: str  # required when creating
    website: str
    is_supplier: bool
    is_customer: bool


class ContactFields(ConnectionFields, total=False):
    name: str  # the full name, split into its parts unless they are given
    title: str
    firstname: str
    lastname: str
    othernames: str
    email: str
    position: str
    companyid: int | None  # wins over companyname
    companyname: str  # found by name (any case), created when new


class ActivityChanges(TypedDict, total=False):
    title: str
    type: str
    added_by: Any  # a User
    for_code: str | None
    date: Any  # an aware datetime, or None for now
    content: str
    replyto: Activity | int | None
    subtype: str


# --- small rules shared by companies and people ----------------------------------


def split_name(name: str) -> dict[str, str]:
    """'Dr Sherlock Scott Holmes' → title Dr, first Sherlock, other Scott, last Holmes."""
    words = name.split()
    title = ""
    if len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        title = words.pop(0)
    if not words:
        return {"title": title, "firstname": "", "othernames": "", "lastname": ""}
    if len(words) == 1:
        return {"title": title, "firstname": words[0], "othernames": "", "lastname": ""}
    return {
        "title": title,
        "firstname": words[0],
        "othernames": " ".join(words[1:-1]),
        "lastname": words[-1],
    }


def join_name(title: str, firstname: str, othernames: str, lastname: str) -> str:
    return " ".join(part for part in (title, firstname, othernames, lastname) if part).strip()


def parse_tags(value) -> list[str]:
    """A comma separated string or a list; blanks dropped, duplicates (any case) once."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    seen, tags = set(), []
    for item in items:
        name = str(item).strip()
        if not name:
            continue
        if len(name) > TAG_MAX_CHARS:
            raise field_error(
                "tags",
                "%(field)s: '%(tag)s…' is longer than %(limit)s characters.",
                "max_length",
                tag=name[:20],
                limit=TAG_MAX_CHARS,
            )
        if name.lower() not in seen:
            seen.add(name.lower())
            tags.append(name)
    if len(tags) > TAGS_MAX_ITEMS:
        raise field_error(
            "tags", "%(field)s can list at most %(limit)s tags.", "max_items", limit=TAGS_MAX_ITEMS
        )
    return tags


def tags_for(names: list[str]) -> list[Tag]:
    """The Tag rows for `names`, created when new; matched without regard to case."""
    if not names:
        return []

    def existing() -> dict[str, Tag]:
        # The exact names too: SQLite's LOWER() only folds ASCII, so "Ärzte" is only
        # found (and only clashes with the case-insensitive unique index) as itself.
        return {
            tag.name.lower(): tag
            for tag in Tag.objects.annotate(lname=Lower("name")).filter(
                Q(lname__in=[name.lower() for name in names]) | Q(name__in=names)
            )
        }

    found = existing()
    new = sorted((name for name in names if name.lower() not in found), key=str.lower)
    if new:
        # Requests adding the same new tag at once all insert it; the unique index
        # keeps one (INSERT … ON CONFLICT DO NOTHING waits for the other transaction)
        # and each then reads that one. Sorted, so two requests with the same new
        # tags insert them in the same order and never wait on each other in a circle.
        Tag.objects.bulk_create([Tag(name=name) for name in new], ignore_conflicts=True)
        found = existing()
    return [found[name.lower()] for name in names]


def customfields_from_text(text: str) -> list[dict[str, str]]:
    """Custom fields written as text: 'Title: value' lines (the CSV export, the
    form without JavaScript), or 'Title: value; Title: value' typed in one line of a
    spreadsheet."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and ";" in lines[0]:
        pieces = [piece for piece in lines[0].split(";") if piece.strip()]
        if all(":" in piece for piece in pieces):
            lines = pieces
    pairs = []
    for line in lines:
        if ":" not in line:
            raise field_error(
                "customfields",
                "%(field)s: “%(line)s” needs a colon, as Title: value.",
                "no_colon",
                line=line.strip(),
            )
        title, value = line.split(":", 1)
        pairs.append({"title": title.strip(), "value": value.strip()})
    return pairs


def normalise_customfields(value) -> list[dict[str, str]]:
    """Custom fields arrive as Depot's [{"Twitter": "@x"}], as [{"title", "value"}],
    or as one object {"Twitter": "@x"}; they are kept as ordered title/value pairs."""
    if value in (None, "", []):
        return []
    if isinstance(value, dict):
        value = [{key: item} for key, item in value.items()]
    if not isinstance(value, list):
        raise field_error("customfields", "%(field)s must be a JSON array.", "not_a_list")
    if len(value) > CUSTOMFIELDS_MAX_ITEMS:
        raise field_error(
            "customfields",
            "%(field)s can have at most %(limit)s fields.",
            "max_items",
            limit=CUSTOMFIELDS_MAX_ITEMS,
        )
    pairs = []
    for item in value:
        if not isinstance(item, dict):
            raise field_error("customfields", "%(field)s items must be objects.", "not_an_object")
        if set(item) == {"title", "value"}:
            title, field_value = item["title"], item["value"]
        elif len(item) == 1:
            ((title, field_value),) = item.items()
        else:
            raise field_error(
                "customfields", '%(field)s items must be {"title": "value"} pairs.', "shape"
            )
        title = str(title).strip()
        if not title:
            raise field_error("customfields", "%(field)s titles can't be blank.", "blank_title")
        if len(title) > CUSTOMFIELD_TITLE_MAX_CHARS:
            raise field_error(
                "customfields",
                "%(field)s title “%(title)s…” is longer than %(limit)s characters.",
                "max_length",
                title=title[:30],
                limit=CUSTOMFIELD_TITLE_MAX_CHARS,
            )
        text = _customfield_text(field_value)
        if len(text) > CUSTOMFIELD_VALUE_MAX_CHARS:
            raise field_error(
                "customfields",
                "%(field)s value of “%(title)s” is longer than %(limit)s characters.",
                "max_length",
                title=title[:30],
                limit=CUSTOMFIELD_VALUE_MAX_CHARS,
            )
        pairs.append({"title": title, "value": text})
    return pairs


def _customfield_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# Each pass decodes one level of entities; past this many the text is only an attack.
CONTENT_CLEANING_PASSES = 10


def clean_content(text: str) -> str:
    """Journal content is plain text: HTML is stripped, line breaks kept.

    Entities are decoded so the text reads as typed, and the decoded text is stripped
    again, until nothing changes: otherwise "&lt;script&gt;" would decode into a live
    <script> for any Depot client that shows content as HTML."""
    if not text:
        return ""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", str(text))
    # nh3 (a real HTML parser) rather than Django's strip_tags, which gives up with
    # SuspiciousOperation on long runs of unclosed tags.
    for _ in range(CONTENT_CLEANING_PASSES):
        cleaned = html.unescape(nh3.clean(text, tags=set()))
        if cleaned == text:
            break
        text = cleaned
    else:
        text = text.replace("<", "").replace(">", "")
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n"))
    return text.strip()


def normalise_website(value: str) -> str:
    return shared_normalise_website(value, max_length=TEXT_LIMITS["website"])


def _apply_common(obj, fields: dict[str, Any], errors: dict[str, ValidationError]) -> None:
    for key, limit in TEXT_LIMITS.items():
        # Contacts have no `name` column: their name is split in _write_contact.
        if key in fields and hasattr(obj, key):
            value = "" if fields[key] is None else str(fields[key]).strip()
            if len(value) > limit:
                errors[key] = field_message(
                    key,
                    "%(field)s must be at most %(limit)s characters.",
                    "max_length",
                    limit=limit,
                )
                continue
            if key == "website":
                try:
                    value = normalise_website(value)
                except ValidationError as exc:
                    errors[key] = exc.error_dict[key][0]
                    continue
            setattr(obj, key, value)
    if "address" in fields:
        address = fields["address"] or {}
        if not isinstance(address, dict):
            errors["address"] = field_message(
                "address", "%(field)s must be an object with line1, city, postcode…", "shape"
            )
        else:
            for key in ADDRESS_KEYS:
                if key in address:
                    setattr(obj, key, str(address[key] or "").strip()[: TEXT_LIMITS[key]])
    if "notes" in fields:
        notes = str(fields["notes"] or "")
        if len(notes) > NOTES_MAX_CHARS:
            errors["notes"] = field_message(
                "notes",
                "%(field)s must be at most %(limit)s characters.",
                "max_length",
                limit=NOTES_MAX_CHARS,
            )
        else:
            obj.notes = notes
    if "customfields" in fields:
        try:
            obj.customfields = normalise_customfields(fields["customfields"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.error_dict.items()})
    if "creditlimit" in fields:
        limit = fields["creditlimit"]
        if limit in (None, ""):
            obj.creditlimit = None
        else:
            try:
                limit = Decimal(str(limit))
                if not limit.is_finite() or limit < 0 or limit >= Decimal("1e12"):
                    raise ValueError
            except (ValueError, ArithmeticError):
                errors["creditlimit"] = field_message(
                    "creditlimit", "%(field)s must be an amount of 0 or more.", "out_of_range"
                )
            else:
                obj.creditlimit = to_cents(limit)
    if "accountsdata" in fields:
        data = fields["accountsdata"] or {}
        if not isinstance(data, dict):
            errors["accountsdata"] = field_message(
                "accountsdata", "%(field)s must be a JSON object.", "not_an_object"
            )
        elif len(_stored_json(data)) > ACCOUNTSDATA_MAX_BYTES:
            errors["accountsdata"] = field_message(
                "accountsdata",
                "%(field)s must be at most %(limit)s written as JSON.",
                "max_size",
                limit=human_size(ACCOUNTSDATA_MAX_BYTES),
            )
        else:
            obj.accountsdata = data


def _stored_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def blocking_references(obj) -> list[str]:
    """What still points at `obj` through a protecting foreign key, as phrases like
    '3 people' or '1 project'."""
    found = []
    for relation in obj._meta.related_objects:
        if relation.on_delete is not models.PROTECT or relation.many_to_many:
            continue
        count = relation.related_model._default_manager.filter(**{relation.field.name: obj}).count()
        if count:
            meta = relation.related_model._meta
            noun = meta.verbose_name if count == 1 else meta.verbose_name_plural
            found.append(f"{count} {noun}")
    return found


def _save_tags(obj, fields: dict) -> None:
    if "tags" in fields:
        obj.tags.set(tags_for(parse_tags(fields["tags"])))


def delete_journal_of(code_type: str, object_id: int) -> None:
    """The journal about an item, with its replies and the files attached to both."""
    entries = Activity.objects.filter(for_type=code_type, for_id=object_id)
    attachments = ActivityFile.objects.filter(
        models.Q(activity__in=entries) | models.Q(activity__replyto__in=entries)
    )
    files = [(attachment.file.storage, attachment.file.name) for attachment in attachments]
    entries.delete()
    for storage, name in files:
        delete_after_commit(storage, name)


# --- companies --------------------------------------------------------------------


@transaction.atomic
def create_company(**fields: Unpack[CompanyFields]) -> Company:
    company = Company()
    _write_company(company, fields, creating=True)
    webhooks.record("company.created", company.pk)
    return company


@transaction.atomic
def update_company(company: Company, **fields: Unpack[CompanyFields]) -> Company:
    _write_company(company, fields, creating=False)
    webhooks.record("company.updated", company.pk)
    return company


def check_company(**fields: Unpack[CompanyFields]) -> None:
    """Raises the ValidationError create_company(**fields) would, writing nothing: the
    CSV import checks a whole file this way, without holding the database."""
    _write_company(Company(), fields, creating=True, save=False)


def _write_company(company: Company, fields: dict, *, creating: bool, save: bool = True) -> None:
    fields = clean_values(only_known(fields, CompanyFields))
    errors: dict[str, ValidationError] = {}
    try:
        parse_tags(fields.get("tags"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.error_dict.items()})
    if creating or "name" in fields:
        name = str(fields.get("name") or "").strip()
        if not name:
            errors["name"] = field_message("name", "%(field)s is required.", "required")
    _apply_common(company, fields, errors)
    for flag in ("is_supplier", "is_customer"):
        if flag in fields:
            setattr(company, flag, bool(fields[flag]))
    if errors:
        raise ValidationError(errors)
    if save:
        company.save()
        _save_tags(company, fields)


@transaction.atomic
def delete_company(company: Company) -> None:
    """Refused while people, projects or documents still refer to the company; its
    own journal goes with it."""
    # Whoever adds a person to the company locks its row too (_locked_company): they
    # go first and this refusal counts them, or they wait and find it gone.
    if _locked_company(company.pk) is None:
        return
    references = blocking_references(company)
    if references:
        raise request_error(
            "%(name)s can't be deleted while it has %(references)s.",
            "in_use",
            name=company.name,
            references=", ".join(references),
        )
    delete_journal_of(Company.CODE, company.pk)
    row = webhooks.render_for_deletion("company", company.pk)
    company_id = company.pk
    company.delete()
    webhooks.record_deleted("company", company_id, row)
    delete_after_commit(company.image.storage, company.image.name)


# Namespace of the PostgreSQL advisory locks taken on company names ("CO").
COMPANY_NAME_LOCK = 0x434F


def _locked_company(pk) -> Company | None:
    """The company row, locked until the transaction ends; None if it is gone. On
    SQLite write transactions already run one at a time (IMMEDIATE)."""
    return Company.objects.select_for_update().filter(pk=pk).first()


@transaction.atomic
def find_or_create_company(name: str) -> Company:
    """The company called `name` (any case or spacing), locked so it can't be deleted
    under the caller; created when there is none."""
    if connection.vendor == "postgresql":
        # Company names aren't unique (namesakes are allowed), so no index stops two
        # requests naming the same new company from creating it twice: they take
        # turns on the name instead, until the first one's company is committed.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [COMPANY_NAME_LOCK, company_search_key(name)],
            )
    company = queries.company_named(name)
    if company is not None:
        company = _locked_company(company.pk)
    if company is None:
        company = create_company(name=" ".join(name.split()))
    return company


# --- people -----------------------------------------------------------------------


@transaction.atomic
def create_contact(**fields: Unpack[ContactFields]) -> Contact:
    contact = Contact()
    _write_contact(contact, fields, creating=True)
    webhooks.record("contact.created", contact.pk)
    return contact


@transaction.atomic
def update_contact(contact: Contact, **fields: Unpack[ContactFields]) -> Contact:
    _write_contact(contact, fields, creating=False)
    webhooks.record("contact.updated", contact.pk)
    return contact


def check_contact(**fields: Unpack[ContactFields]) -> None:
    """Raises the ValidationError create_contact(**fields) would, writing nothing
    (a new companyname is left to be created when the contact is)."""
    _write_contact(Contact(), fields, creating=True, save=False)


def _write_contact(contact: Contact, fields: dict, *, creating: bool, save: bool = True) -> None:
    fields = clean_values(only_known(fields, ContactFields))
    errors: dict[str, ValidationError] = {}
    try:
        parse_tags(fields.get("tags"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.error_dict.items()})
    if "name" in fields or creating:
        name = " ".join(str(fields.get("name") or "").split())
        if not name and not any(fields.get(k) for k in ("firstname", "lastname")):
            errors["name"] = field_message("name", "%(field)s is required.", "required")
        elif name:
            if len(name) > NAME_MAX_CHARS:
                errors["name"] = field_message(
                    "name",
                    "%(field)s must be at most %(limit)s characters.",
                    "max_length",
                    limit=NAME_MAX_CHARS,
                )
            else:
                contact.fullname = name
                # Explicit parts win over the split of the full name.
                for part, value in split_name(name).items():
                    if part not in fields:
                        setattr(contact, part, value[: TEXT_LIMITS[part]])
    if "email" in fields:
        email = str(fields["email"] or "").strip().lower()
        if email:
            from django.core.validators import validate_email

            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = field_message(
                    "email",
                    "%(field)s %(email)s is not a valid email address.",
                    "invalid",
                    email=email,
                )
        contact.email = email
    _apply_common(contact, fields, errors)
    if any(part in fields for part in ("title", "firstname", "othernames", "lastname")):
        if "name" not in fields:
            contact.fullname = join_name(
                contact.title, contact.firstname, contact.othernames, contact.lastname
            )
        if not contact.fullname:
            errors["name"] = field_message("name", "%(field)s is required.", "required")
    # An empty companyid beside a companyname (what a form sends) means "use the name".
    company_id_given = "companyid" in fields and (
        fields["companyid"] not in (None, "", 0) or not fields.get("companyname")
    )
    if company_id_given:
        company_id = fields["companyid"]
        if company_id in (None, "", 0):
            contact.company = None
        else:
            if not 0 < int(company_id) <= MAX_ID:
                company = None
            elif save:
                company = _locked_company(company_id)
            else:
                company = Company.objects.filter(pk=company_id).first()
            if company is None:
                errors["companyid"] = field_message(
                    "companyid", "%(field)s %(id)s is not a company.", "not_found", id=company_id
                )
            contact.company = company
    elif fields.get("companyname"):
        if len(str(fields["companyname"]).strip()) > TEXT_LIMITS["name"]:
            errors["companyname"] = field_message(
                "companyname",
                "%(field)s must be at most %(limit)s characters.",
                "max_length",
                limit=TEXT_LIMITS["name"],
            )
        elif not errors and save:
            contact.company = find_or_create_company(str(fields["companyname"]))
    if errors:
        raise ValidationError(errors)
    if save:
        contact.save()
        _save_tags(contact, fields)


@transaction.atomic
def delete_contact(contact: Contact) -> None:
    references = blocking_references(contact)
    if references:
        raise request_error(
            "%(name)s can't be deleted while they have %(references)s.",
            "in_use",
            name=contact.fullname,
            references=", ".join(references),
        )
    delete_journal_of(Contact.CODE, contact.pk)
    row = webhooks.render_for_deletion("contact", contact.pk)
    contact_id = contact.pk
    contact.delete()
    webhooks.record_deleted("contact", contact_id, row)
    delete_after_commit(contact.image.storage, contact.image.name)


def set_image(obj: Company | Contact, upload: UploadedFile):
    return replace_file(obj, "image", upload)


def remove_image(obj: Company | Contact):
    return clear_file(obj, "image")


# --- the journal ------------------------------------------------------------------


@transaction.atomic
def create_activity(
    *,
    title: str,
    type: str,
    added_by,
    for_code: str | None = None,
    date=None,
    content: str = "",
    replyto: Activity | int | None = None,
    subtype: str = "",
    extra: dict | None = None,
) -> Activity:
    entry = Activity(extra=extra or {})
    _write_activity(
        entry,
        {
            "title": title,
            "type": type,
            "added_by": added_by,
            "for_code": for_code,
            "date": date,
            "content": content,
            "replyto": replyto,
            "subtype": subtype,
        },
        creating=True,
    )
    return entry


@transaction.atomic
def update_activity(entry: Activity, **fields: Unpack[ActivityChanges]) -> Activity:
    _write_activity(entry, fields, creating=False)
    return entry


def _write_activity(entry: Activity, fields: dict, *, creating: bool) -> None:
    fields = clean_values(only_known(fields, ActivityChanges))
    errors: dict[str, ValidationError] = {}
    if creating or "title" in fields:
        title = str(fields.get("title") or "").strip()
        title_limit = Activity._meta.get_field("title").max_length
        if not title:
            errors["title"] = field_message("title", "%(field)s is required.", "required")
        elif len(title) > title_limit:
            errors["title"] = field_message(
                "title",
                "%(field)s must be at most %(limit)s characters.",
                "max_length",
                limit=title_limit,
            )
        else:
            entry.title = title
    if creating or "type" in fields:
        kind = str(fields.get("type") or "").strip().upper()
        if kind not in Activity.Type.values:
            errors["type"] = field_message(
                "type",
                "%(field)s must be one of: %(choices)s.",
                "invalid_choice",
                choices=", ".join(Activity.Type.values),
            )
        else:
            entry.type = kind
    if "added_by" in fields or creating:
        user = fields.get("added_by")
        if user is None:
            errors["addedby"] = field_message("addedby", "%(field)s is required.", "required")
        elif not getattr(user, "pk", None):
            errors["addedby"] = field_message(
                "addedby", "%(field)s must be an existing user.", "not_found"
            )
        else:
            entry.added_by = user
    replyto = fields.get("replyto")
    if "replyto" in fields and replyto not in (None, "", 0):
        parent = replyto
        if not isinstance(parent, Activity):
            try:
                parent_id = int(parent)
            except (TypeError, ValueError):
                parent_id = 0
            parent = (
                Activity.objects.filter(pk=parent_id).first() if 0 < parent_id <= MAX_ID else None
            )
        # Replies are one level deep: answering a reply answers the entry it is under.
        if parent is not None and parent.replyto_id:
            parent = Activity.objects.get(pk=parent.replyto_id)
        if parent is None:
            errors["replyto"] = field_message(
                "replyto", "%(field)s %(id)s is not a journal entry.", "not_found", id=replyto
            )
        elif entry.pk and parent.pk == entry.pk:
            errors["replyto"] = field_message(
                "replyto", "%(field)s can't be the entry itself.", "itself"
            )
        elif entry.pk and entry.replies.exists():
            errors["replyto"] = field_message(
                "replyto",
                "%(field)s can't be set on an entry that has replies of its own.",
                "nested",
            )
        else:
            entry.replyto = parent
            # A reply belongs to the same item as the entry it answers.
            entry.for_type, entry.for_id = parent.for_type, parent.for_id
    elif "replyto" in fields:
        entry.replyto = None
    moved_item = False
    if fields.get("for_code") not in (None, ""):
        try:
            item = resolve_item(fields["for_code"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.error_dict.items()})
        else:
            letter, _ = parse_item_code(fields["for_code"])
            if entry.replyto_id and (letter, item.pk) != (entry.for_type, entry.for_id):
                errors["for"] = field_message(
                    "for",
                    "%(field)s must be the same item as the entry being replied to.",
                    "not_the_parents",
                )
            moved_item = (letter, item.pk) != (entry.for_type, entry.for_id)
            entry.for_type, entry.for_id = letter, item.pk
    elif creating and not entry.replyto_id and "replyto" not in errors:
        errors["for"] = field_message("for", "%(field)s is required.", "required")
    if "subtype" in fields:
        subtype = str(fields.get("subtype") or "").strip().lower()
        if subtype not in Activity.Subtype.values:
            errors["subtype"] = field_message(
                "subtype", "%(field)s must be email, callin or callout.", "invalid_choice"
            )
        else:
            entry.subtype = subtype
    if entry.subtype and entry.type != Activity.Type.COMMENT:
        errors["subtype"] = field_message(
            "subtype", "%(field)s is only for comments (type C).", "comments_only"
        )
    if "content" in fields:
        content = clean_content(fields.get("content") or "")
        if len(content) > JOURNAL_CONTENT_MAX_CHARS:
            errors["content"] = field_message(
                "content",
                "%(field)s must be at most %(limit)s characters.",
                "max_length",
                limit=JOURNAL_CONTENT_MAX_CHARS,
            )
        else:
            entry.content = content
    if fields.get("date") is not None:
        try:
            # Stored in UTC: a moment that can't be expressed there is out of range.
            fields["date"].astimezone(UTC)
        except (OverflowError, ValueError):
            errors["date"] = field_message("date", "%(field)s is out of range.", "out_of_range")
        else:
            entry.date = fields["date"]
    elif creating:
        entry.date = timezone.now()
    if errors:
        raise ValidationError(errors)
    entry.save()
    if moved_item and entry.pk:
        # Replies stay with the entry they answer.
        entry.replies.update(for_type=entry.for_type, for_id=entry.for_id)


@transaction.atomic
def delete_activity(entry: Activity) -> None:
    files = [
        (attachment.file.storage, attachment.file.name)
        for attachment in ActivityFile.objects.filter(
            models.Q(activity=entry) | models.Q(activity__replyto=entry)
        )
    ]
    entry.delete()
    for storage, name in files:
        delete_after_commit(storage, name)


def attach_file(entry: Activity, upload: UploadedFile) -> ActivityFile:
    attachment = ActivityFile(activity=entry, name=upload.name[:200], size=upload.size or 0)
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment
