from django.urls import path

from . import settings_views

# Mounted with the other apps' settings tables in the "settings" namespace by config/urls.py.

urlpatterns = [
    path("", settings_views.settings_index, name="index"),
    path("company/", settings_views.company_details, name="company"),
    path("numbering/", settings_views.numbering, name="numbering"),
    path("logo/", settings_views.logo, name="logo"),
    path("logo/remove/", settings_views.logo_remove, name="logo-remove"),
    path("api/", settings_views.api_credentials, name="api"),
    path("api/<int:pk>/revoke/", settings_views.api_credential_revoke, name="api-revoke"),
    path(
        "api/tokens/<int:pk>/revoke/",
        settings_views.access_token_revoke,
        name="api-token-revoke",
    ),
    path("webhooks/", settings_views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", settings_views.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/delete/", settings_views.webhook_delete, name="webhook-delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        settings_views.webhook_redeliver,
        name="webhook-redeliver",
    ),
    path("apps/", settings_views.apps, name="apps"),
    path("apps/<int:pk>/remove/", settings_views.app_delete, name="app-delete"),
    path("apps/<int:pk>/revoke/", settings_views.app_revoke, name="app-revoke"),
]
