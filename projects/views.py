"""Projects pages: the list, a project's page, its form and its deletion; and the
activity types settings table."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.pages import add_service_errors, query_int, require_area
from config.reference_tables import Column, ReferenceTable

from . import queries, services
from .forms import ActivityTypeForm, JobForm, ProjectForm, client_label
from .models import ActivityType, Project
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
    return {
        # NUL can't be sent to PostgreSQL; nobody types it on purpose.
        "search": request.GET.get("search", "").replace("\x00", "").strip(),
        "statuses": [status] if status in Project.Status.values else None,
        "team_user_id": team,
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


def project_detail(request, pk: int, *, job_form: JobForm | None = None):
    require_area(request, "projects")
    project = get_object_or_404(
        Project.objects.select_related("client_company", "client_contact").prefetch_related(
            "team", "contacts"
        ),
        pk=pk,
    )
    context = {
        "project": project,
        "team": sorted(project.team.all(), key=lambda user: (user.name, user.email)),
        "contacts": sorted(project.contacts.all(), key=lambda person: person.fullname),
        "jobs": project.jobs.order_by("order", "pk"),
        "job_form": job_form or JobForm(),
        "nav_section": "projects",
    }
    return render(request, "projects/project_detail.html", context)


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
        messages.error(request, " ".join(exc.messages))
        return redirect("projects:detail", pk=pk)
    messages.success(request, f"{project.title} was deleted.")
    return redirect("projects:list")
