"""Projects pages: the list, a project's page (its jobs, their items and the items'
actions, edited in place with htmx), its form and its deletion; a job's page and My
jobs (where a collaborator sees their work); My actions; and the activity types
settings table."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.limits import MAX_ID
from config.pages import (
    add_service_errors,
    detail_panels,
    htmx_events,
    query_int,
    refusal_text,
    require_area,
)
from config.reference_tables import Column, ReferenceTable

from . import queries, services, timesheet
from .forms import (
    CLIENT_CODE,
    ActionScheduleForm,
    ActivityTypeForm,
    JobActionForm,
    JobEditForm,
    JobForm,
    JobItemEditForm,
    JobItemForm,
    ProjectForm,
    client_label,
)
from .models import ActivityType, Job, JobAction, JobItem, Project
from .tables import ProjectTable

# Rows on a page of the list, as on the connections lists.
LIST_PAGE_SIZE = 25

ACTIVITY_TYPES = ReferenceTable(
    slug="activity-types",
    title="Activity types",
    noun="Activity type",
    intro="The kinds of work people log time against.",
    model=ActivityType,
    form_class=ActivityTypeForm,
    columns=[Column("No.", lambda a: a.id, "num"), Column("Name", lambda a: a.name)],
    save=lambda obj, **values: services.save_activity_type(obj, **values),
    delete=services.delete_activity_type,
    initial=lambda a: {"name": a.name},
)


def _filters(request) -> dict:
    """The list's filters as the query takes them. Like the API's list, every status
    shows until one is picked; an unknown status or team member is ignored."""
    status = request.GET.get("status", "")
    team = query_int(request, "team")
    # NUL can't be sent to PostgreSQL; nobody types it on purpose.
    client = " ".join(request.GET.get("client", "").replace("\x00", "").split())[:200]
    # A picked suggestion ("C41 · Acme Ltd") names one client; other text finds
    # clients by name.
    code = CLIENT_CODE.match(client)
    return {
        "search": request.GET.get("search", "").replace("\x00", "").strip(),
        "statuses": [status] if status in Project.Status.values else None,
        "team_user_id": team,
        "client": (code.group(1)[0].upper(), int(code.group(1)[1:])) if code else None,
        "client_search": "" if code else client,
    }


def project_list(request):
    require_area(request, "projects")
    filters = _filters(request)
    table = ProjectTable(
        queries.projects_for_list(**filters), order_by=request.GET.get("sort") or None
    )
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "search": filters["search"],
        "status": (filters["statuses"] or [""])[0],
        "team": filters["team_user_id"],
        "client": request.GET.get("client", "")[:200],
        "statuses": Project.Status.choices,
        "team_choices": queries.team_choices(),
        "nav_section": "projects",
    }
    template = "projects/project_list.html"
    if request.htmx and request.htmx.target == "projects":
        template += "#projects-table"
        context["sort_oob"] = True
    response = render(request, template, context)
    # The same URL answers a page or a table: caches (and Back) must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _timer(user) -> dict:
    """The person's running timer, for the start and stop buttons on item rows: one
    query for the page."""
    timer = timesheet.running_timer(user)
    elapsed = int((timezone.now() - timer.started).total_seconds()) if timer else 0
    return {"timer": timer, "timer_elapsed": elapsed}


def _job_blocks(project: Project) -> list[dict]:
    jobs = project.jobs.order_by("order", "pk").prefetch_related("team")
    jobs = list(queries.with_hours(jobs, "job"))
    items = _with_urls(queries.items_for_page([job.pk for job in jobs]))
    item_fields = _empty_item_fields()
    blocks = [{"job": job, "items": items[job.pk], "item_fields": item_fields(job)} for job in jobs]
    if blocks:
        blocks[0]["first"] = blocks[-1]["last"] = True
    return blocks


def project_detail(request, pk: int, *, job_form: JobForm | None = None):
    require_area(request, "projects")
    projects = Project.objects.select_related("client_company", "client_contact")
    project = get_object_or_404(
        queries.with_hours(projects, "project").prefetch_related("team", "contacts"), pk=pk
    )
    context = {
        "project": project,
        "team": sorted(project.team.all(), key=lambda user: (user.name, user.email)),
        "contacts": sorted(project.contacts.all(), key=lambda person: person.fullname),
        "jobs": _job_blocks(project),
        "job_form": job_form or JobForm(),
        "assign_options": _assign_options(queries.team_choices(), request.user.pk),
        "today": timezone.localdate(),
        # What apps above add to the page (billing: its invoices and unbilled work).
        "panels": detail_panels(request.user, "project", project),
        "nav_section": "projects",
        **_timer(request.user),
    }
    return render(request, "projects/project_detail.html", context)


def _assign_options(team_choices: list[tuple[int, str]], selected_pk: int) -> SafeString:
    """The <option>s of every item's "Assign to", written once for the page: drawn by
    the template for each item, they were most of a page's time (50 items with every
    active user each)."""
    selected = mark_safe(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, selected if pk == selected_pk else "", name) for pk, name in team_choices),
    )


# --- a job's items and their actions, on the project page -------------------------
# Every change answers with the job's items block (`#job-N-items`) as it now is, so
# the allocated and logged hours, the order and the actions always agree.


def _url_for_each(name: str):
    """reverse(name, args=[pk]) for many pks, reversed once: a project's 50 items
    reversed 250 URLs in the template, a sixth of the page's time."""
    prefix, _, suffix = reverse(name, args=[MAX_ID]).partition(str(MAX_ID))
    return lambda pk: f"{prefix}{pk}{suffix}"


