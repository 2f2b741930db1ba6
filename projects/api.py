"""Depot resources: projects, jobs, job items and job actions, and the settings
resource for activity types."""

import json
from functools import wraps

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from ninja import Router

from accounts import services as account_services
from accounts import webhooks
from accounts.models import AccountSettings
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access, open_to_collaborators, principal
from config.api.body import body_fields, decode_object
from config.api.errors import ApiNotAllowed, ApiNotFound, ApiValidationError
from config.api.listing import (
    list_params,
    order_queryset,
    query_bool,
    query_epoch,
    query_flags,
    query_int,
)
from config.api.lookup import get_or_404
from config.api.rendering import (
    depot_response,
    id_response,
    item_response,
    list_response,
    ok_response,
)
from config.parsing import parse_email, parse_json
from crm.journal import parse_item_code

from . import queries, services, timesheet
from .models import ActivityType, Job, JobAction, JobItem, Project, TimeEntry
from .schemas import (
    JOB_ACTION_FIELDS,
    JOB_ACTION_ROW,
    JOB_EMBEDDED_ITEM_ROW,
    JOB_FIELDS,
    JOB_ITEM_FIELDS,
    JOB_ITEM_ROW,
    JOB_ROW,
    PROJECT_FIELDS,
    PROJECT_ROW,
    TIME_FIELDS,
    TIME_ROW,
)
from .services import CLIENT_LETTERS

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


# --- projects ---------------------------------------------------------------------

projects_router = Router(tags=["projects"])
# Collaborators may read the jobs they are given, with their items and actions, and
# add and change those actions (`open_to_collaborators` on each such operation, kept
# to their jobs by `queries.jobs_in_reach`); projects, and every other write, stay the
# projects area's.
projects_router.add_decorator(area_access("projects"))

BEYOND_REACH = "Collaborators can only see the jobs they are given."


def _reach(request) -> list[int] | None:
    return queries.jobs_in_reach(principal(request).actor)


def _require_in_reach(request, queryset, noun: str, pk: int, path: str) -> None:
    """A collaborator asking for one thing: its 404 when there is none, the spec's 401
    when it lies outside their jobs. Anyone else passes without a query."""
    reach = _reach(request)
    if reach is None:
        return
    job_id = queryset.filter(pk=pk).values_list(path, flat=True).first()
    if job_id is None:
        raise ApiNotFound.no_such(noun, pk)
    if job_id not in reach:
        raise ApiNotAllowed(BEYOND_REACH)


# Titles sort whatever their case ("apple" beside "Apple", not after "Zebra"), as
# crm's names do: on an alias of the lower-cased title (`by_title`).
def by_title(queryset):
    return queryset.alias(title_key=Lower("title"))


PROJECT_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    "added": "added",
    "deadline": "deadline",
    "discount": "discount",
}
# The brief and its sections are long text: shown only when asked for (`brief=true`).
PROJECT_FLAGS = {"brief": False}


def _row_flags(request) -> dict[str, bool]:
    return {"hidebrief": not query_flags(request, PROJECT_FLAGS)["brief"]}


def _client_code(request) -> tuple[str, int] | None:
    raw = request.GET.get("for", "")
    if not raw:
        return None
    try:
        letter, client_id = parse_item_code(raw)
    except ValidationError:
        letter = ""
    if letter not in CLIENT_LETTERS:
        shown = raw if len(raw) <= 40 else f"{raw[:40]}…"
        raise ApiValidationError(
            f"for must be a company or person code such as C41 or I5, not '{shown}'.",
            field="for",
        )
    return letter, client_id


def _statuses(raw: str, field: str = "status") -> list[str]:
    statuses = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(statuses) - set(Project.Status.values):
        raise ApiValidationError(
            f"{field} must be one of (or a comma separated list of): "
            f"{', '.join(Project.Status.values)}.",
            field=field,
        )
    return statuses


