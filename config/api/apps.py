from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API framework as an app so its tables (rate-limit buckets, kept row counts)
    come with `migrate`."""

    name = "config.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .counts import recount_untriggered

        post_migrate.connect(recount_untriggered, sender=self)
