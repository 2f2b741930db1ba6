from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import settings_urls as account_settings_urls
from accounts.media import serve_media
from accounts.urls import personal_urlpatterns
from accounts.views import dashboard
from billing.views import CHARGE_RATES, LEDGERS, PRODUCTS, TAX_CODES
from config.api.core import api
from config.database_errors import server_error
from config.url_index import indexed_include
from projects.views import ACTIVITY_TYPES

# One "settings" namespace for every app's settings pages: the account's own, and the
# reference tables of the apps above accounts, which accounts may not import.
settings_patterns = [
    *account_settings_urls.urlpatterns,
    *TAX_CODES.urls(),
    *LEDGERS.urls(),
    *CHARGE_RATES.urls(),
    *PRODUCTS.urls(),
    *ACTIVITY_TYPES.urls(),
]

urlpatterns = [
    # First: every API call is resolved, and the pages' prefixes can't match it.
    indexed_include("api/v1/", api.urls),
    path("", dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("", include((personal_urlpatterns, "notes"))),
    path("settings/", include((settings_patterns, "settings"))),
    path("connections/", include("crm.urls")),
    path("projects/", include("projects.urls")),
    path("timesheet/", include("projects.timesheet_urls")),
    path("proposals/", include("billing.proposal_urls")),
    path("invoices/recurring/", include("billing.periodical_urls")),
    path("invoices/exports/", include("billing.export_urls")),
    path("reports/", include("billing.report_urls")),
    path("invoices/", include("billing.invoice_urls")),
    path("invoices/", include("billing.work_urls")),
    path("admin/", admin.site.urls),
    path(settings.MEDIA_URL.strip("/") + "/<path:path>", serve_media, name="media"),
]

handler500 = server_error
