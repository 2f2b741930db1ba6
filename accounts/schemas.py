"""Depot's field names for users and account settings, in and out."""

from config.api.fields import Field, Fields
from config.limits import (
    USER_NOTE_CONTENT_MAX_CHARS,
    USER_NOTE_TITLE_MAX_CHARS,
    USER_NOTES_MAX_ITEMS,
)

from .models import User

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
