from decimal import Decimal

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from django.urls import reverse
        from django.utils import timezone

        from accounts.services import register_job_check
        from config.limits import MAX_ID
        from config.pages import (
            register_dashboard_panel,
            register_detail_panel,
            register_link_target,
            register_settings_section,
        )
        from crm.benchmark.registry import register_benchmark_group
        from crm.journal import register_item_type

        from . import benchmark, queries, timesheet
        from .models import ActivityType, Job, JobAction, JobItem, Project, TimeEntry
        from .queries import jobs_in_reach

        register_settings_section("activity-types", "Activity types", position=60)
        # The timesheet's list against its SQL, the project page and the weekly grid.
        register_benchmark_group(
            "projects",
            rows=benchmark.rows,
            cases=benchmark.cases,
            urlpatterns=benchmark.urlpatterns,
        )
        register_item_type("N", ActivityType, "name")
        register_item_type(Project.CODE, Project, "title", area="projects")
        register_item_type(Job.CODE, Job, "title", area="projects")
        register_item_type(JobItem.CODE, JobItem, "title", area="projects")
        register_item_type(JobAction.CODE, JobAction, "title", area="projects")

        from accounts.webhooks import register_webhook_events

        from .api import job_for_webhook, project_for_webhook, time_entry_for_webhook

        changes = ("created", "updated", "deleted")
        register_webhook_events("project", changes, project_for_webhook)
        register_webhook_events("job", changes, job_for_webhook)
        register_webhook_events("timesheet", changes, time_entry_for_webhook)

        def unknown_jobs(job_ids: list[int]) -> list[int]:
            real = [job_id for job_id in job_ids if 0 < job_id <= MAX_ID]
            found = set(Job.objects.filter(pk__in=real).values_list("pk", flat=True))
            return [job_id for job_id in job_ids if job_id not in found]

        # A collaborator's jobs (the users API's `jobs`) must be real jobs.
        register_job_check(unknown_jobs)

        def client_projects(client) -> dict:
            projects = list(queries.with_hours(client.projects.all(), "project"))
            return {
                "projects": projects,
                "hours_logged": sum((project.hours_logged for project in projects), Decimal(0)),
            }

        def my_week(user) -> dict:
            job_ids = timesheet.collaborator_job_ids(user) if user.is_collaborator else None
            return queries.my_week(user, timezone.localdate(), job_ids=job_ids) | {
                "today": timezone.localdate()
            }

        # Everyone keeps their own time, so everyone has their week on the dashboard.
        register_dashboard_panel(None, my_week, template="projects/_dashboard_my_week.html")
        # The owner's morning page: open projects past their allocated hours,
        # remembered until the hours change.
        for model in (TimeEntry, JobItem, Job, Project):
            post_save.connect(queries.forget_project_hours_on_commit, sender=model)
            post_delete.connect(queries.forget_project_hours_on_commit, sender=model)
        register_dashboard_panel(
            "projects",
            lambda user: queries.projects_over_budget(),
            template="projects/_dashboard_over_budget.html",
            position=30,
        )

        # A client's projects on its company and person pages.
        for page in ("company", "contact"):
            register_detail_panel(
                page, "projects", "projects/_client_projects.html", client_projects
            )

        # Notifications link as Depot does ("project/12", "job/3", "item/8",
        # "action/5"): each to its place on the project's page.
        def project_page(project_id: int) -> str:
            return reverse("projects:detail", args=[project_id])

        def place_on_project_page(model, path_to_project: str, anchor: str):
            def resolve(pk: int) -> str | None:
                project_id = (
                    model.objects.filter(pk=pk).values_list(path_to_project, flat=True).first()
                )
                return f"{project_page(project_id)}#{anchor}-{pk}" if project_id else None

            return resolve

        # A collaborator has no projects area: their links open the job's own page,
        # for the jobs they are given (an item's or action's job is read on opening).
        def place_on_job_page(model, path_to_job: str, anchor: str | None):
            def for_reader(user, pk: int):
                reach = jobs_in_reach(user)
                if reach is None or not reach or (anchor is None and pk not in reach):
                    return None

                def resolve(pk: int) -> str | None:
                    job_id = model.objects.filter(pk=pk).values_list(path_to_job, flat=True).first()
                    if job_id not in reach:
                        return None
                    url = reverse("projects:job", args=[job_id])
                    return f"{url}#{anchor}-{pk}" if anchor else url

                return resolve

            return for_reader

        register_link_target(("project", "projects"), "projects", project_page)
        register_link_target(
            ("job", "jobs"),
            "projects",
            place_on_project_page(Job, "project_id", "job"),
            outside_area=place_on_job_page(Job, "pk", None),
        )
        register_link_target(
            ("item", "items"),
            "projects",
            place_on_project_page(JobItem, "job__project_id", "item"),
            outside_area=place_on_job_page(JobItem, "job_id", "item"),
        )
        register_link_target(
            ("action", "actions"),
            "projects",
            place_on_project_page(JobAction, "item__job__project_id", "action"),
            outside_area=place_on_job_page(JobAction, "item__job_id", "action"),
        )
