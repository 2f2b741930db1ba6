from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the deploy checks and the page middleware's, and has `migrate`
        # create what the app needs besides its models (DESIGN §2: a deploy is
        # migrate, collectstatic, start).
        from config import deploy, page_middleware  # noqa: F401 (its check registers)
        from config.pages import register_settings_section

        for slug, title, position in (
            ("company", "Company details", 10),
            ("numbering", "Numbering & time", 20),
            ("logo", "Logo", 70),
            ("api", "API credentials", 80),
            ("webhooks", "Webhooks", 85),
            ("apps", "Apps", 90),
        ):
            register_settings_section(slug, title, position=position)

        # A notification that a webhook was switched off leads to its page.
        from django.urls import reverse

        from config.pages import register_link_target

        from .models import Webhook

        def webhook_page(pk: int) -> str | None:
            if not Webhook.objects.filter(pk=pk).exists():
                return None
            return reverse("settings:webhook", args=[pk])

        register_link_target(("webhook",), "settings", webhook_page)

        _unregister_oauth_admin()

        post_migrate.connect(deploy.create_cache_tables, sender=self)


def _unregister_oauth_admin() -> None:
    """django-oauth-toolkit adds its apps and tokens to the Django admin, whose forms
    would save an app past accounts.oauth's checks (any http redirect URI, a public
    client with no PKCE rule of ours). Apps are registered and removed in Settings →
    Apps and with `manage.py oauthapp`; people revoke what they allowed there."""
    from django.contrib import admin
    from oauth2_provider import models as dot

    for model in (
        dot.get_application_model(),
        dot.get_access_token_model(),
        dot.get_grant_model(),
        dot.get_id_token_model(),
        dot.get_refresh_token_model(),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
