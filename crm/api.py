"""Depot resources: companies, contacts and activity (the journal)."""

import contextlib

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from ninja import Router

from accounts import services as account_services
from accounts import webhooks
from config.api.auth import area_access, principal
from config.api.body import body_fields, decode_object, flatten_address
from config.api.errors import ApiNotAllowed, ApiNotFound, ApiValidationError
from config.api.listing import (
    list_params,
    order_queryset,
    query_bool,
    query_epoch,
    query_flags,
    query_int,
)
from config.api.lookup import get_or_404
from config.api.rendering import depot_response, id_response, item_response, list_response
from config.api.rows import reads_ahead
from config.api.uploads import (
    DOCUMENT_POLICY,
    IMAGE_POLICY,
    UPLOAD_DOC,
    UploadProgress,
    receive_upload,
)
from config.parsing import parse_email

from . import journal, queries, services
from .models import Activity, Company, Contact
from .schemas import (
    ACTIVITY_FIELDS,
    COMPANY_FIELDS,
    COMPANY_ROW,
    CONTACT_FIELDS,
    CONTACT_ROW,
    activity_row,
    media_url,
)

router = Router(tags=["connections"])
activity_router = Router(tags=["activity"])
router.add_decorator(area_access("contacts"))
activity_router.add_decorator(area_access("contacts"))

# Names sort on their lower-cased, indexed search copies: "aardvark" before "Zeta".
COMPANY_ORDERINGS = {
    "name": "search_name",
    "id": "id",
    "added": "added",
    "lastupdated": "lastupdated",
    "website": "website",
}
CONTACT_ORDERINGS = {
    "fullname": "search_name",
    "name": "search_name",
    "firstname": ("firstname", "lastname"),
    "lastname": ("lastname", "firstname"),
    "email": "email",
    "id": "id",
    "added": "added",
    "lastupdated": "lastupdated",
    "company": ("company__name", "fullname"),
}
ACTIVITY_ORDERINGS = {
    "date": "date",
    "added": "date",
    "name": "title",
    "title": "title",
    "type": ("type", "date"),
    "id": "id",
}


def _accept_read_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """A client may send back what it read: the nested `address`, the contact's
    `company` object (or id), `for` as {type, id} and `addedby` as {email}, each
    as the object or (in a form body) JSON-encoded. Returns the problems found: a
    shape that can't be read is an error, never a field quietly left out."""
    problems: list[tuple[str, str]] = []
    for name in ("company", "for", "addedby"):
        decode_object(data, name, problems)
    if "line1" in spec.spec:
        flatten_address(data, problems)
    company = data.pop("company", None)
    if "companyid" in spec.spec and company is not None and "companyid" not in data:
        if isinstance(company, dict):
            # Without an id parse_ref refuses it; it must never read as "no company".
            data["companyid"] = company
            if "position" in company and "position" not in data:
                data["position"] = company["position"]
        else:
            data["companyid"] = company
    item = data.get("for")
    if isinstance(item, dict) and "type" in item and "id" in item:
        data["for"] = f"{item['type']}{item['id']}"
    added_by = data.get("addedby")
    if isinstance(added_by, dict) and "email" in added_by:
        data["addedby"] = added_by["email"]
    return problems


def _body(request, spec, *, partial: bool) -> dict:
    return body_fields(request, spec, partial=partial, reshape=_accept_read_shapes)


def _model_fields(fields: dict) -> dict:
    """API names → service names (supplier/customer flags)."""
    renamed = dict(fields)
    if "supplier" in renamed:
        renamed["is_supplier"] = renamed.pop("supplier")
    if "customer" in renamed:
        renamed["is_customer"] = renamed.pop("customer")
    return renamed


DEPOT_NOUNS = {Company: "company", Contact: "contact"}


def _get(model_or_queryset, object_id: int):
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_or_404(queryset, DEPOT_NOUNS[queryset.model], object_id)


def _row(spec, request, model, object_id: int, flags: dict) -> dict:
    """One object's row, or the same 404 as `_get`."""
    rows = spec.rows_of(request, model, [object_id], flags)
    if not rows:
        raise ApiNotFound.no_such(DEPOT_NOUNS[model], object_id)
    return rows[0]


