"""Reads of projects that the API and the pages share."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from config.limits import MAX_ID
from crm.models import Company, Contact
from crm.queries import (
    COMPANY_LIST_ORDER,
    PEOPLE_LIST_ORDER,
    companies_matching,
    contacts_matching,
)

from .models import Job, JobAction, JobItem, Project, TimeEntry

# --- who works on which jobs -------------------------------------------------------
# The one rule, read by the API, the pages and the services: a collaborator works on
# the jobs they are given and nothing else of the projects area; anyone else reaches
# every job, once the area's own check (`require_area`, `area_access`) lets them in.


def collaborator_job_ids(user) -> list[int]:
    return [job_id for job_id in user.collaborator_jobs if isinstance(job_id, int)]


def jobs_in_reach(actor) -> list[int] | None:
    """The ids of the jobs `actor` (a user, an API credential or None for the
    operator) is kept to, or None for no such limit."""
    if getattr(actor, "is_collaborator", False):
        return collaborator_job_ids(actor) if actor.is_active else []
    return None


def within_jobs(queryset, job_ids: list[int] | None, path: str = "job_id"):
    """`queryset` kept to `job_ids` (a `jobs_in_reach` answer) along `path`."""
    return queryset if job_ids is None else queryset.filter(**{f"{path}__in": job_ids})


def projects_matching(
    *,
    search: str = "",
    client: tuple[str, int] | None = None,
    statuses: list[str] | None = None,
    team_email: str = "",
    team_user_id: int | None = None,
    contact_id: int | None = None,
    client_search: str = "",
):
    """Projects whose title contains `search`, for one client (("C", 41) or ("I", 5))
    or clients whose name contains `client_search`, in any of `statuses`, with a team
    member by email or by id, or linked to a person."""
    projects = Project.objects.all()
    if search:
        projects = projects.filter(title__icontains=search)
    if client_search:
        projects = projects.filter(
            Q(client_company__name__icontains=client_search)
            | Q(client_contact__fullname__icontains=client_search)
        )
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return projects.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        projects = projects.filter(**{column: client_id})
    if statuses:
        projects = projects.filter(status__in=statuses)
    if team_email:
        projects = projects.filter(
            pk__in=Project.team.through.objects.filter(user__email__iexact=team_email).values(
                "project_id"
            )
        )
    if team_user_id is not None:
        projects = projects.filter(
            pk__in=Project.team.through.objects.filter(user_id=team_user_id).values("project_id")
        )
    if contact_id is not None:
        if not 0 < contact_id <= MAX_ID:
            return projects.none()
        projects = projects.filter(
            pk__in=Project.contacts.through.objects.filter(contact_id=contact_id).values(
                "project_id"
            )
        )
    return projects


# The list page's default order, and the tie-break every sortable column ends with.
PROJECT_LIST_ORDER = ("-id",)


def projects_for_list(**filters):
    """The projects page's rows: `projects_matching`'s filters, each row with its
    client and the client's name to sort by (the team comes per page, `attach_teams`)."""
    return (
        projects_matching(**filters)
        .select_related("client_company", "client_contact")
        .annotate(client_name=Coalesce(F("client_company__name"), F("client_contact__fullname")))
    )


def attach_teams(projects: list[Project]) -> list[Project]:
    """Sets `team_members` (users, by name) on each project, in one query."""
    members: dict[int, list] = {project.pk: [] for project in projects}
    links = (
        Project.team.through.objects.filter(project_id__in=members)
        .select_related("user")
        .only("project_id", "user__name", "user__email")
        .order_by("user__name", "user__email")
    )
    for link in links:
        members[link.project_id].append(link.user)
    for project in projects:
        project.team_members = members[project.pk]
    return projects


def _team_by(through, owner: str, owner_ids: list[int]) -> dict[int, list[dict]]:
    team: dict[int, list[dict]] = {}
    links = (
        through.objects.filter(**{f"{owner}__in": owner_ids})
        .order_by("user__name", "user__email")
        .values_list(owner, "user__email", "user__name")
    )
    for owner_id, email, name in links:
        team.setdefault(owner_id, []).append({"email": email, "name": name})
    return team


def _contacts_by(through, owner: str, owner_ids: list[int]) -> dict[int, list[dict]]:
    contacts: dict[int, list[dict]] = {}
    links = (
        through.objects.filter(**{f"{owner}__in": owner_ids})
        .order_by("contact__fullname", "contact_id")
        .values_list(owner, "contact_id", "contact__fullname")
    )
    for owner_id, contact_id, name in links:
        contacts.setdefault(owner_id, []).append({"id": contact_id, "name": name})
    return contacts


