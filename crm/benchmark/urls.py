"""The site's URLs plus the benchmark's references (crm.benchmark.reference). Only
the benchmark's gunicorn uses this URLconf (DOCKET_BENCHMARK in the settings)."""

from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as site_urlpatterns

from .reference import bare_json, contact_rows_sql, ninja_alone, same_page_admin
from .registry import reference_urlpatterns

BARE_PATH = "/api/benchmark/bare.json"
NINJA_PREFIX = "/api/benchmark/ninja/"
NINJA_PATH = f"{NINJA_PREFIX}list"
CONTACT_ROWS_PATH = "/api/benchmark/contacts-sql.json"
ADMIN_PATH = "/benchmark-admin/"

urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare_json),
    path(NINJA_PREFIX.lstrip("/"), ninja_alone.urls),
    path(CONTACT_ROWS_PATH.lstrip("/"), contact_rows_sql),
    path(ADMIN_PATH.lstrip("/"), same_page_admin.urls),
    # Apps above crm add theirs from their AppConfig.ready (registry.py).
    *reference_urlpatterns(),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