def _webhook_row(spec, model, flags: dict):
    """`render(pk)` for accounts.webhooks: the row a GET with no parameters returns."""

    def render(pk: int) -> dict | None:
        request = webhooks.api_request()
        rows = spec.rows_of(request, model, [pk], query_flags(request, flags))
        return rows[0] if rows else None

    return render


def _upload_image(request, obj):
    received = receive_upload(request, IMAGE_POLICY)
    if isinstance(received, UploadProgress):
        return depot_response(request, {"error": False, "id": received.file_id, "finish": False})
    services.set_image(obj, received)
    return depot_response(
        request, {"error": False, "finish": True, "upload_name": media_url(request, obj.image)}
    )


# --- companies --------------------------------------------------------------------

COMPANY_FLAGS = {"hidenotes": True, "hidetags": True}


@router.get("/companies", summary="List or search companies")
def list_companies(request, search: str = "", tag: str = ""):
    params = list_params(request, COMPANY_ORDERINGS, default_order="name")
    flags = query_flags(request, COMPANY_FLAGS)
    companies = queries.companies_matching(
        search=search,
        tag=tag,
        lastupdated=query_epoch(request, "lastupdated"),
        supplier=query_bool(request, "supplier"),
    )
    page = params.page(order_queryset(companies, params, COMPANY_ORDERINGS))
    rows = COMPANY_ROW.rows(request, page, flags)
    return list_response(request, rows, params.total(companies, len(rows)))


@router.get("/companies/{int:company_id}", summary="Get a specific company")
@reads_ahead(COMPANY_ROW, Company, "company_id", COMPANY_FLAGS)
def get_company(request, company_id: int):
    flags = query_flags(request, COMPANY_FLAGS)
    return item_response(request, _row(COMPANY_ROW, request, Company, company_id, flags))


@router.post("/companies", summary="Add a new company", openapi_extra=COMPANY_FIELDS.openapi_body())
def create_company(request):
    fields = _body(request, COMPANY_FIELDS, partial=False)
    company = services.create_company(**_model_fields(fields))
    return id_response(request, company.pk, status=201)


@router.patch(
    "/companies/{int:company_id}",
    summary="Update a company",
    openapi_extra=COMPANY_FIELDS.openapi_body(),
)
def update_company(request, company_id: int):
    company = _get(Company, company_id)
    fields = _body(request, COMPANY_FIELDS, partial=True)
    services.update_company(company, **_model_fields(fields))
    return id_response(request, company.pk)


@router.delete("/companies/{int:company_id}", summary="Delete a company")
def delete_company(request, company_id: int):
    company = _get(Company, company_id)
    services.delete_company(company)
    return id_response(request, company_id)


@router.post(
    "/companies/{int:company_id}/upload", summary="Upload a company image", openapi_extra=UPLOAD_DOC
)
def upload_company_image(request, company_id: int):
    return _upload_image(request, _get(Company, company_id))


company_for_webhook = _webhook_row(COMPANY_ROW, Company, COMPANY_FLAGS)


# --- contacts ---------------------------------------------------------------------

CONTACT_FLAGS = {"hideaddress": False, "hidecompany": False, "hidenotes": True, "hidetags": True}


@router.get("/contacts", summary="List or search contacts")
def list_contacts(request, search: str = "", tag: str = "", email: str = ""):
    params = list_params(request, CONTACT_ORDERINGS, default_order="fullname")
    flags = query_flags(request, CONTACT_FLAGS)
    contacts = queries.contacts_matching(
        search=search,
        tag=tag,
        company=query_int(request, "company"),
        isincompany=query_bool(request, "isincompany"),
        email=email,
        lastupdated=query_epoch(request, "lastupdated"),
    )
    page = params.page(order_queryset(contacts, params, CONTACT_ORDERINGS))
    rows = CONTACT_ROW.rows(request, page, flags)
    return list_response(request, rows, params.total(contacts, len(rows)))