def team_by_project(project_ids: list[int]) -> dict[int, list[dict]]:
    """Each project's team as Depot shows it ({email, name}), in one query."""
    return _team_by(Project.team.through, "project_id", project_ids)


def contacts_by_project(project_ids: list[int]) -> dict[int, list[dict]]:
    """Each project's linked people ({id, name}), in one query."""
    return _contacts_by(Project.contacts.through, "project_id", project_ids)


def team_by_job(job_ids: list[int]) -> dict[int, list[dict]]:
    """Each job's team as Depot shows it ({email, name}), in one query."""
    return _team_by(Job.team.through, "job_id", job_ids)


def contacts_by_job(job_ids: list[int]) -> dict[int, list[dict]]:
    """Each job's linked people ({id, name}), in one query."""
    return _contacts_by(Job.contacts.through, "job_id", job_ids)


def jobs_matching(
    *,
    search: str = "",
    project_id: int | None = None,
    client: tuple[str, int] | None = None,
    statuses: list[str] | None = None,
):
    """Jobs whose title contains `search`, in one project, for one client (("C", 41)
    or ("I", 5), through the job's project), in any of `statuses`."""
    jobs = Job.objects.all()
    if search:
        jobs = jobs.filter(title__icontains=search)
    if project_id is not None:
        if not 0 < project_id <= MAX_ID:
            return jobs.none()
        jobs = jobs.filter(project_id=project_id)
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return jobs.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        jobs = jobs.filter(**{f"project__{column}": client_id})
    if statuses:
        jobs = jobs.filter(status__in=statuses)
    return jobs


def team_choices() -> list[tuple[int, str]]:
    """The users a project's team may have (the active ones), by name."""
    users = get_user_model().objects.filter(is_active=True).order_by("name", "email")
    return [(pk, name or email) for pk, name, email in users.values_list("pk", "name", "email")]


def client_suggestions(typed: str, *, limit: int = 10) -> list:
    """Companies, then people, whose names start with `typed` (as the connections
    search matches them): the clients a project's client field suggests."""
    typed = typed.strip()
    if not typed:
        return []
    companies = companies_matching(search=typed).order_by(*COMPANY_LIST_ORDER)[:limit]
    people = (
        contacts_matching(search=typed)
        .select_related("company")
        .order_by(*PEOPLE_LIST_ORDER)[:limit]
    )
    return [*companies, *people]


def client_named_by(code: str):
    """The company or person a code (C41, I5) names, or None."""
    code = code.strip().upper()
    model = {Company.CODE: Company, Contact.CODE: Contact}.get(code[:1])
    number = code[1:]
    if model is None or not number.isdigit() or len(number) > 18 or int(number) > MAX_ID:
        return None
    return model.objects.filter(pk=int(number)).first()


# --- hours rolled up, in SQL ------------------------------------------------------

HOURS_FIELD = DecimalField(max_digits=14, decimal_places=2)
NO_HOURS = Value(Decimal("0.00"), output_field=HOURS_FIELD)


def _summed(queryset, group: str, column: str):
    """SUM(column) of `queryset`'s rows for the outer row, grouped on `group`: one
    correlated subquery, 0 when there are none."""
    total = (
        queryset.filter(**{group: OuterRef("pk")})
        .order_by()
        .values(group)
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=HOURS_FIELD), NO_HOURS)


def _hourly_items():
    # Fixed-price and external items count quantities, not hours: only hourly
    # items allocate time.
    return JobItem.objects.filter(type=JobItem.Type.HOURLY)


def with_hours(queryset, level: str, *, entries=None):
    """`queryset` of projects, jobs or items (`level`: "project", "job", "item") with
    `hours_allocated`, `hours_logged` and `hours_remaining` annotated. Time entries
    store every level above their target, so each sum is one indexed lookup.
    `entries` narrows the time logged (a period, a person: the reports)."""
    if level == "item":
        allocated = Case(
            When(type=JobItem.Type.HOURLY, then=F("hours")),
            default=NO_HOURS,
            output_field=HOURS_FIELD,
        )
    elif level == "job":
        allocated = _summed(_hourly_items(), "job_id", "hours")
    else:
        allocated = _summed(_hourly_items(), "job__project_id", "hours")
    logged = _summed(
        TimeEntry.objects.all() if entries is None else entries, f"{level}_id", "hours"
    )
    return queryset.annotate(hours_allocated=allocated, hours_logged=logged).annotate(
        hours_remaining=ExpressionWrapper(
            F("hours_allocated") - F("hours_logged"), output_field=HOURS_FIELD
        )
    )


