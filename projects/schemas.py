"""Depot's field names for projects, in and out."""

from config.api.fields import Field, Fields
from config.api.rows import Batched, EpochSeconds, RowSpec, from_json, json_text, key
from config.limits import (
    PROJECT_BRIEF_MAX_CHARS,
    PROJECT_PEOPLE_MAX_ITEMS,
    PROJECT_SECTIONS_MAX_ITEMS,
    TIME_NOTES_MAX_CHARS,
)

from . import queries
from .models import Job, JobAction, JobItem, Project
from .services import ITEM_HOURS_MAX, ITEM_ORDER_MAX, ITEM_RATE_MAX, JOB_ORDER_MAX

STATUS_HELP = "O for open, H for held, P for pending, C for cancelled, F for finished"
SECTIONS_HELP = (
    f'JSON array of up to {PROJECT_SECTIONS_MAX_ITEMS} sections, {{"title": ..., "content": ...}}'
)

# What a GET returns and a client may send back as it read it: `name` is the title,
# `client`, `addedby` and `team` the objects naming what `for`, `addedby` and `team`
# write; the rest is read-only.
PROJECT_FIELDS = Fields(
    read_only=("id", "added", "hours", "hasactions", "hasitems"),
    shapes=("name", "client"),
    title=Field(
        "str",
        required=True,
        max_length=Project._meta.get_field("title").max_length,
        help="The title of the project",
    ),
    status=Field("str", required=True, help=STATUS_HELP),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    brief=Field("str", max_length=PROJECT_BRIEF_MAX_CHARS, help="The brief"),
    expanded=Field("json", clearable=True, help=f"Expanded sections: {SECTIONS_HELP}"),
    conclusion=Field("json", clearable=True, help=f"Conclusion sections: {SECTIONS_HELP}"),
    deadline=Field("date", empty_is_absent=True, help="Defaults to a week from today"),
    discount=Field("decimal", min_value=0, max_value=100, help="A percentage of the total"),
    team=Field(
        "str",
        comma_list=True,
        clearable=True,
        help=f"Users on the team by id or email, comma separated (at most "
        f"{PROJECT_PEOPLE_MAX_ITEMS})",
    ),
    contacts=Field("idlist", clearable=True, help="Ids of people the project is associated with"),
    **{"for": Field("str", required=True, help="The client: C41 for a company, I5 for a person")},
)


def client_of(company_id, company_name, contact_id, contact_name) -> dict:
    if company_id is not None:
        return {"type": "C", "id": str(company_id), "name": company_name}
    return {"type": "I", "id": str(contact_id), "name": contact_name}


def user_of(email, name) -> dict:
    return {"email": email, "name": name}


def hours_of(allocated, logged, remaining) -> dict:
    # Summed in SQL (queries.with_hours), for the row's level.
    return {"allocated": allocated, "logged": logged, "remaining": remaining}


HOURS_COLUMNS = ("hours_allocated", "hours_logged", "hours_remaining")


def percentage(value) -> str:
    # The spec shows a discount as text with two places ("0.00").
    return f"{value:.2f}"


def sections_from_json(text) -> list[dict]:
    return from_json(text) or []


