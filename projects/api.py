"""Depot resources: projects, and the settings resource for activity types."""

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from ninja import Router

from accounts import services as account_services
from accounts.models import AccountSettings
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access, principal
from config.api.body import body_fields, decode_object
from config.api.errors import ApiNotFound, ApiValidationError
from config.api.listing import list_params, order_queryset, query_flags, query_int
from config.api.lookup import get_or_404
from config.api.rendering import (
    depot_response,
    id_response,
    item_response,
    list_response,
    ok_response,
)
from config.parsing import parse_email
from crm.journal import parse_item_code

from . import queries, services
from .models import ActivityType, Job, Project
from .schemas import JOB_FIELDS, JOB_ROW, PROJECT_FIELDS, PROJECT_ROW
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
projects_router.add_decorator(area_access("projects"))


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
    (the jobs, their teams, their contacts), however many projects it holds."""
    if not query_flags(request, {"jobs": False})["jobs"] or not rows:
        return rows
    jobs = Job.objects.filter(project_id__in=[row["id"] for row in rows])
    if statuses:
        jobs = jobs.filter(status__in=statuses)
    by_project: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    for job in JOB_ROW.rows(request, jobs.order_by("project_id", "order", "pk"), flags):
        by_project[int(job["project"])].append(job)
    for row in rows:
        row["jobs"] = by_project[row["id"]]
    return rows


def _team_email(raw: str) -> str:
    if not raw:
        return ""
    try:
        return parse_email(raw)
    except ValueError:
        raise ApiValidationError("team must be a valid email address.", field="team") from None


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
    description="`jobs=true` adds each project's jobs, `jobstatus` picks which. "
    "`items`, `itemstatus`, `hasitems`, `hasactions` and `actionassignedto` wait for "
    "job items, which are not modelled yet.",
)
def list_projects(request, search: str = "", status: str = "", team: str = "", jobstatus: str = ""):
    params = list_params(request, PROJECT_ORDERINGS, default_order="name")
    flags = _row_flags(request)
    job_statuses = _statuses(jobstatus, "jobstatus")
    projects = queries.projects_matching(
        search=search,
        client=_client_code(request),
        statuses=_statuses(status),
        team_email=_team_email(team),
        contact_id=query_int(request, "contacts"),
    )
    page = params.page(order_queryset(by_title(projects), params, PROJECT_ORDERINGS))
    rows = _with_jobs(request, PROJECT_ROW.rows(request, page, flags), flags, job_statuses)
    return list_response(request, rows, params.total(projects, len(rows)))


@projects_router.get(
    "/projects/{int:project_id}",
    summary="Get a specific project",
    description="`jobs=true` adds the project's jobs.",
)
def get_project(request, project_id: int):
    flags = _row_flags(request)
    rows = PROJECT_ROW.rows_of(request, Project, [project_id], flags)
    if not rows:
        raise ApiNotFound.no_such("project", project_id)
    return item_response(request, _with_jobs(request, rows, flags, [])[0])


@projects_router.post(
    "/projects", summary="Add a new project", openapi_extra=PROJECT_FIELDS.openapi_body()
)
def create_project(request):
    project = services.create_project(**_project_fields(request, partial=False))
    return id_response(request, project.pk, status=201)


@projects_router.patch(
    "/projects/{int:project_id}",
    summary="Update a project",
    openapi_extra=PROJECT_FIELDS.openapi_body(),
)
def update_project(request, project_id: int):
    project = get_or_404(Project, "project", project_id)
    services.update_project(project, **_project_fields(request, partial=True))
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
    description="`itemsearch` and `itemstatus` wait for job items, which are not modelled yet.",
)
def list_jobs(request, search: str = "", status: str = ""):
    params = list_params(request, JOB_ORDERINGS, default_order="name")
    flags = _row_flags(request)
    jobs = queries.jobs_matching(
        search=search,
        project_id=query_int(request, "project"),
        client=_client_code(request),
        statuses=_statuses(status),
    )
    page = params.page(order_queryset(by_title(jobs), params, JOB_ORDERINGS))
    rows = JOB_ROW.rows(request, page, flags)
    return list_response(request, rows, params.total(jobs, len(rows)))


@projects_router.get("/jobs/{int:job_id}", summary="Get a specific job")
def get_job(request, job_id: int):
    flags = _row_flags(request)
    rows = JOB_ROW.rows_of(request, Job, [job_id], flags)
    if not rows:
        raise ApiNotFound.no_such("job", job_id)
    return item_response(request, rows[0])


def _job_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, JOB_FIELDS, partial=partial, reshape=_accept_people_shapes)
    return _renamed(request, fields)


@projects_router.post("/jobs", summary="Add a new job", openapi_extra=JOB_FIELDS.openapi_body())
def create_job(request):
    job = services.create_job(**_job_fields(request, partial=False))
    return id_response(request, job.pk, status=201)


@projects_router.patch(
    "/jobs/{int:job_id}", summary="Update a job", openapi_extra=JOB_FIELDS.openapi_body()
)
def update_job(request, job_id: int):
    job = get_or_404(Job, "job", job_id)
    services.update_job(job, **_job_fields(request, partial=True))
    return id_response(request, job.pk)


@projects_router.delete("/jobs/{int:job_id}", summary="Delete a job")
def delete_job(request, job_id: int):
    services.delete_job(get_or_404(Job, "job", job_id))
    return id_response(request, job_id)
