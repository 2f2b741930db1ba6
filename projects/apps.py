from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_settings_section

        register_settings_section("activity-types", "Activity types", position=60)