def _with_jobs(request, rows: list[dict], flags: dict, statuses: list[str]) -> list[dict]:
    """With `jobs=true`, each project row gets its jobs (in `statuses`, if any) as the
    jobs resource shows them, in the project's order: three queries for the page
    (the jobs, their teams, their contacts), however many projects it holds. With
    `items=true` each job has its items (`_with_items`'s filters), else no `items`."""
    switches = query_flags(request, {"jobs": False, "items": False})
    item_filters = _item_filters(request)
    has_items = query_bool(request, "hasitems")
    if not switches["jobs"] or not rows:
        return rows
    jobs = Job.objects.filter(project_id__in=[row["id"] for row in rows])
    if statuses:
        jobs = jobs.filter(status__in=statuses)
    if has_items is not None:
        with_items = Exists(JobItem.objects.filter(job_id=OuterRef("pk")))
        jobs = jobs.filter(with_items if has_items else ~with_items)
    jobs = queries.with_hours(jobs.order_by("project_id", "order", "pk"), "job")
    job_rows = JOB_ROW.rows(request, jobs, flags)
    if switches["items"]:
        _with_items(request, job_rows, **item_filters)
    else:
        for job in job_rows:
            del job["items"]
    by_project: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    for job in job_rows:
        by_project[int(job["project"])].append(job)
    for row in rows:
        row["jobs"] = by_project[row["id"]]
    return rows


def _item_filters(request) -> dict:
    """The filters on the items a job shows: `itemstatus`, `hasactions` and
    `actionassignedto` (items with an action assigned to that person)."""
    return {
        "statuses": _statuses(request.GET.get("itemstatus", ""), "itemstatus"),
        "has_actions": query_bool(request, "hasactions"),
        "action_assigned_to": _email_filter(
            request.GET.get("actionassignedto", ""), "actionassignedto"
        ),
    }


# The job (or item) each embedded row belongs to, read beside the row and dropped.
_ITEM_WITH_JOB = JOB_EMBEDDED_ITEM_ROW.with_columns("job_id")
_ACTION_WITH_ITEM = JOB_ACTION_ROW.with_columns("item_id")


def _with_items(request, job_rows: list[dict], **filters) -> list[dict]:
    """Each job row's `items` as the jobs resource embeds them, in the job's order,
    each with its actions: three queries (the items, their teams, their actions)."""
    if not job_rows:
        return job_rows
    items = queries.items_matching(**filters).filter(job_id__in=[row["id"] for row in job_rows])
    items = queries.with_hours(items.order_by("job_id", "order", "pk"), "item")
    by_job: dict[int, list[dict]] = {row["id"]: [] for row in job_rows}
    item_rows = _ITEM_WITH_JOB.rows(request, items)
    _with_actions(request, item_rows, key=lambda row: int(row["id"]))
    for item in item_rows:
        by_job[item.pop("job_id")].append(item)
    for row in job_rows:
        row["items"] = by_job[row["id"]]
    return job_rows


def _with_actions(request, item_rows: list[dict], key=lambda row: row["id"]) -> list[dict]:
    """Each item row's `actions` as the jobactions resource shows them, by due date:
    one query for the page."""
    ids = [key(row) for row in item_rows]
    if not ids:
        return item_rows
    actions = JobAction.objects.filter(item_id__in=ids).order_by("item_id", "deadline", "pk")
    by_item: dict[int, list[dict]] = {item_id: [] for item_id in ids}
    for action in _ACTION_WITH_ITEM.rows(request, actions):
        by_item[action.pop("item_id")].append(action)
    for row in item_rows:
        row["actions"] = by_item[key(row)]
    return item_rows


def _email_filter(raw: str, field: str) -> str:
    if not raw:
        return ""
    try:
        return parse_email(raw)
    except ValueError:
        raise ApiValidationError(f"{field} must be a valid email address.", field=field) from None


