from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_settings_section
        from crm.journal import register_item_type

        from .models import ActivityType, Project

        register_settings_section("activity-types", "Activity types", position=60)
        register_item_type("N", ActivityType, "name")
        register_item_type(Project.CODE, Project, "title")
