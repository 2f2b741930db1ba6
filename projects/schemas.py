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
from .models import Job, Project
from .services import JOB_ORDER_MAX

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


def no_hours(_owner_id) -> dict:
    # A job's hours are the sum of its items', a project's the sum of its jobs', and
    # job items are not modelled yet (the next slice of the projects work): nothing
    # can be allocated or logged, so the truthful answer is zero. The roll-up in SQL
    # replaces this with items.
    return {"allocated": 0, "logged": 0, "remaining": 0}


def no_count(_project_id) -> int:
    # Items and actions belong to jobs' items (see no_hours): a project has none yet.
    return 0


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
    key("hours", "id", read=no_hours),
    key("added", EpochSeconds("added"), read=str),
    key("deadline", EpochSeconds("deadline"), read=str),
    key("hasactions", "id", read=no_count),
    key("hasitems", "id", read=no_count),
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
    project=Field("int", required=True, help="The id of the project the job belongs to"),
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


def no_items(_job_id) -> list:
    # Job items are the next slice of the projects work: a job has none yet.
    return []


JOB_ROW = RowSpec(
    key("id"),
    key("idinproject", "number"),
    key("name", "title"),
    key("status"),
    key("project", "project_id", read=str),
    key("projecttitle", "project__title"),
    key("hours", "id", read=no_hours),
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
    key("items", "id", read=no_items),
    Batched("team", "id", fetch=queries.team_by_job),
    Batched("contacts", "id", fetch=queries.contacts_by_job),
    key("order", read=str),
    key("discount"),
    key("addedby", "added_by__email", "added_by__name", read=user_of),
    key("brief", hidden_by="hidebrief"),
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
