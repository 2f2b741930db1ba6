"""Depot resources: users, the account's numeric settings and logo, and /me."""

from ninja import Router

from config.api.auth import area_access, principal
from config.api.body import body_fields
from config.api.errors import ApiValidationError
from config.api.listing import list_params, order_queryset
from config.api.lookup import get_or_404
from config.api.rendering import (
    depot_response,
    id_response,
    item_response,
    list_response,
    ok_response,
)
from config.api.uploads import IMAGE_POLICY, UPLOAD_DOC, UploadProgress, receive_upload

from . import services
from .models import AccountSettings, User
from .queries import users_for_api
from .schemas import (
    REMOVE_LOGO,
    USER_FIELDS,
    VALUE_DECIMAL,
    VALUE_INT,
    absolute_media_url,
    plain_number,
    user_row,
)

me_router = Router(tags=["users"])
router = Router(tags=["users"])
settings_router = Router(tags=["settings"])
router.add_decorator(area_access("users", staff_reads=True))
settings_router.add_decorator(area_access("settings", staff_reads=True))

USER_ORDERINGS = {
    "name": "name",
    "id": "email",
    "email": "email",
    "type": ("type", "name"),
    "jobtitle": "jobtitle",
    "active": "is_active",
}


def _get_user(email: str) -> User:
    email = email.strip()
    return get_or_404(User, "user", email, by="email", email__iexact=email)


# Any credential or user may ask who it is: the one resource outside every area.
@me_router.get("/me", summary="The credential making this call, and its user")
def me(request):
    who = principal(request)
    row = {
        "credential": (
            {
                "name": who.credential.name,
                "token": who.credential.token,
                "created": who.credential.created,
                "expires": who.credential.expires,
                "scopes": who.credential.scopes,
            }
            if who.credential
            else None
        ),
        "via": who.via,
        "user": user_row(request, who.user, detail=True) if who.user else None,
    }
    return item_response(request, row)


@router.get("/users", summary="List or search users")
def list_users(request, type: str | None = None):
    params = list_params(request, USER_ORDERINGS, default_order="name")
    if type not in (None, "", "standard", "collaborator"):
        raise ApiValidationError("type must be collaborator or standard.", field="type")
    users = users_for_api(type or None)
    rows = [
        user_row(request, user)
        for user in params.page(order_queryset(users, params, USER_ORDERINGS))
    ]
    return list_response(request, rows, params.total(users, len(rows)))


@router.get("/users/{email}", summary="Get a specific user")
def get_user(request, email: str):
    return item_response(request, user_row(request, _get_user(email), detail=True))


@router.post(
    "/users",
    summary="Add a standard user or a collaborator",
    openapi_extra=USER_FIELDS.openapi_body(),
)
def create_user(request):
    fields = body_fields(request, USER_FIELDS, partial=False)
    # The spec lists jobs among a collaborator's required parameters. (The demo and
    # the pages may add a collaborator before their jobs exist.)
    if fields.get("collaborator") and not fields.get("jobs"):
        raise ApiValidationError("jobs is required for a collaborator.", field="jobs")
    user = services.create_user(actor=principal(request).actor, **fields)
    return id_response(request, user.email, status=201)


@router.patch("/users/{email}", summary="Update a user", openapi_extra=USER_FIELDS.openapi_body())
def update_user(request, email: str):
    user = _get_user(email)
    fields = body_fields(request, USER_FIELDS, partial=True)
    collaborator = fields.get("collaborator", user.is_collaborator)
    touches_jobs = "jobs" in fields or "collaborator" in fields
    if collaborator and touches_jobs and not fields.get("jobs", user.collaborator_jobs):
        raise ApiValidationError("jobs is required for a collaborator.", field="jobs")
    user = services.update_user(user, actor=principal(request).actor, **fields)
    return id_response(request, user.email)


@router.delete("/users/{email}", summary="Delete a user (deactivated if they have records)")
def delete_user(request, email: str):
    user = _get_user(email)
    user_id = user.email
    services.remove_user(user, actor=principal(request).actor)
    return id_response(request, user_id)


# --- settings: single values -------------------------------------------------------

INTEGER_SETTINGS = ("timeround", "nextproposalid", "nextinvoiceid", "nextcreditid")


def _setting_value(request, key: str):
    account = AccountSettings.load()
    value = getattr(account, key)
    if key in ("breakeven", "timeround"):
        value = plain_number(value)
    return ok_response(request, value=value)


def _update_setting(request, key: str, fields):
    value = body_fields(request, fields, partial=False)["value"]
    services.update_account_settings(**{key: value})
    return ok_response(request)


@settings_router.get("/breakeven", summary="View the breakeven point")
def get_breakeven(request):
    return _setting_value(request, "breakeven")


@settings_router.patch(
    "/breakeven", summary="Update the breakeven point", openapi_extra=VALUE_DECIMAL.openapi_body()
)
def update_breakeven(request):
    return _update_setting(request, "breakeven", VALUE_DECIMAL)


def _register_integer_setting(key: str, label: str):
    def view_value(request):
        return _setting_value(request, key)

    def update_value(request):
        return _update_setting(request, key, VALUE_INT)

    view_value.__name__ = f"get_{key}"
    update_value.__name__ = f"update_{key}"
    settings_router.get(f"/{key}", summary=f"View {label}")(view_value)
    settings_router.patch(
        f"/{key}", summary=f"Update {label}", openapi_extra=VALUE_INT.openapi_body()
    )(update_value)


_register_integer_setting("timeround", "the time rounding interval (minutes)")
_register_integer_setting("nextproposalid", "the next proposal/project number")
_register_integer_setting("nextinvoiceid", "the next invoice number")
_register_integer_setting("nextcreditid", "the next credit note number")


# --- settings: logo ----------------------------------------------------------------


@settings_router.get("/logo", summary="The URL of the account's logo")
def get_logo(request):
    account = AccountSettings.load()
    return ok_response(request, value=absolute_media_url(request, account.logo) or None)


@settings_router.patch(
    "/logo", summary="Remove the logo (removelogo=1)", openapi_extra=REMOVE_LOGO.openapi_body()
)
def patch_logo(request):
    fields = body_fields(request, REMOVE_LOGO, partial=False)
    if not fields["removelogo"]:
        raise ApiValidationError("removelogo must be 1 to remove the logo.", field="removelogo")
    services.remove_logo()
    return ok_response(request)


# The spec's path, and the one the official PHP kit posts to: one handler for both.
@settings_router.post(
    "/logo/upload",
    summary="Upload a logo: the same as POST settings/logo (the path the PHP kit uses)",
    operation_id="upload_logo_kit_path",
    openapi_extra=UPLOAD_DOC,
)
@settings_router.post(
    "/logo",
    summary="Upload a logo (multipart _tbxFile1, or chunked with X-File-* headers)",
    openapi_extra=UPLOAD_DOC,
)
def upload_logo(request):
    received = receive_upload(request, IMAGE_POLICY)
    if isinstance(received, UploadProgress):
        return depot_response(request, {"error": False, "id": received.file_id, "finish": False})
    account = services.set_logo(received)
    return ok_response(request, finish=True, upload_name=absolute_media_url(request, account.logo))
