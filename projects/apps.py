from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import reverse

        from config.pages import (
            register_detail_panel,
            register_link_target,
            register_settings_section,
        )
        from crm.journal import register_item_type

        from .models import ActivityType, Job, Project

        register_settings_section("activity-types", "Activity types", position=60)
        register_item_type("N", ActivityType, "name")
        register_item_type(Project.CODE, Project, "title", area="projects")
        register_item_type(Job.CODE, Job, "title", area="projects")

        def client_projects(client) -> dict:
            return {"projects": list(client.projects.all())}

        # A client's projects on its company and person pages.
        for page in ("company", "contact"):
            register_detail_panel(
                page, "projects", "projects/_client_projects.html", client_projects
            )

        # Notifications link to projects and jobs as Depot does ("projects/12", "job/3").
        def project_page(project_id: int) -> str:
            return reverse("projects:detail", args=[project_id])

        def job_page(job_id: int) -> str | None:
            project_id = Job.objects.filter(pk=job_id).values_list("project_id", flat=True).first()
            return f"{project_page(project_id)}#job-{job_id}" if project_id else None

        register_link_target(("project", "projects"), "projects", project_page)
        register_link_target(("job", "jobs"), "projects", job_page)