# --- job items and actions --------------------------------------------------------


def _assigned_to(email: str):
    return JobAction.objects.filter(assigned_to__email__iexact=email)


def items_matching(
    *,
    search: str = "",
    job_id: int | None = None,
    project_id: int | None = None,
    client: tuple[str, int] | None = None,
    statuses: list[str] | None = None,
    action_assigned_to: str = "",
    has_actions: bool | None = None,
):
    """Job items whose title contains `search`, in one job or project, for one
    client, in any of `statuses`, with an action assigned to an email, with (or
    without) actions."""
    items = JobItem.objects.all()
    if search:
        items = items.filter(title__icontains=search)
    for column, value in (("job_id", job_id), ("job__project_id", project_id)):
        if value is not None:
            if not 0 < value <= MAX_ID:
                return items.none()
            items = items.filter(**{column: value})
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return items.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        items = items.filter(**{f"job__project__{column}": client_id})
    if statuses:
        items = items.filter(status__in=statuses)
    if action_assigned_to:
        items = items.filter(pk__in=_assigned_to(action_assigned_to).values("item_id"))
    if has_actions is not None:
        has = Exists(JobAction.objects.filter(item_id=OuterRef("pk")))
        items = items.filter(has if has_actions else ~has)
    return items


def actions_matching(
    *,
    search: str = "",
    item_id: int | None = None,
    job_id: int | None = None,
    project_id: int | None = None,
    client: tuple[str, int] | None = None,
    statuses: list[str] | None = None,
    assigned_email: str = "",
    assigned_user_id: int | None = None,
):
    """Actions whose title contains `search`, on one item, job or project, for one
    client, in any of `statuses`, assigned to someone (by email or id)."""
    actions = JobAction.objects.all()
    if search:
        actions = actions.filter(title__icontains=search)
    for column, value in (
        ("item_id", item_id),
        ("item__job_id", job_id),
        ("item__job__project_id", project_id),
    ):
        if value is not None:
            if not 0 < value <= MAX_ID:
                return actions.none()
            actions = actions.filter(**{column: value})
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return actions.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        actions = actions.filter(**{f"item__job__project__{column}": client_id})
    if statuses:
        actions = actions.filter(status__in=statuses)
    if assigned_email:
        actions = actions.filter(assigned_to__email__iexact=assigned_email)
    if assigned_user_id is not None:
        actions = actions.filter(assigned_to_id=assigned_user_id)
    return actions


def team_by_item(item_ids: list[int]) -> dict[int, list[dict]]:
    """Each item's team as Depot shows it ({email, name}), in one query."""
    return _team_by(JobItem.team.through, "jobitem_id", item_ids)


