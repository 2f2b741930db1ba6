from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the deploy checks, and has `migrate` create what the app needs
        # besides its models (DESIGN §2: a deploy is migrate, collectstatic, start).
        from config import deploy
        from config.pages import register_settings_section

        for slug, title, position in (
            ("company", "Company details", 10),
            ("numbering", "Numbering & time", 20),
            ("logo", "Logo", 70),
            ("api", "API credentials", 80),
            ("apps", "Apps", 90),
        ):
            register_settings_section(slug, title, position=position)

        post_migrate.connect(deploy.create_cache_tables, sender=self)