PROJECT_ROW = RowSpec(
    key("id"),
    key("name", "title"),
    key("status"),
    key(
        "client",
        "client_company_id",
        "client_company__name",
        "client_contact_id",
        "client_contact__fullname",
        read=client_of,
    ),
    key("hours", *HOURS_COLUMNS, read=hours_of),
    key("added", EpochSeconds("added"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    key("hasactions", "has_actions"),
    key("hasitems", "has_items"),
    key("discount", read=percentage),
    key("addedby", "added_by__email", "added_by__name", read=user_of),
    Batched("team", "id", fetch=queries.team_by_project),
    Batched("contacts", "id", fetch=queries.contacts_by_project),
    key("brief", hidden_by="hidebrief"),
    key("expanded", json_text("expanded"), read=sections_from_json, hidden_by="hidebrief"),
    key("conclusion", json_text("conclusion"), read=sections_from_json, hidden_by="hidebrief"),
)


# What a GET returns and a client may send back as it read it: `name` is the title,
# `addedby` and `team` the objects naming what those fields write, `project` the id
# as text; the rest is read-only.
JOB_FIELDS = Fields(
    read_only=("id", "idinproject", "projecttitle", "hours", "client", "start", "items"),
    shapes=("name",),
    title=Field(
        "str",
        required=True,
        max_length=Job._meta.get_field("title").max_length,
        help="The title of the job",
    ),
    status=Field("str", required=True, help=STATUS_HELP),
    project=Field("ref", required=True, help="The id of the project the job belongs to"),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    brief=Field("str", max_length=PROJECT_BRIEF_MAX_CHARS, help="The brief"),
    deadline=Field("date", empty_is_absent=True, help="Defaults to a week from today"),
    order=Field(
        "int",
        min_value=0,
        max_value=JOB_ORDER_MAX,
        help="Its place among the project's jobs, ascending; defaults to after the last",
    ),
    discount=Field("decimal", min_value=0, max_value=100, help="A percentage of the total"),
    team=Field(
        "str",
        comma_list=True,
        clearable=True,
        help=f"Users on the team by id or email, comma separated (at most "
        f"{PROJECT_PEOPLE_MAX_ITEMS})",
    ),
    contacts=Field("idlist", clearable=True, help="Ids of people the job is associated with"),
)


JOB_ROW = RowSpec(
    key("id"),
    key("idinproject", "number"),
    key("name", "title"),
    key("status"),
    key("project", "project_id", read=str),
    key("projecttitle", "project__title"),
    key("hours", *HOURS_COLUMNS, read=hours_of),
    key(
        "client",
        "project__client_company_id",
        "project__client_company__name",
        "project__client_contact_id",
        "project__client_contact__fullname",
        read=client_of,
    ),
    key("start", EpochSeconds("added"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    # Filled for the page by the API (its `itemstatus` picks which), see api._with_items.
    key("items", "id", read=lambda _job_id: []),
    Batched("team", "id", fetch=queries.team_by_job),
    Batched("contacts", "id", fetch=queries.contacts_by_job),
    key("order", read=str),
    key("discount"),
    key("addedby", "added_by__email", "added_by__name", read=user_of),
    key("brief", hidden_by="hidebrief"),
)


# --- job items --------------------------------------------------------------------

TYPE_HELP = "hourly, fixed or external"

# What a GET returns and a client may send back as it read it: `name` is the title,
# `category` the ledger code, `hours` ({allocated, ...}) the hours allocated,
# `addedby` and `team` the objects naming what those fields write, `job` the id as
# text; the rest is read-only.
JOB_ITEM_FIELDS = Fields(
    read_only=(
        "id",
        "project",
        "client",
        "added",
        "actions",
        "hasactions",
        "actioncount",
    ),
    shapes=("name", "category"),
    title=Field(
        "str",
        required=True,
        max_length=JobItem._meta.get_field("title").max_length,
        help="The title of the item",
    ),
    description=Field("str", max_length=PROJECT_BRIEF_MAX_CHARS, help="The description"),
    status=Field("str", required=True, help=STATUS_HELP),
    job=Field("ref", required=True, help="The id of the job the item belongs to"),
    type=Field("str", required=True, help=TYPE_HELP),
    hours=Field(
        "decimal",
        required=True,
        min_value=0,
        max_value=ITEM_HOURS_MAX,
        help="The hours (or the quantity, for fixed and external items) allocated",
    ),
    rate=Field(
        "decimal",
        required=True,
        min_value=0,
        max_value=ITEM_RATE_MAX,
        help="The unit rate or price (the markup, for an external cost)",
    ),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    team=Field(
        "str",
        comma_list=True,
        clearable=True,
        help=f"Users on the team by id or email, comma separated (at most "
        f"{PROJECT_PEOPLE_MAX_ITEMS})",
    ),
    start=Field("date", empty_is_absent=True, help="Defaults to today"),
    deadline=Field("date", empty_is_absent=True, help="Defaults to a week from today"),
    taxcode=Field(
        "str",
        clearable=True,
        max_length=JobItem._meta.get_field("taxcode").max_length,
        help="The code of the item's tax code",
    ),
    ledger=Field(
        "str",
        clearable=True,
        max_length=JobItem._meta.get_field("ledger").max_length,
        help="The code of the item's ledger category",
    ),
    order=Field(
        "int",
        min_value=0,
        max_value=ITEM_ORDER_MAX,
        help="Its place among the job's items, ascending; defaults to after the last",
    ),
)


def code_or_null(code: str):
    # No code is null, as the spec shows `"taxcode": null`.
    return code or None


JOB_ITEM_ROW = RowSpec(
    key("id"),
    key("name", "title"),
    key("description"),
    key("status"),
    key("project", "job__project_id", read=str),
    key("job", "job_id", read=str),
    key("hours", *HOURS_COLUMNS, read=hours_of),
    key(
        "client",
        "job__project__client_company_id",
        "job__project__client_company__name",
        "job__project__client_contact_id",
        "job__project__client_contact__fullname",
        read=client_of,
    ),
    key("added", EpochSeconds("added"), read=str),
    key("start", EpochSeconds("start"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    Batched("team", "id", fetch=queries.team_by_item),
    key("type"),
    # Filled for the page by the API, see api._with_actions.
    key("actions", "id", read=lambda _item_id: []),
    key("hasactions", "action_count", read=bool),
    key("order", read=str),
    key("category", "ledger", read=code_or_null),
    key("rate"),
    key("taxcode", read=code_or_null),
    key("actioncount", "action_count"),
)


def rate_text(rate) -> str:
    # A job's embedded items show the rate as text with five places ("50.00000").
    return f"{rate:.5f}"


def logged_hours(allocated, logged) -> dict:
    return {"allocated": allocated, "logged": logged}


# A job's items, as the jobs resource embeds them (the spec's own, shorter shape).
JOB_EMBEDDED_ITEM_ROW = RowSpec(
    key("id", read=str),
    key("name", "title"),
    key("start", EpochSeconds("start"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    key("hours", "hours_allocated", "hours_logged", read=logged_hours),
    key("brief", "description"),
    key("type"),
    key("actions", "id", read=lambda _item_id: []),
    Batched("team", "id", fetch=queries.team_by_item),
    key("category", "ledger", read=code_or_null),
    key("timecategory", "id", read=lambda _item_id: ""),
    key("rate", read=rate_text),
    key("taxcode", read=code_or_null),
)


# --- job actions ------------------------------------------------------------------

JOB_ACTION_FIELDS = Fields(
    read_only=("id", "project", "job", "client", "added"),
    shapes=("name",),
    title=Field(
        "str",
        required=True,
        max_length=JobAction._meta.get_field("title").max_length,
        help="The title or text of the action",
    ),
    status=Field("str", required=True, help="C for completed, U for unfinished"),
    item=Field("ref", required=True, help="The id of the job item the action is on"),
    addedby=Field("email", required=True, help="The email address of the user adding it"),
    assignedto=Field(
        "str", clearable=True, help="The email address of the user the action is assigned to"
    ),
    deadline=Field("date", empty_is_absent=True, help="Defaults to a week from today"),
)


def assignees_of(email, name) -> list[dict]:
    # Depot lists the assignee (one person, or nobody) as a list.
    return [] if email is None else [{"email": email, "name": name}]


JOB_ACTION_ROW = RowSpec(
    key("id"),
    key("name", "title"),
    key("status"),
    key("project", "item__job__project_id", read=str),
    key("job", "item__job_id", read=str),
    key(
        "client",
        "item__job__project__client_company_id",
        "item__job__project__client_company__name",
        "item__job__project__client_contact_id",
        "item__job__project__client_contact__fullname",
        read=client_of,
    ),
    key("added", EpochSeconds("added"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    key("assignedto", "assigned_to__email", "assigned_to__name", read=assignees_of),
    key("addedby", "added_by__email", "added_by__name", read=user_of),
)


# --- timesheet --------------------------------------------------------------------

# What a GET returns and a client may send back as it read it: `user` is the person
# `userid` names, `jobitem`/`job`/`project` the objects whose most specific one is
# the `job` code; the rest is read-only.
TIME_FIELDS = Fields(
    read_only=("id", "added", "activitytype", "activitytitle", "jobitem", "project", "client"),
    shapes=("user",),
    date=Field("date", required=True, help="The day: a Unix timestamp or YYYY-MM-DD"),
    hours=Field("str", required=True, max_length=20, help="Hours spent: 2.5 or 2:30"),
    userid=Field("email", required=True, help="The email address of the person the time is for"),
    job=Field(
        "str",
        required=True,
        max_length=41,
        help="What the time is for: P1 (a project), J3 (a job), T8 (an item) or A5 (an action)",
    ),
    notes=Field("str", max_length=TIME_NOTES_MAX_CHARS, help="Notes about the work"),
    type=Field("str", max_length=20, help="The id of an activity type"),
    isinternal=Field("bool", help="Internal time, not for the client"),
)


def titled(pk, title) -> dict | None:
    return None if pk is None else {"id": str(pk), "title": title}


def activity_id(pk) -> str:
    return "" if pk is None else str(pk)


def text_or_empty(value) -> str:
    return value or ""


TIME_ROW = RowSpec(
    key("id"),
    key("notes"),
    key("user", "user__email", "user__name", read=user_of),
    key("date", EpochSeconds("date")),
    key("hours"),
    key("isinternal", "is_internal"),
    key("activitytype", "activity_type_id", read=activity_id),
    key("activitytitle", "activity_type__name", read=text_or_empty),
    key("added", EpochSeconds("added")),
    key("jobitem", "item_id", "item__title", read=titled),
    key("job", "job_id", "job__title", read=titled),
    key("project", "project_id", "project__title", read=titled),
    key(
        "client",
        "project__client_company_id",
        "project__client_company__name",
        "project__client_contact_id",
        "project__client_contact__fullname",
        read=client_of,
    ),
)