contact_for_webhook = _webhook_row(CONTACT_ROW, Contact, CONTACT_FLAGS)


@router.get("/contacts/{int:contact_id}", summary="Get a specific contact")
@reads_ahead(CONTACT_ROW, Contact, "contact_id", CONTACT_FLAGS)
def get_contact(request, contact_id: int):
    flags = query_flags(request, CONTACT_FLAGS)
    return item_response(request, _row(CONTACT_ROW, request, Contact, contact_id, flags))


@router.post("/contacts", summary="Add a new contact", openapi_extra=CONTACT_FIELDS.openapi_body())
def create_contact(request):
    fields = _body(request, CONTACT_FIELDS, partial=False)
    contact = services.create_contact(**fields)
    return id_response(request, contact.pk, status=201)


@router.patch(
    "/contacts/{int:contact_id}",
    summary="Update a contact",
    openapi_extra=CONTACT_FIELDS.openapi_body(),
)
def update_contact(request, contact_id: int):
    contact = _get(Contact, contact_id)
    fields = _body(request, CONTACT_FIELDS, partial=True)
    services.update_contact(contact, **fields)
    return id_response(request, contact.pk)


@router.delete("/contacts/{int:contact_id}", summary="Delete a contact")
def delete_contact(request, contact_id: int):
    contact = _get(Contact, contact_id)
    services.delete_contact(contact)
    return id_response(request, contact_id)


@router.post(
    "/contacts/{int:contact_id}/upload", summary="Upload a contact image", openapi_extra=UPLOAD_DOC
)
def upload_contact_image(request, contact_id: int):
    return _upload_image(request, _get(Contact, contact_id))


# --- activity (the journal) -------------------------------------------------------


def _activity_types(raw: str) -> list[str]:
    types = [part.strip().upper() for part in raw.split(",") if part.strip()]
    unknown = sorted(set(types) - set(Activity.Type.values))
    if unknown:
        raise ApiValidationError(
            f"type must be a comma separated list of: {', '.join(Activity.Type.values)}.",
            field="type",
        )
    return types


def _author(request, value) -> object:
    try:
        email = parse_email(value)
    except ValueError:
        raise ApiValidationError(
            "addedby must be a valid email address.", field="addedby"
        ) from None
    return account_services.named_author(principal(request).actor, email)


def _check_about_users(request, letter: str) -> None:
    """Entries about a user (U…) carry the user's name: only for callers who may
    learn who the users are, and the same answer whether the user exists or not.
    Entries about an item of another area (a project, P…) need that area's read
    access, the same way."""
    if letter == "U" and not account_services.sees_users(principal(request).actor):
        raise ApiNotAllowed("for U… needs the users:read scope.")
    area = journal.ITEM_AREAS.get(letter)
    if area and not _reads(request, area):
        raise ApiNotAllowed(f"for {letter}… needs the {area}:read scope.")


def _reads(request, area: str) -> bool:
    who = principal(request)
    if who.credential is not None:
        return who.credential.allows(area, write=False)
    return who.user.can(area)


def _hidden_item_types(request) -> list[str]:
    """The item types whose entries this caller may not see (see _check_about_users)."""
    hidden = [letter for letter, area in journal.ITEM_AREAS.items() if not _reads(request, area)]
    if not account_services.sees_users(principal(request).actor):
        hidden.append("U")
    return hidden


def _rows_with_names(request, entries) -> list[dict]:
    entries = list(entries)
    codes = {(e.for_type, e.for_id) for e in entries}
    for entry in entries:
        codes.update((r.for_type, r.for_id) for r in entry.replies.all())
    names = journal.item_names(codes)
    return [activity_row(request, entry, names) for entry in entries]


