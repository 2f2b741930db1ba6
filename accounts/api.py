"""Depot resources: users, the account's numeric settings and logo, and /me."""

from datetime import UTC, datetime, timedelta
from functools import wraps

from ninja import Router

from config.api.auth import area_access, principal
from config.api.body import body_fields, decode_object
from config.api.errors import ApiNotAllowed, ApiNotFound, ApiValidationError
from config.api.listing import list_params, order_queryset, query_bool, query_epoch
from config.api.lookup import get_or_404
from config.api.rendering import (
    depot_response,
    error_response,
    id_response,
    item_response,
    list_response,
    ok_response,
)
from config.api.rows import reads_ahead
from config.api.uploads import IMAGE_POLICY, UPLOAD_DOC, UploadProgress, receive_upload
from config.parsing import parse_email, parse_json

from . import services, webhooks
from .models import (
    AccountSettings,
    Notification,
    NotificationRecipient,
    PrivateTask,
    User,
    Webhook,
    WebhookDelivery,
)
from .queries import users_for_api
from .schemas import (
    NOTIFICATION_FIELDS,
    NOTIFICATION_ROW,
    PRIVATE_TASK_FIELDS,
    PRIVATE_TASK_ROW,
    REMOVE_LOGO,
    USER_FIELDS,
    VALUE_DECIMAL,
    VALUE_INT,
    WEBHOOK_DELIVERY_ROW,
    WEBHOOK_FIELDS,
    WEBHOOK_ROW,
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


# --- private tasks and notifications -------------------------------------------------
# A person's own: a bearer token or a session sees and changes only its user's; an
# account-wide credential is the account and sees everyone's, with the users scope
# (they name users by email). No area beyond that: collaborators and restricted
# users have their own tasks and notifications too.

notes_router = Router(tags=["private tasks and notifications"])


def personal_access(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        who = principal(request)
        if who.credential is not None:
            who.require("users")
        return view(request, *args, **kwargs)

    return checked


notes_router.add_decorator(personal_access)

PRIVATE_TASK_ORDERINGS = {
    "date": "date",
    "id": "id",
    "text": "text",
    "user": "user__email",
    "done": "done",
}
NOTIFICATION_ORDERINGS = {"date": "date", "id": "id", "type": "type", "title": "title"}


def _named_user(request, noun: str) -> str:
    """The `user=` filter's email for a credential ("" for everyone's). A user sees
    their own anyway, and asking for someone else's is refused, not answered empty."""
    raw = request.GET.get("user", "")
    email = ""
    if raw:
        try:
            email = parse_email(raw)
        except ValueError:
            raise ApiValidationError("user must be a valid email address.", field="user") from None
    who = principal(request)
    if who.credential is None:
        if email and email != who.user.email.lower():
            raise ApiNotAllowed(f"You may only see your own {noun}.")
        return ""
    return email


def _period(request, field: str, *, dates: bool) -> dict:
    lookups = {}
    start, end = query_epoch(request, "from"), query_epoch(request, "to")
    if dates:
        if start is not None:
            lookups[f"{field}__gte"] = start.date()
        if end is not None:
            lookups[f"{field}__lte"] = end.date()
        return lookups
    if start is not None:
        lookups[f"{field}__gte"] = start
    if end is not None and end < datetime.max.replace(tzinfo=UTC) - timedelta(seconds=1):
        # Rows show whole seconds of a moment stored with its fraction: `to` copied
        # from a row's date must still take that row in.
        lookups[f"{field}__lt"] = end + timedelta(seconds=1)
    return lookups


def _visible_tasks(request):
    who = principal(request)
    tasks = PrivateTask.objects.all()
    return tasks if who.credential is not None else tasks.filter(user=who.user)


def _task_or_404(request, task_id: int) -> PrivateTask:
    return get_or_404(_visible_tasks(request).select_related("user"), "private task", task_id)


def _accept_person_shape(data: dict, spec) -> list[tuple[str, str]]:
    """`user` as a GET returns it ({email, name}, or that object JSON-encoded)."""
    problems: list[tuple[str, str]] = []
    decode_object(data, "user", problems)
    owner = data.get("user")
    if isinstance(owner, dict):
        if "email" in owner:
            data["user"] = owner["email"]
        else:
            problems.append(("user", "user must be an email or an object with an email."))
            data.pop("user")
    return problems


def _task_fields(request, *, partial: bool) -> dict:
    fields = body_fields(
        request, PRIVATE_TASK_FIELDS, partial=partial, reshape=_accept_person_shape
    )
    if "user" in fields:
        fields["user"] = services.named_author(
            principal(request).actor, fields["user"], field="user"
        )
    return fields


@notes_router.get("/privatetasks", summary="List or search private tasks")
def list_private_tasks(request):
    params = list_params(request, PRIVATE_TASK_ORDERINGS, default_order="date")
    tasks = _visible_tasks(request).filter(**_period(request, "date", dates=True))
    email = _named_user(request, "private tasks")
    if email:
        tasks = tasks.filter(user__email__iexact=email)
    page = params.page(order_queryset(tasks, params, PRIVATE_TASK_ORDERINGS))
    rows = PRIVATE_TASK_ROW.rows(request, page)
    return list_response(request, rows, params.total(tasks, len(rows)))


@notes_router.get("/privatetasks/{int:task_id}", summary="Get a specific private task")
def get_private_task(request, task_id: int):
    rows = PRIVATE_TASK_ROW.rows(request, _visible_tasks(request).filter(pk=task_id))
    if not rows:
        raise ApiNotFound.no_such("private task", task_id)
    return item_response(request, rows[0])


@notes_router.post(
    "/privatetasks",
    summary="Add a private task",
    openapi_extra=PRIVATE_TASK_FIELDS.openapi_body(),
)
def create_private_task(request):
    fields = _task_fields(request, partial=False)
    task = services.create_private_task(actor=principal(request).actor, **fields)
    return id_response(request, task.pk, status=201)


@notes_router.patch(
    "/privatetasks/{int:task_id}",
    summary="Update a private task",
    openapi_extra=PRIVATE_TASK_FIELDS.openapi_body(),
)
def update_private_task(request, task_id: int):
    task = _task_or_404(request, task_id)
    fields = _task_fields(request, partial=True)
    services.update_private_task(task, actor=principal(request).actor, **fields)
    return id_response(request, task.pk)


@notes_router.delete("/privatetasks/{int:task_id}", summary="Delete a private task")
def delete_private_task(request, task_id: int):
    task = _task_or_404(request, task_id)
    services.delete_private_task(task, actor=principal(request).actor)
    return id_response(request, task_id)


def _visible_notifications(request):
    who = principal(request)
    notifications = Notification.objects.all()
    if who.credential is None:
        notifications = notifications.filter(recipients__user=who.user)
    return notifications


def _with_people(request, rows: list[dict]) -> list[dict]:
    """Each row's `readby`, `deletedby` and `users`, for the whole page in one query.
    Someone who may not see the account's users (a collaborator) sees only themselves."""
    ids = [row["id"] for row in rows]
    copies = NotificationRecipient.objects.filter(notification_id__in=ids)
    actor = principal(request).actor
    if not services.sees_users(actor):
        copies = copies.filter(user=actor)
    people: dict[int, dict[str, list]] = {
        notification_id: {"readby": [], "deletedby": [], "users": []} for notification_id in ids
    }
    for notification_id, email, name, read, deleted in copies.order_by(
        "user__name", "user_id"
    ).values_list("notification_id", "user__email", "user__name", "read", "deleted"):
        person = {"id": email, "name": name}
        lists = people[notification_id]
        if read is not None:
            lists["readby"].append(person)
        if deleted is not None:
            lists["deletedby"].append(person)
        lists["users"].append(person)
    for row in rows:
        row.update(people[row["id"]])
    return rows


@notes_router.get("/notifications", summary="List or search notifications")
def list_notifications(request):
    params = list_params(request, NOTIFICATION_ORDERINGS, default_order="date")
    notifications = _visible_notifications(request).filter(**_period(request, "date", dates=False))
    email = _named_user(request, "notifications")
    if email:
        notifications = notifications.filter(recipients__user__email__iexact=email)
    page = params.page(order_queryset(notifications, params, NOTIFICATION_ORDERINGS))
    rows = _with_people(request, NOTIFICATION_ROW.rows(request, page)) if page else []
    return list_response(request, rows, params.total(notifications, len(rows)))


@notes_router.get("/notifications/{int:notification_id}", summary="Get a specific notification")
def get_notification(request, notification_id: int):
    found = _visible_notifications(request).filter(pk=notification_id)
    rows = NOTIFICATION_ROW.rows(request, found)
    if not rows:
        raise ApiNotFound.no_such("notification", notification_id)
    return item_response(request, _with_people(request, rows)[0])


@notes_router.patch(
    "/notifications/{int:notification_id}",
    summary="Mark a notification read or deleted for one user",
    openapi_extra=NOTIFICATION_FIELDS.openapi_body(),
)
def update_notification(request, notification_id: int):
    notification = get_or_404(_visible_notifications(request), "notification", notification_id)
    lists_read: list[str] = []

    def accept_lists_as_read(data: dict, spec) -> list[tuple[str, str]]:
        # A row sent back: its readby/deletedby lists say who had read or deleted it
        # when it was read, which marks no one; only an email marks that person.
        problems: list[tuple[str, str]] = []
        for name in ("readby", "deletedby"):
            value = data.get(name)
            if isinstance(value, str) and value.lstrip().startswith("["):
                try:
                    value = parse_json(value)
                except ValueError as exc:
                    problems.append((name, f"{name} {exc}."))
                    continue
            if isinstance(value, list):
                lists_read.append(data.pop(name))
        return problems

    fields = body_fields(request, NOTIFICATION_FIELDS, partial=True, reshape=accept_lists_as_read)
    if not fields and not lists_read:
        raise ApiValidationError("Send readby or deletedby (or both): the email of a user.")
    actor = principal(request).actor
    services.update_notification(
        notification,
        read_by=services.named_author(actor, fields["readby"], field="readby")
        if "readby" in fields
        else None,
        deleted_by=services.named_author(actor, fields["deletedby"], field="deletedby")
        if "deletedby" in fields
        else None,
    )
    return id_response(request, notification.pk)


@notes_router.delete(
    "/notifications/{int:notification_id}",
    summary="Not supported: notifications are deleted after 3 months",
    description="Answers 405. PATCH `deletedby` hides a notification for one user.",
)
def delete_notification(request, notification_id: int):
    response = error_response(
        request,
        405,
        "Notifications can't be deleted through the API: they are deleted automatically "
        "after 3 months. PATCH deletedby=<email> deletes one for that user.",
    )
    response["Allow"] = "GET, PATCH"
    return response


# --- webhooks ------------------------------------------------------------------------
# A webhook is sent every change it asks for, whatever area it is in: managing them
# needs the settings area (a credential: its settings scope, write to change them) and
# access to every area (a user with full access; a credential whose scopes read all).

webhooks_router = Router(tags=["webhooks"])


def webhook_access(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        who = principal(request)
        who.require("settings")
        if not webhooks.may_manage_webhooks(who.actor):
            raise ApiNotAllowed(
                "Webhooks are sent changes from every area, so managing them needs "
                "access to every area."
            )
        return view(request, *args, **kwargs)

    return checked


webhooks_router.add_decorator(webhook_access)

WEBHOOK_ORDERINGS = {
    "id": "id",
    "url": "url",
    "added": "added",
    "lastupdated": "lastupdated",
    "active": "active",
}
DELIVERY_ORDERINGS = {"id": "id", "created": "created", "state": "state"}


def _webhook_or_404(webhook_id: int) -> Webhook:
    return get_or_404(Webhook.objects.all(), "webhook", webhook_id)


def _creator(request) -> User | None:
    who = principal(request)
    return who.user if who.credential is None else who.credential.created_by


@webhooks_router.get(
    "/webhooks",
    summary="List webhooks",
    description="`active` (true/false) and `event` (one event name) filter the list. "
    "The secret is never shown again after the webhook is added.",
)
def list_webhooks(request, event: str = ""):
    params = list_params(request, WEBHOOK_ORDERINGS, default_order="id")
    found = Webhook.objects.all()
    active = query_bool(request, "active")
    if active is not None:
        found = found.filter(active=active)
    if event:
        if event not in webhooks.event_names():
            shown = event if len(event) <= 40 else f"{event[:40]}…"
            raise ApiValidationError(
                f"event must be an event name such as invoice.issued, not '{shown}'.",
                field="event",
            )
        # JSON containment isn't SQLite's; an account has a handful of webhooks.
        found = found.filter(
            pk__in=[pk for pk, events in found.values_list("pk", "events") if event in events]
        )
    page = params.page(order_queryset(found, params, WEBHOOK_ORDERINGS))
    rows = WEBHOOK_ROW.rows(request, page)
    return list_response(request, rows, params.total(found, len(rows)))


@webhooks_router.get("/webhooks/{int:webhook_id}", summary="Get a specific webhook")
@reads_ahead(WEBHOOK_ROW, Webhook, "webhook_id")
def get_webhook(request, webhook_id: int):
    rows = WEBHOOK_ROW.rows_of(request, Webhook, [webhook_id])
    if not rows:
        raise ApiNotFound.no_such("webhook", webhook_id)
    return item_response(request, rows[0])


@webhooks_router.post(
    "/webhooks",
    summary="Add a webhook (the answer holds its secret, shown this once)",
    openapi_extra=WEBHOOK_FIELDS.openapi_body(),
)
def create_webhook(request):
    fields = body_fields(request, WEBHOOK_FIELDS, partial=False)
    webhook, secret = webhooks.create_webhook(created_by=_creator(request), **fields)
    return depot_response(request, {"error": False, "id": webhook.pk, "secret": secret}, 201)


@webhooks_router.patch(
    "/webhooks/{int:webhook_id}",
    summary="Update a webhook",
    openapi_extra=WEBHOOK_FIELDS.openapi_body(),
)
def update_webhook(request, webhook_id: int):
    webhook = _webhook_or_404(webhook_id)
    fields = body_fields(request, WEBHOOK_FIELDS, partial=True)
    webhooks.update_webhook(webhook, **fields)
    return id_response(request, webhook.pk)


@webhooks_router.delete("/webhooks/{int:webhook_id}", summary="Delete a webhook")
def delete_webhook(request, webhook_id: int):
    webhook = _webhook_or_404(webhook_id)
    webhooks.delete_webhook(webhook)
    return id_response(request, webhook_id)


@webhooks_router.get(
    "/webhooks/{int:webhook_id}/deliveries",
    summary="A webhook's deliveries, newest first",
    description="`state` (queued, sending, retrying, succeeded, failed) filters them.",
)
def list_webhook_deliveries(request, webhook_id: int, state: str = ""):
    webhook = _webhook_or_404(webhook_id)
    params = list_params(request, DELIVERY_ORDERINGS, default_order="id", default_ascending=False)
    found = webhook.deliveries.all()
    if state:
        if state not in WebhookDelivery.State.values:
            raise ApiValidationError(
                f"state must be one of: {', '.join(WebhookDelivery.State.values)}.",
                field="state",
            )
        found = found.filter(state=state)
    page = params.page(order_queryset(found, params, DELIVERY_ORDERINGS))
    rows = WEBHOOK_DELIVERY_ROW.rows(request, page)
    return list_response(request, rows, params.total(found, len(rows)))


@webhooks_router.post(
    "/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}/redeliver",
    summary="Send a delivery's event again (a new delivery, the same event id)",
)
def redeliver_webhook(request, webhook_id: int, delivery_id: int):
    webhook = _webhook_or_404(webhook_id)
    delivery = get_or_404(webhook.deliveries.select_related("event"), "delivery", delivery_id)
    again = webhooks.redeliver(delivery)
    return id_response(request, again.pk, status=201)
