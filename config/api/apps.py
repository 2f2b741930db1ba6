from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API framework as an app only so its rate-limit table comes with `migrate`."""

    name = "config.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
