from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import dashboard
from config.api.core import api
from config.database_errors import server_error
from config.media import serve_media

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("settings/", include("accounts.settings_urls")),
    path("connections/", include("crm.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path(settings.MEDIA_URL.strip("/") + "/<path:path>", serve_media, name="media"),
]

handler500 = server_error
