from django.apps import AppConfig


class CrmConfig(AppConfig):
    verbose_name = "Connections"
    name = "crm"
    default_auto_field = "django.db.models.BigAutoField"
