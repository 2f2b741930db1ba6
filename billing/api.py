"""Depot's settings resources for tax codes, charge rates and ledger categories."""

from ninja import Router

from accounts.schemas import VALUE_JSON
from config.api.auth import area_access
from config.api.body import body_fields
from config.api.rendering import list_response, ok_response

from . import services
from .models import ChargeRate, LedgerCategory, TaxCode

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