@dataclass(frozen=True)
class ItemUrls:
    move: str
    edit: str
    delete: str
    add_action: str


def _with_urls(items_by_job: dict[int, list[JobItem]]) -> dict[int, list[JobItem]]:
    """The items with the URLs their tools post to (`item.urls`, `action.toggle_url`)."""
    makers = {
        field: _url_for_each(f"projects:{name}")
        for field, name in (
            ("move", "item_move"),
            ("edit", "item_edit"),
            ("delete", "item_delete"),
            ("add_action", "action_add"),
        )
    }
    toggle = _url_for_each("projects:action_toggle")
    for items in items_by_job.values():
        for item in items:
            item.urls = ItemUrls(**{field: make(item.pk) for field, make in makers.items()})
            for action in item.actions.all():
                action.toggle_url = toggle(action.pk)
    return items_by_job


def _item_form_ids(job_id: int) -> str:
    # One add form per job on the page: ids apart so labels find their own field.
    return f"id_job{job_id}_%s"


def _new_item_form(job: Job, data=None) -> JobItemForm:
    return JobItemForm(data, auto_id=_item_form_ids(job.pk))


def _empty_item_fields():
    """Each job's empty add-item form's fields, drawn once for the page and given each
    job's ids: drawing a project's ten forms field by field was a fifth of its time."""
    drawn = _item_form_ids(MAX_ID).removesuffix("%s")
    html = render_to_string(
        "components/form_fields.html", {"form": JobItemForm(auto_id=_item_form_ids(MAX_ID))}
    )
    # Still the form's own escaped HTML: only its ids change.
    return lambda job: mark_safe(html.replace(drawn, _item_form_ids(job.pk).removesuffix("%s")))


def _require_job(request, job_id: int) -> None:
    """A job's page and its actions: anyone with the projects area, and a collaborator
    on the jobs they are given (`queries.jobs_in_reach`); others get the 403 of any
    page outside their areas."""
    reach = queries.jobs_in_reach(request.user)
    if reach is None:
        require_area(request, "projects")
    elif job_id not in reach:
        raise PermissionDenied


def _job_block(job: Job, item_form: JobItemForm | None = None) -> dict:
    return {
        "job": job,
        "items": _with_urls(queries.items_for_page([job.pk]))[job.pk],
        "item_form": item_form or _new_item_form(job),
    }


def _job_items(request, job_id: int, **context):
    job = get_object_or_404(queries.with_hours(Job.objects.all(), "job"), pk=job_id)
    context = {
        "block": _job_block(job, context.pop("item_form", None)),
        "assign_options": _assign_options(queries.team_choices(), request.user.pk),
        "today": timezone.localdate(),
        **_timer(request.user),
        **context,
    }
    # The job page marks its requests ("on": "job"); the project page's block also
    # brings the project's hours, which change with its items'.
    if (request.POST.get("on") or request.GET.get("on")) == "job":
        context["on_job_page"] = True
        return render(request, "projects/job_detail.html#job-items", context)
    project = queries.with_hours(Project.objects.filter(pk=job.project_id), "project").get()
    context.update(project=project, oob=True)
    return render(request, "projects/project_detail.html#job-items", context)


