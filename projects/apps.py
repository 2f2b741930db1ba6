from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_detail_panel, register_settings_section
        from crm.journal import register_item_type

        from .models import ActivityType, Job, JobAction, JobItem, Project

        register_settings_section("activity-types", "Activity types", position=60)
        register_item_type("N", ActivityType, "name")
        register_item_type(Project.CODE, Project, "title", area="projects")
        register_item_type(Job.CODE, Job, "title", area="projects")
        register_item_type(JobItem.CODE, JobItem, "title", area="projects")
        register_item_type(JobAction.CODE, JobAction, "title", area="projects")

        def client_projects(client) -> dict:
            return {"projects": list(client.projects.all())}

        # A client's projects on its company and person pages.
        for page in ("company", "contact"):
            register_detail_panel(
                page, "projects", "projects/_client_projects.html", client_projects
            )
