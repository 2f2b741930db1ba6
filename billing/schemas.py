"""Depot's field names for billing's documents, in and out."""

from datetime import UTC, date, datetime
from decimal import Decimal

from config.api.fields import Field, Fields
from config.api.rows import EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import (
    DOCUMENT_LINES_MAX_ITEMS,
    DOCUMENT_SECTIONS_MAX_ITEMS,
    PROJECT_BRIEF_MAX_CHARS,
    PROJECT_SECTIONS_MAX_ITEMS,
)
from projects.schemas import client_of, sections_from_json, user_of

from .models import Proposal
from .proposals import NOT_YET_KNOWN

# --- proposals ---------------------------------------------------------------------

SECTIONS_HELP = (
    f'JSON array of up to {PROJECT_SECTIONS_MAX_ITEMS} sections, {{"title": ..., "content": ...}}'
)
JOBS_HELP = (
    f"JSON array of up to {DOCUMENT_SECTIONS_MAX_ITEMS} jobs ({DOCUMENT_LINES_MAX_ITEMS} items "
    'in all): {"name", "brief", "discount", "print", "team", "items": [{"name", "brief", '
    '"hours", "rate", "taxcode", "type", "print", "category", "start", "duration", "team", '
    "\"actions\"}]}, as a proposal's `jobs` reads. An item costs hours × rate; a job's "
    "discount comes off its items before the proposal's."
)

# What a GET returns and a client may send back as it read it: `name` is the title,
# `jobs` the jobs of items that `items` writes, `client` and `user` the objects naming
# what those fields write; the rest is read-only.
PROPOSAL_FIELDS = Fields(
    read_only=("id", "tax", "grandtotal", "pdf", "created", "issuehistory"),
    shapes=("name", "jobs"),
    title=Field(
        "str",
        required=True,
        max_length=Proposal._meta.get_field("title").max_length,
        help="The title of the proposal",
    ),
    status=Field("str", required=True, help="P for pending, A for accepted, X for rejected"),
    client=Field(
        "str",
        required=True,
        help="The company or person it is for: C41 for a company, I5 for a person",
    ),
    user=Field("email", required=True, help="The email address of the user adding it"),
    overview=Field("str", max_length=PROJECT_BRIEF_MAX_CHARS, help="The overview"),
    items=Field("json", clearable=True, help=f"The jobs of items: {JOBS_HELP}"),
    expanded=Field("json", clearable=True, help=f"Expanded sections: {SECTIONS_HELP}"),
    conclusion=Field("json", clearable=True, help=f"Conclusion sections: {SECTIONS_HELP}"),
    submitdate=Field(
        "date", clearable=True, help="When it should be submitted by; 0 or empty for none"
    ),
    discount=Field("decimal", min_value=0, max_value=100, help="A percentage of the total"),
    printtotal=Field("bool", help="Whether outputs show the overall totals"),
    total=Field("decimal", help="Optional: when sent, it must be the items' total to the cent"),
)


def epoch_text(day: str) -> str:
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    return str(int(moment.timestamp()))


def public_jobs(text) -> list[dict]:
    """Stored jobs in Depot's shape: hours and rates as text with two places, a job's
    discount as a number, a start as TBC or Unix time; the frozen tax rate left out."""
    return [
        {
            "name": job["name"],
            "brief": job["brief"],
            "discount": Decimal(job["discount"]),
            "print": job["print"],
            "items": [
                {
                    "hours": item["hours"],
                    "name": item["name"],
                    "brief": item["brief"],
                    "rate": item["rate"],
                    "taxcode": item["taxcode"],
                    "actions": item["actions"],
                    "type": item["type"],
                    "start": (
                        item["start"]
                        if item["start"] == NOT_YET_KNOWN
                        else epoch_text(item["start"])
                    ),
                    "duration": item["duration"],
                    "team": item["team"],
                    "print": item["print"],
                    "category": item["category"],
                }
                for item in job["items"]
            ],
            "team": job["team"],
        }
        for job in from_json(text) or []
    ]


def epoch_or_zero(seconds) -> int:
    # No date reads 0, as the spec's example shows `"submitdate": 0`.
    return seconds or 0


def no_pdf(_id) -> None:
    # Proposals have no rendered document yet: null, as the spec shows an absent value.
    return None


PROPOSAL_ROW = RowSpec(
    key("id"),
    key(
        "client",
        "client_company_id",
        "client_company__name",
        "client_contact_id",
        "client_contact__fullname",
        read=client_of,
    ),
    key("status"),
    key("name", "title"),
    key("overview"),
    key("expanded", json_text("expanded"), read=sections_from_json),
    key("conclusion", json_text("conclusion"), read=sections_from_json),
    key("jobs", json_text("jobs"), read=public_jobs),
    key("discount"),
    key("total"),
    key("tax"),
    key("grandtotal"),
    key("printtotal"),
    key("pdf", "id", read=no_pdf),
    key("created", EpochSeconds("added")),
    key("submitdate", EpochSeconds("submitdate"), read=epoch_or_zero),
    key("user", "added_by__email", "added_by__name", read=user_of),
)
