"""Depot's settings resources for tax codes, charge rates and ledger categories, and
the periodic resource (recurring invoices)."""

from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce, Lower
from ninja import Router

from accounts import services as account_services
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access, principal
from config.api.body import body_fields
from config.api.errors import ApiNotFound, ApiValidationError
from config.api.listing import list_params, order_queryset, query_bool
from config.api.lookup import get_or_404
from config.api.rendering import id_response, item_response, list_response, ok_response
from config.parsing import parse_json
from crm.journal import parse_item_code
from projects.services import CLIENT_LETTERS

from . import periodicals, queries, services
from .models import ChargeRate, LedgerCategory, Periodical, TaxCode
from .schemas import PERIODICAL_FIELDS, PERIODICAL_ROW

router = Router(tags=["settings"])
router.add_decorator(area_access("settings", staff_reads=True))


@router.get("/taxcodes", summary="View tax codes")
def list_tax_codes(request):
    rows = [{"code": t.code, "name": t.name, "rate": t.rate} for t in TaxCode.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/taxcodes",
    summary="Replace the tax codes",
    description='`value`: a JSON list of `{"code", "name", "rate"}`; rate is a fraction (0.2).',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_tax_codes(request):
    services.replace_tax_codes(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


@router.get("/chargerates", summary="View charge rates")
def list_charge_rates(request):
    rows = [{"name": c.name, "rate": c.rate} for c in ChargeRate.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/chargerates",
    summary="Replace the charge rates",
    description='`value`: a JSON list of `{"name", "rate"}`.',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_charge_rates(request):
    services.replace_charge_rates(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


@router.get("/ledgers", summary="View ledger categories")
def list_ledgers(request):
    rows = [{"code": ledger.code, "name": ledger.name} for ledger in LedgerCategory.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/ledgers",
    summary="Replace the ledger categories",
    description='`value`: a JSON list of `{"code", "name"}`.',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_ledgers(request):
    services.replace_ledgers(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


# --- recurring invoices (Depot's periodicals) -------------------------------------

periodicals_router = Router(tags=["periodicals"])
periodicals_router.add_decorator(area_access("invoices"))

PERIODICAL_ORDERINGS = {
    "id": "id",
    "title": ("title_key",),
    "name": ("title_key",),
    "client": ("client_key",),
    "repeat": ("repeat", "repeatinterval"),
    "repeatinterval": ("repeatinterval",),
    "first": "first",
    "last": "last",
    "terms": "terms",
    "discount": "discount",
    "total": "total",
    "grandtotal": "grandtotal",
    "added": "added",
}


def _sortable(periodicals):
    # Titles and client names sort whatever their case, as projects' titles do.
    return periodicals.alias(
        title_key=Lower("title"),
        client_key=Lower(Coalesce("client_company__name", "client_contact__fullname")),
    )


def _client_filter(request) -> tuple[str, int] | None:
    raw = request.GET.get("client", "")
    if not raw:
        return None
    try:
        letter, client_id = parse_item_code(raw, field="client")
    except ValidationError:
        letter, client_id = "", 0
    if letter not in CLIENT_LETTERS:
        shown = raw if len(raw) <= 40 else f"{raw[:40]}…"
        raise ApiValidationError(
            f"client must be a company or person code such as C41 or I5, not '{shown}'.",
            field="client",
        )
    return letter, client_id


def _repeats(raw: str) -> list[str]:
    repeats = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(repeats) - set(Periodical.Repeat.values):
        raise ApiValidationError(
            "repeat must be D (day), W (week), M (month) or Y (year), or a comma separated "
            "list of them.",
            field="repeat",
        )
    return repeats


@periodicals_router.get(
    "/periodic",
    summary="List or search periodicals",
    description="Newest first unless `orderasc=true`. `hasrun=true` keeps those that have "
    "made an invoice, `false` those that haven't yet.",
)
def list_periodicals(request, clientname: str = "", repeat: str = ""):
    params = list_params(request, PERIODICAL_ORDERINGS, default_order="id")
    if request.GET.get("orderasc") in (None, ""):
        # The spec's default for this resource: descending.
        params.ascending = False
    periodicals = queries.periodicals_matching(
        client=_client_filter(request),
        client_search=clientname.replace("\x00", "").strip(),
        repeats=_repeats(repeat),
        has_run=query_bool(request, "hasrun"),
    )
    page = params.page(order_queryset(_sortable(periodicals), params, PERIODICAL_ORDERINGS))
    rows = PERIODICAL_ROW.rows(request, page)
    return list_response(request, rows, params.total(periodicals, len(rows)))


@periodicals_router.get("/periodic/{int:periodical_id}", summary="Get a specific periodical")
def get_periodical(request, periodical_id: int):
    rows = PERIODICAL_ROW.rows_of(request, Periodical, [periodical_id])
    if not rows:
        raise ApiNotFound.no_such("periodical", periodical_id)
    return item_response(request, rows[0])


def _first_of(value):
    # An object sent back as read may come JSON-encoded in a form body.
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return parse_json(value)
        except ValueError:
            return value
    return value


def _accept_periodical_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `terms` ({"days"}) as the days, `client` ({type,
    id}) as its code, `email` ({to, bcc, message}) as the three email fields (a flat
    one sent too wins), `addedby` ([{email}] or {email}) as the email."""
    problems: list[tuple[str, str]] = []
    terms = _first_of(data.get("terms"))
    if isinstance(terms, dict):
        data["terms"] = terms.get("days")
    client = _first_of(data.get("client"))
    if isinstance(client, dict):
        if client.get("type") in (None, "") or client.get("id") in (None, ""):
            problems.append(("client", "client must be an object with a type and an id."))
            data.pop("client")
        else:
            data["client"] = f"{client['type']}{client['id']}"
    email = _first_of(data.pop("email", None))
    if isinstance(email, dict):
        unknown = sorted(set(email) - {"to", "bcc", "message"})
        if unknown:
            problems.append(("email", f"email has keys Docket doesn't know: {', '.join(unknown)}."))
        for part, name in (("to", "emailto"), ("bcc", "emailbcc"), ("message", "emailmessage")):
            if part in email and name not in data:
                data[name] = email[part] if email[part] is not None else ""
    elif email not in (None, ""):
        problems.append(("email", "email must be an object with to, bcc and message."))
    added_by = _first_of(data.get("addedby"))
    if isinstance(added_by, list) and len(added_by) == 1:
        added_by = added_by[0]
    if isinstance(added_by, dict) and "email" in added_by:
        data["addedby"] = added_by["email"]
    return problems


def _periodical_fields(request, *, partial: bool) -> dict:
    fields = body_fields(
        request, PERIODICAL_FIELDS, partial=partial, reshape=_accept_periodical_shapes
    )
    if "addedby" in fields:
        fields["added_by"] = account_services.named_author(
            principal(request).actor, fields.pop("addedby")
        )
    return fields


@periodicals_router.post(
    "/periodic", summary="Add a new periodical", openapi_extra=PERIODICAL_FIELDS.openapi_body()
)
def create_periodical(request):
    periodical = periodicals.create_periodical(**_periodical_fields(request, partial=False))
    return id_response(request, periodical.pk, status=201)


@periodicals_router.patch(
    "/periodic/{int:periodical_id}",
    summary="Update a periodical",
    description="Changes apply to the invoices still to come.",
    openapi_extra=PERIODICAL_FIELDS.openapi_body(),
)
def update_periodical(request, periodical_id: int):
    periodical = get_or_404(Periodical, "periodical", periodical_id)
    periodicals.update_periodical(periodical, **_periodical_fields(request, partial=True))
    return id_response(request, periodical.pk)


@periodicals_router.delete(
    "/periodic/{int:periodical_id}",
    summary="Delete a periodical",
    description="No more invoices are made; those it made stay.",
)
def delete_periodical(request, periodical_id: int):
    periodicals.delete_periodical(get_or_404(Periodical, "periodical", periodical_id))
    return id_response(request, periodical_id)
