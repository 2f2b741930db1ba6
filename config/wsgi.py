import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.deploy import (  # noqa: E402 (needs the settings loaded)
    freeze_start_up_objects,
    require_static_files,
)

require_static_files()
freeze_start_up_objects()
