import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.deploy import require_static_files  # noqa: E402 (needs the settings loaded)

require_static_files()