def _accept_read_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `name` as the title, `client` ({type, id}) as
    `for`, `addedby` ({email}) and the team ({email} each) as their emails, each as
    the object or (in a form body) JSON-encoded."""
    problems: list[tuple[str, str]] = []
    decode_object(data, "client", problems)
    client = data.pop("client", None)
    if client not in (None, "") and "for" not in data:
        if isinstance(client, dict) and "type" in client and "id" in client:
            data["for"] = f"{client['type']}{client['id']}"
        else:
            problems.append(("client", "client must be an object with a type and an id."))
    return problems + _accept_people_shapes(data, spec)


def _accept_people_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """`name` as the title, `addedby` ({email}) and the team ({email} each) as their
    emails, as a project's or a job's GET returns them."""
    problems: list[tuple[str, str]] = []
    decode_object(data, "addedby", problems)
    name = data.pop("name", None)
    if name is not None and "title" not in data:
        data["title"] = name
    added_by = data.get("addedby")
    if isinstance(added_by, dict) and "email" in added_by:
        data["addedby"] = added_by["email"]
    team = data.get("team")
    if isinstance(team, str) and team.lstrip().startswith("["):
        # The PHP kit sends the team it read back JSON-encoded in a form body.
        try:
            team = parse_json(team)
        except ValueError as exc:
            problems.append(("team", f"team {exc}."))
            return problems
    if isinstance(team, list):
        data["team"] = [
            member.get("id", member.get("email")) if isinstance(member, dict) else member
            for member in team
        ]
    return problems


def _renamed(request, fields: dict) -> dict:
    renamed = {}
    for name, value in fields.items():
        if name == "for":
            renamed["for_code"] = value
        elif name == "addedby":
            renamed["added_by"] = account_services.named_author(principal(request).actor, value)
        else:
            renamed[name] = value
    return renamed


def _project_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, PROJECT_FIELDS, partial=partial, reshape=_accept_read_shapes)
    return _renamed(request, fields)


@projects_router.get(
    "/projects",
    summary="List or search projects",
    description="`jobs=true` adds each project's jobs, `jobstatus` picks which and "
    "`hasitems` keeps those with (or without) items; `items=true` adds each job's items, "
    "`itemstatus` picks which, `hasactions` keeps those with (or without) actions and "
    "`actionassignedto` those with an action assigned to that email.",
)
def list_projects(request, search: str = "", status: str = "", team: str = "", jobstatus: str = ""):
    params = list_params(request, PROJECT_ORDERINGS, default_order="name")
    flags = _row_flags(request)
    job_statuses = _statuses(jobstatus, "jobstatus")
    projects = queries.projects_matching(
        search=search,
        client=_client_code(request),
        statuses=_statuses(status),
        team_email=_email_filter(team, "team"),
        contact_id=query_int(request, "contacts"),
    )
    _item_filters(request)  # a bad embedded-items filter is a 400 before any reading
    listed = queries.with_contents_flags(queries.with_hours(by_title(projects), "project"))
    page = params.page(order_queryset(listed, params, PROJECT_ORDERINGS))
    rows = _with_jobs(request, PROJECT_ROW.rows(request, page, flags), flags, job_statuses)
    return list_response(request, rows, params.total(projects, len(rows)))


@projects_router.get(
    "/projects/{int:project_id}",
    summary="Get a specific project",
    description="`jobs=true` adds the project's jobs, `items=true` their items; the "
    "list's filters on them apply.",
)
def get_project(request, project_id: int):
    return item_response(request, _project(request, project_id))


def _project(request, project_id: int) -> dict:
    flags = _row_flags(request)
    project = Project.objects.filter(pk=project_id)
    project = queries.with_contents_flags(queries.with_hours(project, "project"))
    rows = PROJECT_ROW.rows(request, project, flags)
    if not rows:
        raise ApiNotFound.no_such("project", project_id)
    job_statuses = _statuses(request.GET.get("jobstatus", ""), "jobstatus")
    return _with_jobs(request, rows, flags, job_statuses)[0]


@projects_router.post(
    "/projects", summary="Add a new project", openapi_extra=PROJECT_FIELDS.openapi_body()
)
def create_project(request):
    project = services.create_project(
        actor=principal(request).actor, **_project_fields(request, partial=False)
    )
    return id_response(request, project.pk, status=201)


@projects_router.patch(
    "/projects/{int:project_id}",
    summary="Update a project",
    openapi_extra=PROJECT_FIELDS.openapi_body(),
)
def update_project(request, project_id: int):
    project = get_or_404(Project, "project", project_id)
    services.update_project(
        project, actor=principal(request).actor, **_project_fields(request, partial=True)
    )
    return id_response(request, project.pk)


@projects_router.delete("/projects/{int:project_id}", summary="Delete a project")
def delete_project(request, project_id: int):
    services.delete_project(get_or_404(Project, "project", project_id))
    return id_response(request, project_id)


# --- jobs -------------------------------------------------------------------------

JOB_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    # A project's jobs in the order the project lists them.
    "project": ("project_id", "order"),
    "order": ("project_id", "order"),
    "start": "added",
    "deadline": "deadline",
    "discount": "discount",
}


@projects_router.get(
    "/jobs",
    summary="List or search jobs",
    description="`itemsearch` keeps jobs with an item whose title matches; each job "
    "shows its items, `itemstatus` picks which. A collaborator sees the jobs they are given.",
)
@open_to_collaborators
def list_jobs(request, search: str = "", status: str = "", itemsearch: str = ""):
    params = list_params(request, JOB_ORDERINGS, default_order="name")
    flags = _row_flags(request)
    item_statuses = _statuses(request.GET.get("itemstatus", ""), "itemstatus")
    jobs = queries.jobs_matching(
        search=search,
        project_id=query_int(request, "project"),
        client=_client_code(request),
        statuses=_statuses(status),
    )
    jobs = queries.within_jobs(jobs, _reach(request), "pk")
    if itemsearch:
        jobs = queries.jobs_with_items_matching(jobs, itemsearch)
    listed = queries.with_hours(by_title(jobs), "job")
    page = params.page(order_queryset(listed, params, JOB_ORDERINGS))
    rows = _with_items(request, JOB_ROW.rows(request, page, flags), statuses=item_statuses)
    return list_response(request, rows, params.total(jobs, len(rows)))


@projects_router.get("/jobs/{int:job_id}", summary="Get a specific job")
@open_to_collaborators
def get_job(request, job_id: int):
    _require_in_reach(request, Job.objects, "job", job_id, "pk")
    return item_response(request, _job(request, job_id))


def _job(request, job_id: int) -> dict:
    flags = _row_flags(request)
    item_statuses = _statuses(request.GET.get("itemstatus", ""), "itemstatus")
    job = queries.with_hours(Job.objects.filter(pk=job_id), "job")
    rows = JOB_ROW.rows(request, job, flags)
    if not rows:
        raise ApiNotFound.no_such("job", job_id)
    return _with_items(request, rows, statuses=item_statuses)[0]


def _job_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, JOB_FIELDS, partial=partial, reshape=_accept_people_shapes)
    return _renamed(request, fields)


@projects_router.post("/jobs", summary="Add a new job", openapi_extra=JOB_FIELDS.openapi_body())
def create_job(request):
    job = services.create_job(actor=principal(request).actor, **_job_fields(request, partial=False))
    return id_response(request, job.pk, status=201)


@projects_router.patch(
    "/jobs/{int:job_id}", summary="Update a job", openapi_extra=JOB_FIELDS.openapi_body()
)
def update_job(request, job_id: int):
    job = get_or_404(Job, "job", job_id)
    services.update_job(job, actor=principal(request).actor, **_job_fields(request, partial=True))
    return id_response(request, job.pk)


@projects_router.delete("/jobs/{int:job_id}", summary="Delete a job")
def delete_job(request, job_id: int):
    services.delete_job(get_or_404(Job, "job", job_id))
    return id_response(request, job_id)


# --- job items --------------------------------------------------------------------

JOB_ITEM_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    # A job's items in the order the job lists them.
    "order": ("job_id", "order"),
    "job": ("job_id", "order"),
    "project": ("job__project_id", "job_id", "order"),
    "type": ("type", "title_key"),
    "hours": "hours",
    "rate": "rate",
    "added": "added",
    "start": "start",
    "deadline": "deadline",
}


def _item_rows(request, queryset) -> list[dict]:
    items = queries.with_action_counts(queries.with_hours(queryset, "item"))
    return _with_actions(request, JOB_ITEM_ROW.rows(request, items))


@projects_router.get(
    "/jobitems",
    summary="List or search job items",
    description="A collaborator sees the items of the jobs they are given.",
)
@open_to_collaborators
def list_job_items(request, search: str = "", status: str = "", actionassignedto: str = ""):
    params = list_params(request, JOB_ITEM_ORDERINGS, default_order="name")
    items = queries.items_matching(
        search=search,
        job_id=query_int(request, "job"),
        project_id=query_int(request, "project"),
        client=_client_code(request),
        statuses=_statuses(status),
        action_assigned_to=_email_filter(actionassignedto, "actionassignedto"),
        has_actions=query_bool(request, "hasactions"),
    )
    items = queries.within_jobs(items, _reach(request))
    page = params.page(order_queryset(by_title(items), params, JOB_ITEM_ORDERINGS))
    rows = _item_rows(request, page)
    return list_response(request, rows, params.total(items, len(rows)))


@projects_router.get("/jobitems/{int:item_id}", summary="Get a specific job item")
@open_to_collaborators
def get_job_item(request, item_id: int):
    _require_in_reach(request, JobItem.objects, "job item", item_id, "job_id")
    rows = _item_rows(request, JobItem.objects.filter(pk=item_id))
    if not rows:
        raise ApiNotFound.no_such("job item", item_id)
    return item_response(request, rows[0])


def _accept_item_shapes(data: dict, spec, item_type: str = "") -> list[tuple[str, str]]:
    """What a GET returns, sent back: `hours` ({allocated, logged, remaining}) as
    the hours allocated, `category` as the ledger code, and the people shapes.
    `item_type` is the type the item has before this write, if it exists."""
    problems = _accept_people_shapes(data, spec)
    decode_object(data, "hours", problems)
    hours = data.get("hours")
    if isinstance(hours, dict):
        # Only an hourly item allocates hours: a fixed or external one reads 0 there,
        # not its quantity, which the object sent back must leave as it is.
        if str(data.get("type", item_type)).strip().lower() == JobItem.Type.HOURLY:
            data["hours"] = hours.get("allocated")
        else:
            del data["hours"]
    category = data.pop("category", None)
    if "ledger" not in data and category is not None:
        data["ledger"] = category
    return problems


def _job_item_fields(request, *, partial: bool, item_type: str = "") -> dict:
    fields = body_fields(
        request,
        JOB_ITEM_FIELDS,
        partial=partial,
        reshape=lambda data, spec: _accept_item_shapes(data, spec, item_type),
    )
    return _renamed(request, fields)


@projects_router.post(
    "/jobitems", summary="Add a new job item", openapi_extra=JOB_ITEM_FIELDS.openapi_body()
)
def create_job_item(request):
    item = services.create_job_item(
        actor=principal(request).actor, **_job_item_fields(request, partial=False)
    )
    return id_response(request, item.pk, status=201)


@projects_router.patch(
    "/jobitems/{int:item_id}",
    summary="Update a job item",
    openapi_extra=JOB_ITEM_FIELDS.openapi_body(),
)
def update_job_item(request, item_id: int):
    item = get_or_404(JobItem, "job item", item_id)
    services.update_job_item(
        item,
        actor=principal(request).actor,
        **_job_item_fields(request, partial=True, item_type=item.type),
    )
    return id_response(request, item.pk)


@projects_router.delete("/jobitems/{int:item_id}", summary="Delete a job item")
def delete_job_item(request, item_id: int):
    services.delete_job_item(get_or_404(JobItem, "job item", item_id))
    return id_response(request, item_id)


# --- job actions ------------------------------------------------------------------

JOB_ACTION_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    "item": ("item_id", "deadline"),
    "job": ("item__job_id", "deadline"),
    "project": ("item__job__project_id", "deadline"),
    "added": "added",
    "deadline": "deadline",
}


def _action_statuses(raw: str) -> list[str]:
    statuses = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(statuses) - set(JobAction.Status.values):
        raise ApiValidationError(
            "status must be C (completed) or U (unfinished), or both, comma separated.",
            field="status",
        )
    return statuses


@projects_router.get(
    "/jobactions",
    summary="List or search job actions",
    description="A collaborator sees the actions of the jobs they are given.",
)
@open_to_collaborators
def list_job_actions(request, search: str = "", status: str = "", assigned: str = ""):
    params = list_params(request, JOB_ACTION_ORDERINGS, default_order="name")
    actions = queries.actions_matching(
        search=search,
        item_id=query_int(request, "item"),
        job_id=query_int(request, "job"),
        project_id=query_int(request, "project"),
        client=_client_code(request),
        statuses=_action_statuses(status),
        assigned_email=_email_filter(assigned, "assigned"),
    )
    actions = queries.within_jobs(actions, _reach(request), "item__job_id")
    page = params.page(order_queryset(by_title(actions), params, JOB_ACTION_ORDERINGS))
    rows = JOB_ACTION_ROW.rows(request, page)
    return list_response(request, rows, params.total(actions, len(rows)))


@projects_router.get("/jobactions/{int:action_id}", summary="Get a specific job action")
@open_to_collaborators
def get_job_action(request, action_id: int):
    _require_in_reach(request, JobAction.objects, "job action", action_id, "item__job_id")
    rows = JOB_ACTION_ROW.rows(request, JobAction.objects.filter(pk=action_id))
    if not rows:
        raise ApiNotFound.no_such("job action", action_id)
    return item_response(request, rows[0])


def _accept_action_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `name` as the title, `addedby` ({email}) as its
    email, `assignedto` (a list of one {email}, or none) as that email."""
    problems = _accept_people_shapes(data, spec)
    assigned = data.get("assignedto")
    if isinstance(assigned, str) and assigned.lstrip().startswith("["):
        try:
            assigned = json.loads(assigned)
        except ValueError:
            problems.append(("assignedto", "assignedto is not valid JSON."))
            return problems
    if isinstance(assigned, dict):
        assigned = [assigned]
    if isinstance(assigned, list):
        if len(assigned) > 1:
            problems.append(("assignedto", "assignedto must name one user at most."))
        elif not assigned:
            data["assignedto"] = ""
        elif isinstance(assigned[0], dict) and "email" in assigned[0]:
            data["assignedto"] = assigned[0]["email"]
        else:
            data["assignedto"] = assigned[0]
    return problems