def job_detail(request, pk: int):
    """A job's items with their hours and actions, and the way to log time on them."""
    _require_job(request, pk)
    job = get_object_or_404(queries.with_hours(Job.objects.select_related("project"), "job"), pk=pk)
    context = {
        "job": job,
        "job_block": _job_block(job),
        "assign_options": _assign_options(queries.team_choices(), request.user.pk),
        "today": timezone.localdate(),
        "on_job_page": True,
        "panels": detail_panels(request.user, "job", job),
        "nav_section": "jobs" if request.user.is_collaborator else "projects",
        **_timer(request.user),
    }
    return render(request, "projects/job_detail.html", context)


def my_jobs(request):
    """A collaborator's jobs; for anyone with the projects area, the jobs whose team
    they are on."""
    reach = queries.jobs_in_reach(request.user)
    if reach is None:
        require_area(request, "projects")
    jobs = queries.my_jobs(request.user.pk, job_ids=reach)
    return render(request, "projects/my_jobs.html", {"jobs": jobs, "nav_section": "jobs"})


def job_items(request, job_id: int):
    """The job's items block as it is (Cancel on an item's edit form)."""
    require_area(request, "projects")
    return _job_items(request, job_id)


@require_POST
def item_create(request, job_id: int):
    require_area(request, "projects")
    job = get_object_or_404(Job, pk=job_id)
    form = _new_item_form(job, request.POST)
    if form.is_valid():
        try:
            services.create_job_item(
                job=job, added_by=request.user, actor=request.user, **form.service_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _job_items(request, job.pk, added=True)
    return _job_items(request, job.pk, item_form=form)


def item_edit(request, pk: int):
    require_area(request, "projects")
    item = get_object_or_404(JobItem.objects.prefetch_related("team"), pk=pk)
    form = JobItemEditForm(
        request.POST or None,
        initial=JobItemEditForm.initial_for(item),
        team_choices=queries.team_choices(),
        auto_id=f"id_item{item.pk}_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_job_item(item, actor=request.user, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _job_items(request, item.job_id, focus_item=item.pk)
    return _job_items(request, item.job_id, editing=item.pk, edit_form=form)


@require_POST
def item_delete(request, pk: int):
    require_area(request, "projects")
    item = get_object_or_404(JobItem, pk=pk)
    try:
        services.delete_job_item(item)
    except ValidationError as exc:
        return _job_items(request, item.job_id, refusal=refusal_text(exc))
    return _job_items(request, item.job_id)


@require_POST
def item_move(request, pk: int):
    """Up or down one place: the keyboard's way to reorder (drag posts the order)."""
    require_area(request, "projects")
    item = get_object_or_404(JobItem, pk=pk)
    direction = request.POST.get("direction")
    services.move_job_item(item, -1 if direction == "up" else 1)
    return _job_items(request, item.job_id, moved=(item.pk, direction))


@require_POST
def items_reorder(request, job_id: int):
    require_area(request, "projects")
    job = get_object_or_404(Job, pk=job_id)
    try:
        services.reorder_job_items(job, request.POST.getlist("items"))
    except ValidationError as exc:
        return _job_items(request, job.pk, refusal=refusal_text(exc))
    return _job_items(request, job.pk)


@require_POST
def action_create(request, item_id: int):
    item = get_object_or_404(JobItem, pk=item_id)
    _require_job(request, item.job_id)
    form = JobActionForm(
        request.POST, team_choices=queries.team_choices(), auto_id=f"id_action{item.pk}_%s"
    )
    if form.is_valid():
        try:
            services.create_job_action(
                item=item, added_by=request.user, actor=request.user, **form.service_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _job_items(request, item.job_id, focus_item=item.pk)
    return _job_items(request, item.job_id, action_item=item.pk, action_form=form)


@require_POST
def action_toggle(request, pk: int):
    """Ticks an action done (or, unticked, not done) on the project or job page."""
    action = get_object_or_404(JobAction.objects.select_related("item"), pk=pk)
    _require_job(request, action.item.job_id)
    done = request.POST.get("done") == "on"
    status = JobAction.Status.COMPLETED if done else JobAction.Status.UNFINISHED
    services.update_job_action(action, actor=request.user, status=status)
    return _job_items(request, action.item.job_id)


# --- My actions -------------------------------------------------------------------


def _require_actions_page(request) -> list[int] | None:
    """Who may have actions: those with the projects area, and collaborators (kept to
    the jobs they are given, returned here)."""
    reach = queries.jobs_in_reach(request.user)
    if reach is None:
        require_area(request, "projects")
    return reach


def _grouped(actions: list[JobAction]) -> list[tuple[str, str, list[JobAction]]]:
    today = timezone.localdate()
    groups = {"overdue": [], "today": [], "upcoming": []}
    for action in actions:
        if action.deadline < today:
            groups["overdue"].append(action)
        elif action.deadline == today:
            groups["today"].append(action)
        else:
            groups["upcoming"].append(action)
    titles = {"overdue": "Overdue", "today": "Due today", "upcoming": "Upcoming"}
    return [(key, titles[key], groups[key]) for key in groups]


def _my_actions(request, job_ids, *, partial: bool, **context):
    actions = list(queries.my_actions(request.user.pk, job_ids=job_ids))
    context = {
        "groups": _grouped(actions),
        "count": len(actions),
        "team_choices": queries.team_choices(),
        "nav_section": "actions",
        **context,
    }
    template = "projects/my_actions.html" + ("#my-actions" if partial else "")
    return render(request, template, context)


def my_actions(request):
    job_ids = _require_actions_page(request)
    return _my_actions(request, job_ids, partial=bool(request.htmx))


def _my_action(request, pk: int, job_ids) -> JobAction:
    # Only one's own unfinished actions are on the page, so only those change here.
    action = queries.my_actions(request.user.pk, job_ids=job_ids).filter(pk=pk).first()
    if action is None:
        raise PermissionDenied
    return action


@require_POST
def my_action_complete(request, pk: int):
    job_ids = _require_actions_page(request)
    action = _my_action(request, pk, job_ids)
    services.update_job_action(action, actor=request.user, status=JobAction.Status.COMPLETED)
    return _my_actions(request, job_ids, partial=True, completed=action)


@require_POST
def my_action_update(request, pk: int):
    """Reassigns or reschedules one of my actions."""
    job_ids = _require_actions_page(request)
    action = _my_action(request, pk, job_ids)
    form = ActionScheduleForm(
        request.POST, team_choices=queries.team_choices(), auto_id=f"id_my{pk}_%s"
    )
    if form.is_valid():
        values = form.service_values()
        try:
            services.update_job_action(action, actor=request.user, **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _my_actions(request, job_ids, partial=True)
    return _my_actions(request, job_ids, partial=True, refused=pk, refused_form=form)


@require_POST
def job_create(request, pk: int):
    require_area(request, "projects")
    project = get_object_or_404(Project, pk=pk)
    form = JobForm(request.POST)
    if form.is_valid():
        try:
            job = services.create_job(
                project=project, added_by=request.user, **form.service_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Job {job.number}, {job.title}, was added.")
            return redirect("projects:detail", pk=project.pk)
    return project_detail(request, pk, job_form=form)


# --- the project's jobs, edited in place ------------------------------------------
# A job's own changes answer with its section (`#job-N`: its head and items); a move,
# a reorder or a deletion with the whole list (`#job-list`), whose order they change.


def _job_section(request, job_id: int, **context):
    jobs = queries.with_hours(Job.objects.select_related("project").prefetch_related("team"), "job")
    job = get_object_or_404(jobs, pk=job_id)
    # Its place decides which of its ↑ ↓ buttons can move it.
    order = list(job.project.jobs.order_by("order", "pk").values_list("pk", flat=True))
    block = {**_job_block(job), "first": order[0] == job.pk, "last": order[-1] == job.pk}
    context = {
        "block": block,
        "assign_options": _assign_options(queries.team_choices(), request.user.pk),
        "today": timezone.localdate(),
        **_timer(request.user),
        **context,
    }
    return render(request, "projects/project_detail.html#job-section", context)


def _job_list(request, project_id: int, **context):
    project = get_object_or_404(Project, pk=project_id)
    context = {
        "project": project,
        "jobs": _job_blocks(project),
        "assign_options": _assign_options(queries.team_choices(), request.user.pk),
        "today": timezone.localdate(),
        **_timer(request.user),
        **context,
    }
    return render(request, "projects/project_detail.html#job-list", context)


def job_section(request, pk: int):
    """The job's section as it is (Cancel on its edit form)."""
    require_area(request, "projects")
    return _job_section(request, pk)


def job_edit(request, pk: int):
    require_area(request, "projects")
    job = get_object_or_404(Job.objects.prefetch_related("team"), pk=pk)
    form = JobEditForm(
        request.POST or None,
        initial=JobEditForm.initial_for(job),
        team_choices=queries.team_choices(),
        auto_id=f"id_jobedit{job.pk}_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_job(job, actor=request.user, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _job_section(request, job.pk, focus_job=job.pk)
    return _job_section(request, job.pk, editing_job=job.pk, job_edit_form=form)


@require_POST
def job_delete(request, pk: int):
    require_area(request, "projects")
    job = get_object_or_404(Job, pk=pk)
    try:
        services.delete_job(job)
    except ValidationError as exc:
        refusal = refusal_text(exc)
        return _job_list(request, job.project_id, refused_job=job.pk, job_refusal=refusal)
    response = _job_list(request, job.project_id)
    text = f"Job {job.number}, {job.title}, was deleted."
    return htmx_events(response, showMessage={"level": "success", "text": text})


@require_POST
def job_move(request, pk: int):
    """Up or down one place: the keyboard's way to reorder (drag posts the order)."""
    require_area(request, "projects")
    job = get_object_or_404(Job.objects.select_related("project"), pk=pk)
    direction = request.POST.get("direction")
    services.move_job(job, -1 if direction == "up" else 1)
    return _job_list(request, job.project_id, moved_job=(job.pk, direction))


@require_POST
def jobs_reorder(request, pk: int):
    require_area(request, "projects")
    project = get_object_or_404(Project, pk=pk)
    try:
        services.reorder_jobs(project, request.POST.getlist("jobs"))
    except ValidationError as exc:
        return _job_list(request, project.pk, jobs_refusal=refusal_text(exc))
    return _job_list(request, project.pk)


def _project_form(request, project: Project | None) -> ProjectForm:
    if project is not None:
        initial = ProjectForm.initial_for(project)
    else:
        # "New project" on a company's or person's page brings its code (C41, I5).
        client = queries.client_named_by(request.GET.get("client", "")[:20])
        initial = {"client": client_label(client)} if client else {}
    return ProjectForm(
        request.POST or None,
        initial=initial,
        team_choices=queries.team_choices(),
        creating=project is None,
    )


def client_suggestions(request):
    """The options under the client field for what has been typed so far."""
    require_area(request, "projects")
    typed = " ".join(request.GET.get("client", "").replace("\x00", "").split())[:100]
    context = {"clients": queries.client_suggestions(typed)}
    return render(request, "projects/project_form.html#client-options", context)


def _form_page(request, *, form, project: Project | None, title: str):
    context = {"form": form, "project": project, "title": title, "nav_section": "projects"}
    return render(request, "projects/project_form.html", context)


def project_create(request):
    require_area(request, "projects")
    form = _project_form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(added_by=request.user, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Project {project.pk}, {project.title}, was added.")
            return redirect("projects:detail", pk=project.pk)
    return _form_page(request, form=form, project=None, title="New project")


def project_edit(request, pk: int):
    require_area(request, "projects")
    project = get_object_or_404(
        Project.objects.select_related("client_company", "client_contact"), pk=pk
    )
    form = _project_form(request, project)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(project, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{project.title} was saved.")
            return redirect("projects:detail", pk=project.pk)
    return _form_page(request, form=form, project=project, title=f"Edit {project.title}")


@require_POST
def project_delete(request, pk: int):
    require_area(request, "projects")
    project = get_object_or_404(Project, pk=pk)
    try:
        services.delete_project(project)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("projects:detail", pk=pk)
    messages.success(request, f"{project.title} was deleted.")
    return redirect("projects:list")
