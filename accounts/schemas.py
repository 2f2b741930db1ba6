"""Depot's field names for users and account settings, in and out."""

from config.api.fields import Field, Fields
from config.api.rows import EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import (
    USER_NOTE_CONTENT_MAX_CHARS,
    USER_NOTE_TITLE_MAX_CHARS,
    USER_NOTES_MAX_ITEMS,
)

from .models import PrivateTask, User, Webhook

# What a GET returns that a client may send back unchanged: accepted and ignored.
USER_FIELDS = Fields(
    read_only=("id", "restricted", "type", "image", "permissions"),
    email=Field("email", required=True, max_length=254, help="The user's email; also their id"),
    name=Field("str", required=True, max_length=150, help="Full name"),
    restrictions=Field(
        "json",
        help='Areas a restricted user may use, e.g. ["contacts","projects"]; empty for full access',
    ),
    collaborator=Field("bool", help="1 to add a collaborator"),
    jobs=Field("idlist", help="Comma separated ids of the jobs a collaborator works on"),
    jobtitle=Field("str", max_length=150),
    telephone=Field("str", max_length=50),
    active=Field("bool"),
    address=Field("json", help="{line1, line2, line3, city, district, country, postcode}"),
    notes=Field(
        "json",
        help=f"[{{title, content}}, ...]: at most {USER_NOTES_MAX_ITEMS} notes, titles up to "
        f"{USER_NOTE_TITLE_MAX_CHARS} and contents up to {USER_NOTE_CONTENT_MAX_CHARS} characters",
    ),
)

VALUE_INT = Fields(value=Field("int", required=True, help="A whole number"))
VALUE_DECIMAL = Fields(value=Field("decimal", required=True, help="An amount"))
VALUE_JSON = Fields(value=Field("json", required=True, help="A JSON encoded value"))
REMOVE_LOGO = Fields(removelogo=Field("bool", required=True, help="1 removes the logo"))


def absolute_media_url(request, file_field) -> str:
    return request.build_absolute_uri(file_field.url) if file_field else ""


def user_row(request, user: User, *, detail: bool = False) -> dict:
    row = {
        "id": user.email,
        "name": user.name,
        "active": int(user.is_active),
        "restricted": int(user.restricted),
        "type": user.type,
        "image": absolute_media_url(request, user.image),
        "jobtitle": user.jobtitle,
    }
    if detail:
        row.update(
            {
                "address": user.address,
                "telephone": user.telephone,
                "notes": user.notes,
                "permissions": user.permissions,
            }
        )
        if user.is_collaborator:
            row["jobs"] = user.collaborator_jobs
    return row


def plain_number(value):
    """Breakeven and time rounding come back as strings in Depot ("24000", "15")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --- private tasks and notifications -------------------------------------------------

# What a GET returns and a client may send back as it read it: `user` as the object
# ({email, name}) is read as its email.
PRIVATE_TASK_FIELDS = Fields(
    read_only=("id",),
    text=Field(
        "str",
        required=True,
        max_length=PrivateTask._meta.get_field("text").max_length,
        help="The text of the task",
    ),
    date=Field("date", required=True, help="The day the task is shown against (epoch or ISO)"),
    user=Field("email", required=True, help="The email address of the user whose task it is"),
    done=Field("bool", help="Docket's own: 1 when the task is ticked off"),
)

NOTIFICATION_FIELDS = Fields(
    read_only=("id", "type", "date", "title", "link", "content", "users"),
    readby=Field("email", help="The email address of a user who has read the notification"),
    deletedby=Field("email", help="The email address of a user who has deleted it"),
)


def person_of(email, name) -> dict:
    return {"email": email, "name": name}


PRIVATE_TASK_ROW = RowSpec(
    key("id"),
    # A number here, where notifications' dates are text: as the spec's examples show.
    key("date", EpochSeconds("date")),
    key("text"),
    key("user", "user__email", "user__name", read=person_of),
    key("done"),
)

# readby, deletedby and users are added for the whole page at once (accounts/api.py).
NOTIFICATION_ROW = RowSpec(
    key("id"),
    key("type"),
    key("date", EpochSeconds("date"), read=str),
    key("title"),
    key("link"),
    key("content"),
)


# --- webhooks ---------------------------------------------------------------------------

WEBHOOK_FIELDS = Fields(
    read_only=("id", "added", "lastupdated", "failures", "disabledreason"),
    url=Field(
        "str",
        required=True,
        max_length=Webhook._meta.get_field("url").max_length,
        help="Where events are posted: https:// (http:// only to this machine, in development)",
    ),
    events=Field(
        "str",
        required=True,
        comma_list=True,
        help="The events it wants, comma separated or a list: contact.created, invoice.issued, …",
    ),
    active=Field("bool", help="0 to stop deliveries; 1 (the default) to send them"),
    description=Field(
        "str",
        max_length=Webhook._meta.get_field("description").max_length,
        help="What it is for",
    ),
)

# Never the secret: it is shown once, in the answer to the POST that made it.
WEBHOOK_ROW = RowSpec(
    key("id"),
    key("url"),
    key("description"),
    key("events", json_text("events"), read=from_json),
    key("active"),
    key("added", EpochSeconds("added")),
    key("lastupdated", EpochSeconds("lastupdated")),
    key("failures"),
    key("disabledreason", "disabled_reason"),
)

WEBHOOK_DELIVERY_ROW = RowSpec(
    key("id"),
    key("event", "event__uid"),
    key("type", "event__event"),
    key("state"),
    key("attempts"),
    key("responsecode", "response_code"),
    key("durationms", "duration_ms"),
    key("reason"),
    key("created", EpochSeconds("created")),
    key("lastattempt", EpochSeconds("last_attempt")),
    key("nextattempt", EpochSeconds("next_attempt")),
)
