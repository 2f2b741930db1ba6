from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.services import register_job_check
        from config.limits import MAX_ID
        from config.pages import register_detail_panel, register_settings_section
        from crm.journal import register_item_type

        from .models import ActivityType, Job, Project

        register_settings_section("activity-types", "Activity types", position=60)
        register_item_type("N", ActivityType, "name")
        register_item_type(Project.CODE, Project, "title", area="projects")
        register_item_type(Job.CODE, Job, "title", area="projects")

        def unknown_jobs(job_ids: list[int]) -> list[int]:
            real = [job_id for job_id in job_ids if 0 < job_id <= MAX_ID]
            found = set(Job.objects.filter(pk__in=real).values_list("pk", flat=True))
            return [job_id for job_id in job_ids if job_id not in found]

        # A collaborator's jobs (the users API's `jobs`) must be real jobs.
        register_job_check(unknown_jobs)

        def client_projects(client) -> dict:
            return {"projects": list(client.projects.all())}

        # A client's projects on its company and person pages.
        for page in ("company", "contact"):
            register_detail_panel(
                page, "projects", "projects/_client_projects.html", client_projects
            )