def with_action_counts(items):
    """Items with `action_count`, for the API's `actioncount` and `hasactions`."""
    count = (
        JobAction.objects.filter(item_id=OuterRef("pk"))
        .order_by()
        .values("item_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return items.annotate(action_count=Coalesce(Subquery(count), Value(0)))


def with_contents_flags(projects):
    """Projects with `has_items` and `has_actions` (1 or 0), as the API shows them."""
    return projects.annotate(
        has_items=Case(
            When(Exists(JobItem.objects.filter(job__project_id=OuterRef("pk"))), then=1),
            default=0,
        ),
        has_actions=Case(
            When(Exists(JobAction.objects.filter(item__job__project_id=OuterRef("pk"))), then=1),
            default=0,
        ),
    )


def jobs_with_items_matching(jobs, search: str):
    """`jobs` narrowed to those with an item whose title contains `search`."""
    return jobs.filter(pk__in=JobItem.objects.filter(title__icontains=search).values("job_id"))


def my_actions(user_id: int, *, job_ids: list[int] | None = None):
    """One person's unfinished actions by due date, with their item, job and project
    for the page (a collaborator's kept to `job_ids`)."""
    actions = (
        JobAction.objects.filter(assigned_to_id=user_id, status=JobAction.Status.UNFINISHED)
        .select_related("item__job__project")
        .order_by("deadline", "pk")
    )
    if job_ids is not None:
        actions = actions.filter(item__job_id__in=job_ids)
    return actions


def my_jobs(user_id: int, *, job_ids: list[int] | None = None):
    """The jobs of My jobs, with their project and hours, by due date: a
    collaborator's (`job_ids`), else those whose team has the person on it."""
    jobs = (
        Job.objects.filter(pk__in=job_ids)
        if job_ids is not None
        else Job.objects.filter(team=user_id)
    )
    return with_hours(jobs.select_related("project"), "job").order_by("deadline", "pk")


def items_for_page(job_ids: list[int]) -> dict[int, list[JobItem]]:
    """The project page's items of these jobs, in each job's order, with their hours,
    team and actions (unfinished first, by due date): three queries in all."""
    items = (
        with_hours(JobItem.objects.filter(job_id__in=job_ids), "item")
        .order_by("job_id", "order", "pk")
        .prefetch_related(
            Prefetch("team", queryset=get_user_model().objects.order_by("name", "email")),
            Prefetch(
                "actions",
                queryset=JobAction.objects.select_related("assigned_to").order_by(
                    "-status", "deadline", "pk"
                ),
            ),
        )
    )
    by_job: dict[int, list[JobItem]] = {job_id: [] for job_id in job_ids}
    for item in items:
        by_job[item.job_id].append(item)
    return by_job


def time_entries_matching(
    entries,
    *,
    project_id: int | None = None,
    job_id: int | None = None,
    item_id: int | None = None,
    user_email: str = "",
    date_from=None,
    date_to=None,
    activity_type_id: int | None = None,
):
    """Time entries (of `entries`, already narrowed to what the caller may see) on one
    project, job or item (an item's includes its actions'), by one person, between
    two dates (inclusive), of one activity type."""
    for column, value in (
        ("project_id", project_id),
        ("job_id", job_id),
        ("item_id", item_id),
        ("activity_type_id", activity_type_id),
    ):
        if value is not None:
            if not 0 < value <= MAX_ID:
                return entries.none()
            entries = entries.filter(**{column: value})
    if user_email:
        entries = entries.filter(user__email=user_email.lower())
    if date_from is not None:
        entries = entries.filter(date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(date__lte=date_to)
    return entries


# --- the weekly timesheet ---------------------------------------------------------------

TARGET_COLUMNS = ("project_id", "job_id", "item_id", "action_id")


def week_hours(user, first_day, last_day):
    """(date, hours, project_id, job_id, item_id, action_id) of each of the person's
    entries between the two days: the grid's cells, summed per target by the page."""
    return (
        TimeEntry.objects.filter(user=user, date__range=(first_day, last_day))
        .order_by("date", "pk")
        .values_list("date", "hours", *TARGET_COLUMNS)
    )


def target_titles(targets) -> dict[tuple, list[str]]:
    """Each target's (project_id, job_id, item_id, action_id) titles from the project
    down, in one query per level whatever the number of rows."""
    targets = list(targets)
    titles: dict[str, dict[int, str]] = {}
    for index, model in enumerate((Project, Job, JobItem, JobAction)):
        ids = {target[index] for target in targets if target[index] is not None}
        titles[TARGET_COLUMNS[index]] = (
            dict(model.objects.filter(pk__in=ids).values_list("pk", "title")) if ids else {}
        )
    return {
        target: [
            titles[column][pk]
            for column, pk in zip(TARGET_COLUMNS, target, strict=True)
            if pk is not None and pk in titles[column]
        ]
        for target in targets
    }


def open_targets_matching(typed: str, *, job_ids: list[int] | None = None, limit: int = 8):
    """Open projects, jobs and items whose title contains `typed`, as (code, titles)
    for the grid's "add a row"; `job_ids` keeps a collaborator to their jobs (and
    leaves out projects as a whole)."""
    typed = typed.strip()
    if not typed:
        return []
    open_status = Project.Status.OPEN
    found: list[tuple[str, list[str]]] = []
    if job_ids is None:
        projects = Project.objects.filter(status=open_status, title__icontains=typed)
        for pk, title in projects.order_by("title", "pk").values_list("pk", "title")[:limit]:
            found.append((f"{Project.CODE}{pk}", [title]))
    jobs = Job.objects.filter(status=open_status, project__status=open_status)
    items = JobItem.objects.filter(status=open_status, job__status=open_status)
    if job_ids is not None:
        jobs, items = jobs.filter(pk__in=job_ids), items.filter(job_id__in=job_ids)
    jobs = jobs.filter(title__icontains=typed).order_by("title", "pk")
    for pk, project_title, title in jobs.values_list("pk", "project__title", "title")[:limit]:
        found.append((f"{Job.CODE}{pk}", [project_title, title]))
    items = items.filter(title__icontains=typed).order_by("title", "pk")
    rows = items.values_list("pk", "job__project__title", "job__title", "title")[:limit]
    for pk, project_title, job_title, title in rows:
        found.append((f"{JobItem.CODE}{pk}", [project_title, job_title, title]))
    return found


def time_entries_for_list(entries):
    """The entries page's rows, with the names and titles each row shows."""
    return entries.select_related("user", "project", "job", "item", "action", "activity_type")


# --- the dashboard's "My week" ----------------------------------------------------

# The week a full-time person's hours are measured against.
WORKING_WEEK_HOURS = Decimal("37.5")
ACTIONS_ON_DASHBOARD = 5


def my_week(user, today, *, job_ids: list[int] | None = None) -> dict:
    """The signed-in person's week so far: hours logged each day Monday to Sunday
    against a 37.5-hour week, and the unfinished actions assigned to them (overdue,
    due today, later), the soonest few listed. Three queries whatever the rows."""
    monday = today - timedelta(days=today.weekday())
    days = [monday + timedelta(days=offset) for offset in range(7)]
    by_day = dict(
        TimeEntry.objects.filter(user_id=user.pk, date__range=(days[0], days[-1]))
        .order_by()
        .values("date")
        .annotate(total=Sum("hours"))
        .values_list("date", "total")
    )
    logged = sum(by_day.values(), Decimal(0))
    actions = my_actions(user.pk, job_ids=job_ids)
    due = actions.aggregate(
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        today=Count("pk", filter=Q(deadline=today)),
        later=Count("pk", filter=Q(deadline__gt=today)),
    )
    return {
        "week_days": [(day, by_day.get(day, Decimal(0))) for day in days],
        "week_logged": logged,
        "week_target": WORKING_WEEK_HOURS,
        "week_percent": min(100, round(logged / WORKING_WEEK_HOURS * 100)),
        "week_left": max(Decimal(0), WORKING_WEEK_HOURS - logged),
        "actions_due": due,
        "actions_soonest": list(actions[:ACTIONS_ON_DASHBOARD]),
    }


# --- the dashboard ---------------------------------------------------------------------

OVER_BUDGET_SHOWN = 5
# Which projects are over budget sums every open project's time (at 500,000 entries,
# half a second of SQLite's time even from the covering index), and the dashboard is
# everyone's first page. The answer is remembered, marked with the version of the
# hours it was added up from: every save or delete of a time entry, a job item, a job
# or a project gives the hours a new version once it commits (connected in
# ProjectsConfig.ready; bulk writers call `forget_project_hours`).
HOURS_VERSION = "projects:hours-version"
OVER_BUDGET_KEY = "projects:over-budget"
# A bound on staleness should a process die between a write's commit and its forget.
OVER_BUDGET_KEEP_SECONDS = 600


def forget_project_hours() -> None:
    cache.set(HOURS_VERSION, uuid4().hex, None)


def forget_project_hours_on_commit(**_signal) -> None:
    transaction.on_commit(forget_project_hours)


def _over_budget_figures(shown: int) -> tuple[list[tuple], int]:
    """(id, allocated, logged) of the `shown` open projects most hours over their
    allocation, and how many are over in all: one query."""
    over = list(
        with_hours(Project.objects.filter(status=Project.Status.OPEN), "project")
        .filter(hours_allocated__gt=0, hours_remaining__lt=0)
        .order_by("hours_remaining", "pk")
        .values_list("pk", "hours_allocated", "hours_logged")
    )
    return over[:shown], len(over)


def projects_over_budget(*, shown: int = OVER_BUDGET_SHOWN) -> dict:
    """Open projects that have logged more hours than their hourly items allocate,
    most hours over first: the first `shown` (with their client, read afresh) and how
    many in all. A project with nothing allocated has no budget to be over."""
    found = cache.get_many([HOURS_VERSION, OVER_BUDGET_KEY])
    version = found.get(HOURS_VERSION)
    if version is None:
        version = uuid4().hex
        cache.set(HOURS_VERSION, version, None)
    remembered = found.get(OVER_BUDGET_KEY)
    if remembered is not None and remembered[0] == version and remembered[1] == shown:
        worst, count = remembered[2], remembered[3]
    else:
        worst, count = _over_budget_figures(shown)
        cache.set(OVER_BUDGET_KEY, (version, shown, worst, count), OVER_BUDGET_KEEP_SECONDS)
    projects = Project.objects.select_related("client_company", "client_contact").in_bulk(
        [pk for pk, _, _ in worst]
    )
    rows = []
    for pk, allocated, logged in worst:
        project = projects.get(pk)
        if project is None:
            continue
        project.hours_allocated, project.hours_logged = allocated, logged
        project.hours_over = logged - allocated
        rows.append(project)
    return {"over_budget": rows, "over_budget_count": count}