@activity_router.get("/activity", summary="List or search activity")
def list_activity(request, type: str = "", by: str = ""):
    params = list_params(request, ACTIVITY_ORDERINGS, default_order="date")
    if "order" not in request.GET and "orderasc" not in request.GET:
        # A journal reads newest first, as in the spec's example.
        params.ascending = False
    for_code = None
    raw_for = request.GET.get("for", "")
    if raw_for:
        try:
            for_code = services.parse_item_code(raw_for)
        except Exception:
            shown = raw_for if len(raw_for) <= 40 else f"{raw_for[:40]}…"
            raise ApiValidationError(
                f"for must be an item code such as C41 or I5, not '{shown}'.", field="for"
            ) from None
        _check_about_users(request, for_code[0])
    by_user = None
    if by:
        try:
            by_email = parse_email(by)
        except ValueError:
            raise ApiValidationError("by must be a valid email address.", field="by") from None
        by_user = get_user_model().objects.filter(email__iexact=by_email).first()
    entries = queries.journal(
        types=_activity_types(type) if type else None,
        for_code=for_code,
        by_user=by_user,
    )
    if by and by_user is None:
        entries = entries.none()  # a filter that matches no one matches nothing
    entries = entries.exclude(for_type__in=_hidden_item_types(request))
    page = params.page(
        queries.with_journal_details(order_queryset(entries, params, ACTIVITY_ORDERINGS))
    )
    rows = _rows_with_names(request, page)
    return list_response(request, rows, params.total(entries, len(rows)))


def _get_entry(request, entry_id: int) -> Activity:
    entry = queries.with_journal_details(Activity.objects.filter(pk=entry_id)).first()
    if entry is None:
        raise ApiNotFound.no_such("activity item", entry_id)
    if entry.for_type in _hidden_item_types(request):
        # As if it weren't there, like the list: the same answer as an unknown id.
        raise ApiNotFound.no_such("activity item", entry_id)
    return entry


@activity_router.get("/activity/{int:entry_id}", summary="Get a specific item of activity")
def get_activity(request, entry_id: int):
    return item_response(request, _rows_with_names(request, [_get_entry(request, entry_id)])[0])


def _activity_fields(request, fields: dict) -> dict:
    if fields.get("for"):
        with contextlib.suppress(ValidationError):  # a malformed code: the service says so
            _check_about_users(request, services.parse_item_code(fields["for"])[0])
    renamed = {}
    for key, value in fields.items():
        if key == "for":
            renamed["for_code"] = value
        elif key == "addedby":
            renamed["added_by"] = _author(request, value)
        else:
            renamed[key] = value
    return renamed


@activity_router.post(
    "/activity", summary="Add a new activity item", openapi_extra=ACTIVITY_FIELDS.openapi_body()
)
def create_activity(request):
    fields = _activity_fields(request, _body(request, ACTIVITY_FIELDS, partial=False))
    entry = services.create_activity(
        title=fields.get("title", ""),
        type=fields.get("type", ""),
        added_by=fields.get("added_by"),
        for_code=fields.get("for_code"),
        date=fields.get("date"),
        content=fields.get("content", ""),
        replyto=fields.get("replyto"),
        subtype=fields.get("subtype", ""),
    )
    return id_response(request, entry.pk, status=201)


@activity_router.patch(
    "/activity/{int:entry_id}",
    summary="Update an activity item",
    openapi_extra=ACTIVITY_FIELDS.openapi_body(),
)
def update_activity(request, entry_id: int):
    entry = _get_entry(request, entry_id)
    fields = _activity_fields(request, _body(request, ACTIVITY_FIELDS, partial=True))
    services.update_activity(entry, **fields)
    return id_response(request, entry.pk)


@activity_router.delete("/activity/{int:entry_id}", summary="Delete an activity item")
def delete_activity(request, entry_id: int):
    services.delete_activity(_get_entry(request, entry_id))
    return id_response(request, entry_id)


@activity_router.post(
    "/activity/{int:entry_id}/upload",
    summary="Attach a file to an activity item",
    openapi_extra=UPLOAD_DOC,
)
def upload_activity_file(request, entry_id: int):
    entry = _get_entry(request, entry_id)
    received = receive_upload(request, DOCUMENT_POLICY)
    if isinstance(received, UploadProgress):
        return depot_response(request, {"error": False, "id": received.file_id, "finish": False})
    attachment = services.attach_file(entry, received)
    return depot_response(
        request,
        {"error": False, "finish": True, "upload_name": media_url(request, attachment.file)},
    )