def _job_action_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, JOB_ACTION_FIELDS, partial=partial, reshape=_accept_action_shapes)
    fields = _renamed(request, fields)
    if "assignedto" in fields:
        fields["assigned_to"] = fields.pop("assignedto")
    return fields


@projects_router.post(
    "/jobactions",
    summary="Add a new job action",
    description="A collaborator may add actions to the items of the jobs they are given.",
    openapi_extra=JOB_ACTION_FIELDS.openapi_body(),
)
@open_to_collaborators
def create_job_action(request):
    action = services.create_job_action(
        actor=principal(request).actor, **_job_action_fields(request, partial=False)
    )
    return id_response(request, action.pk, status=201)


@projects_router.patch(
    "/jobactions/{int:action_id}",
    summary="Update a job action",
    description="A collaborator may change (and tick off) the actions of the jobs they are "
    "given, and keep them there.",
    openapi_extra=JOB_ACTION_FIELDS.openapi_body(),
)
@open_to_collaborators
def update_job_action(request, action_id: int):
    action = get_or_404(JobAction, "job action", action_id)
    services.update_job_action(
        action, actor=principal(request).actor, **_job_action_fields(request, partial=True)
    )
    return id_response(request, action.pk)


@projects_router.delete("/jobactions/{int:action_id}", summary="Delete a job action")
def delete_job_action(request, action_id: int):
    services.delete_job_action(get_or_404(JobAction, "job action", action_id))
    return id_response(request, action_id)


