"""Depot's settings resources for tax codes, charge rates and ledger categories, and
the proposals resource."""

from django.db.models.functions import Lower
from ninja import Router

from accounts import services as account_services
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access, principal
from config.api.body import body_fields, decode_object
from config.api.errors import ApiNotFound, ApiValidationError
from config.api.listing import list_params, order_queryset, query_flags
from config.api.lookup import get_or_404
from config.api.rendering import id_response, item_response, list_response, ok_response

from . import proposals, queries, services
from .models import ChargeRate, LedgerCategory, Proposal, TaxCode
from .schemas import PROPOSAL_FIELDS, PROPOSAL_ROW

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


# --- proposals ---------------------------------------------------------------------

proposals_router = Router(tags=["proposals"])
proposals_router.add_decorator(area_access("proposals"))

PROPOSAL_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    "created": "added",
    "submitdate": "submitdate",
    "discount": "discount",
    "total": "total",
    "tax": "tax",
    "grandtotal": "grandtotal",
}


def _proposal_statuses(raw: str) -> list[str]:
    statuses = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(statuses) - set(Proposal.Status.values):
        raise ApiValidationError(
            "status must be P (pending), A (accepted) or X (rejected), or a comma separated "
            "list of them.",
            field="status",
        )
    return statuses


def _with_issue_history(request, rows: list[dict]) -> list[dict]:
    # A proposal is never issued: asked for, its issue history is empty.
    if query_flags(request, {"issuehistory": False})["issuehistory"]:
        for row in rows:
            row["issuehistory"] = []
    return rows


def _accept_proposal_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `name` as the title, `jobs` as the `items` that
    write them, `client` ({type, id}) as its code and `user` ({email}) as the email,
    each as the object or (in a form body) JSON-encoded; `submitdate` 0 as none."""
    problems: list[tuple[str, str]] = []
    name = data.pop("name", None)
    if name is not None and "title" not in data:
        data["title"] = name
    jobs = data.pop("jobs", None)
    if jobs is not None and "items" not in data:
        data["items"] = jobs
    for field in ("client", "user"):
        decode_object(data, field, problems)
    client = data.get("client")
    if isinstance(client, dict):
        if "type" in client and "id" in client:
            data["client"] = f"{client['type']}{client['id']}"
        else:
            problems.append(
                ("client", "client must be a code such as C41 or an object with a type and an id.")
            )
    user = data.get("user")
    if isinstance(user, dict):
        if "email" in user:
            data["user"] = user["email"]
        else:
            problems.append(("user", "user must be an email or an object with an email."))
    if data.get("submitdate") in (0, "0"):
        data["submitdate"] = ""
    return problems


def _proposal_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, PROPOSAL_FIELDS, partial=partial, reshape=_accept_proposal_shapes)
    renamed = {}
    for name, value in fields.items():
        if name == "items":
            renamed["jobs"] = value
        elif name == "user":
            renamed["added_by"] = account_services.named_author(
                principal(request).actor, value, field="user"
            )
        else:
            renamed[name] = value
    return renamed


@proposals_router.get(
    "/proposals",
    summary="List or search proposals",
    description="`title` finds proposals whose title contains it; `status` is P, A or X "
    "(or several, comma separated); `issuehistory=true` adds each one's issue history, "
    "which for a proposal is empty.",
)
def list_proposals(request, title: str = "", status: str = ""):
    params = list_params(request, PROPOSAL_ORDERINGS, default_order="name")
    found = queries.proposals_matching(search=title, statuses=_proposal_statuses(status))
    query_flags(request, {"issuehistory": False})
    listed = found.alias(title_key=Lower("title"))
    page = params.page(order_queryset(listed, params, PROPOSAL_ORDERINGS))
    rows = _with_issue_history(request, PROPOSAL_ROW.rows(request, page))
    return list_response(request, rows, params.total(found, len(rows)))


@proposals_router.get("/proposals/{int:proposal_id}", summary="Get a specific proposal")
def get_proposal(request, proposal_id: int):
    rows = PROPOSAL_ROW.rows_of(request, Proposal, [proposal_id])
    if not rows:
        raise ApiNotFound.no_such("proposal", proposal_id)
    return item_response(request, _with_issue_history(request, rows)[0])


@proposals_router.post(
    "/proposals", summary="Add a new proposal", openapi_extra=PROPOSAL_FIELDS.openapi_body()
)
def create_proposal(request):
    proposal = proposals.create_proposal(**_proposal_fields(request, partial=False))
    return id_response(request, proposal.pk, status=201)


@proposals_router.patch(
    "/proposals/{int:proposal_id}",
    summary="Update a proposal",
    description="Accept or reject it with `status` A or X.",
    openapi_extra=PROPOSAL_FIELDS.openapi_body(),
)
def update_proposal(request, proposal_id: int):
    proposal = get_or_404(Proposal, "proposal", proposal_id)
    proposals.update_proposal(proposal, **_proposal_fields(request, partial=True))
    return id_response(request, proposal.pk)


@proposals_router.delete("/proposals/{int:proposal_id}", summary="Delete a proposal")
def delete_proposal(request, proposal_id: int):
    proposals.delete_proposal(get_or_404(Proposal, "proposal", proposal_id))
    return id_response(request, proposal_id)
