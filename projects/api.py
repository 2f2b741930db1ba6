"""Depot's settings resource for activity types."""

from ninja import Router

from accounts.models import AccountSettings
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access
from config.api.body import body_fields
from config.api.rendering import depot_response, ok_response

from . import services
from .models import ActivityType

router = Router(tags=["settings"])
router.add_decorator(area_access("settings", staff_reads=True))


@router.get("/activitytypes", summary="View activity types")
def list_activity_types(request):
    rows = [{"id": str(t.id), "name": t.name} for t in ActivityType.objects.all()]
    account = AccountSettings.load()
    return depot_response(
        request,
        {"error": False, "rows": rows, "total": len(rows), "nextid": account.nextactivitytypeid},
    )


@router.patch(
    "/activitytypes",
    summary="Replace the activity types",
    description='`value`: `{"nextid": 101, "tasks": [{"id": "1", "name": "Administration"}]}`',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_activity_types(request):
    value = body_fields(request, VALUE_JSON, partial=False)["value"]
    services.replace_activity_types(value)
    return ok_response(request)