# --- timesheet ----------------------------------------------------------------------

timesheet_router = Router(tags=["timesheet"])


def timesheet_access(view):
    """Everyone may keep their own timesheet, so people pass here and the timesheet
    services narrow what they see and change (their own time without the timesheets
    area, a collaborator's only on their jobs); an account credential needs the
    timesheets scope, as any area's router asks."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        who = principal(request)
        if who.credential is not None:
            who.require("timesheets")
        return view(request, *args, **kwargs)

    return checked


timesheet_router.add_decorator(timesheet_access)

TIME_ORDERINGS = {
    "date": "date",
    "id": "id",
    "hours": "hours",
    "added": "added",
    # The spec's default order key; a person's entries together, by name.
    "name": ("user__name", "date"),
    "user": ("user__name", "date"),
    "project": ("project_id", "date"),
    "job": ("job_id", "date"),
    "item": ("item_id", "date"),
    "type": ("activity_type_id", "date"),
}


def _time_filter_owner(request, who) -> str:
    raw = request.GET.get("user", "").strip()
    if not raw:
        return ""
    try:
        email = parse_email(raw)
    except ValueError:
        raise ApiValidationError("user must be a valid email address.", field="user") from None
    actor = who.actor
    if not timesheet.sees_everyones_time(actor) and email != getattr(actor, "email", None):
        raise ApiNotAllowed("You can only see your own time.")
    return email


def _refuse_jobs_beyond(who, request) -> None:
    """A collaborator asking for a job (or an item of a job) that isn't theirs is
    refused outright, not answered with an empty page that hides why."""
    reach = queries.jobs_in_reach(who.actor)
    if reach is None:
        return
    allowed = set(reach)
    job_id = query_int(request, "job")
    item_id = query_int(request, "item")
    if item_id is not None:
        found = JobItem.objects.filter(pk=item_id).values_list("job_id", flat=True).first()
        job_id = found if found is not None else job_id
    if (job_id is not None and job_id not in allowed) or (item_id is not None and job_id is None):
        raise ApiNotAllowed("Collaborators can only see time on the jobs they are given.")


def _epoch_day(request, name: str):
    moment = query_epoch(request, name)
    # Entry dates are days; an epoch is read as a UTC day, as a POSTed `date` is.
    return None if moment is None else moment.date()


@timesheet_router.get(
    "/timesheet",
    summary="List or search timesheet entries",
    description="People without the timesheets area see their own time only; a "
    "collaborator sees theirs on the jobs they are given.",
)
def list_time_entries(request):
    who = principal(request)
    params = list_params(request, TIME_ORDERINGS, default_order="date")
    _refuse_jobs_beyond(who, request)
    entries = queries.time_entries_matching(
        timesheet.visible_entries(who.actor),
        project_id=query_int(request, "project"),
        job_id=query_int(request, "job"),
        item_id=query_int(request, "item"),
        user_email=_time_filter_owner(request, who),
        date_from=_epoch_day(request, "from"),
        date_to=_epoch_day(request, "to"),
        activity_type_id=query_int(request, "type"),
    )
    page = params.page(order_queryset(entries, params, TIME_ORDERINGS))
    rows = TIME_ROW.rows(request, page)
    return list_response(request, rows, params.total(entries, len(rows)))


def _entry_or_refusal(request, entry_id: int) -> TimeEntry:
    """The entry, 404 when there is none, and the spec's 401 when it is someone
    else's to a caller who sees only their own (or beyond a collaborator's jobs)."""
    entry = get_or_404(TimeEntry.objects.select_related("user"), "time entry", entry_id)
    if not timesheet.visible_entries(principal(request).actor).filter(pk=entry.pk).exists():
        raise ApiNotAllowed()
    return entry


@timesheet_router.get("/timesheet/{int:entry_id}", summary="Get a specific time entry")
def get_time_entry(request, entry_id: int):
    entry = _entry_or_refusal(request, entry_id)
    return item_response(request, _time_entry(request, entry.pk))


def _time_entry(request, entry_id: int) -> dict:
    rows = TIME_ROW.rows(request, TimeEntry.objects.filter(pk=entry_id))
    if not rows:
        raise ApiNotFound.no_such("time entry", entry_id)
    return rows[0]


project_for_webhook = webhooks.api_renderer(_project)
job_for_webhook = webhooks.api_renderer(_job)
time_entry_for_webhook = webhooks.api_renderer(_time_entry)


def _accept_time_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """A row sent back as read: `user` ({email}) is `userid`; `jobitem`, `job` and
    `project` ({id, title}) name the target by the most specific one present."""
    problems: list[tuple[str, str]] = []
    for name in ("user", "jobitem", "job", "project"):
        decode_object(data, name, problems)
    user = data.pop("user", None)
    if isinstance(user, dict) and "email" in user and "userid" not in data:
        data["userid"] = user["email"]
    objects = {name: data.get(name) for name in ("jobitem", "job", "project")}
    if any(isinstance(value, dict) for value in objects.values()):
        for name in ("jobitem", "project"):
            data.pop(name, None)
        for name, letter in (("jobitem", "T"), ("job", "J"), ("project", "P")):
            value = objects[name]
            if isinstance(value, dict) and value.get("id") not in (None, ""):
                data["job"] = f"{letter}{value['id']}"
                break
        else:
            data.pop("job", None)
    else:
        for name in ("jobitem", "project"):
            if objects[name] in (None, ""):
                data.pop(name, None)
    return problems


def _time_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, TIME_FIELDS, partial=partial, reshape=_accept_time_shapes)
    names = {
        "userid": "user",
        "job": "target",
        "type": "activity_type",
        "isinternal": "is_internal",
    }
    return {names.get(name, name): value for name, value in fields.items()}


@timesheet_router.post(
    "/timesheet", summary="Add a new time entry", openapi_extra=TIME_FIELDS.openapi_body()
)
def create_time_entry(request):
    entry = timesheet.log_time(
        actor=principal(request).actor, **_time_fields(request, partial=False)
    )
    return id_response(request, entry.pk, status=201)


@timesheet_router.patch(
    "/timesheet/{int:entry_id}",
    summary="Update a time entry",
    openapi_extra=TIME_FIELDS.openapi_body(),
)
def update_time_entry(request, entry_id: int):
    entry = _entry_or_refusal(request, entry_id)
    timesheet.update_time_entry(
        entry, actor=principal(request).actor, **_time_fields(request, partial=True)
    )
    return id_response(request, entry.pk)


@timesheet_router.delete("/timesheet/{int:entry_id}", summary="Delete a time entry")
def delete_time_entry(request, entry_id: int):
    entry = _entry_or_refusal(request, entry_id)
    timesheet.delete_time_entry(entry, actor=principal(request).actor)
    return id_response(request, entry_id)
