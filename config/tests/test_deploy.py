"""Production configuration: the deploy checklist and real SMTP delivery."""

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from accounts import services
from config import deploy

ROOT = Path(settings.BASE_DIR)


def _production(tmp_path) -> dict[str, str]:
    """The environment of a production deploy into `tmp_path`, on a fresh database."""
    # The e2e tests' async switch is for the test process, never for a deploy.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "docket.example.com",
        "DOCKET_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "",
    }


def _run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _record_collected_static_files(static_root: Path) -> None:
    """What `collectstatic` leaves for the manifest storage to read, without the
    40 s it spends copying and compressing: a manifest naming every static file."""
    from config.deploy import collected_names

    static_root.mkdir(parents=True, exist_ok=True)
    paths = {name: name for name in collected_names()}
    (static_root / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1"}))


# Started the way gunicorn starts it (importing config.wsgi), then asked for a page
# and for an API call with credentials made by `manage.py apikey`.
SERVE = """
import json, sys
from config.wsgi import application
from django.test import Client
credentials = json.loads(sys.argv[1])
client = Client(HTTP_HOST="docket.example.com")
page = client.get("/accounts/login/", secure=True)
call = client.get(
    "/api/v1/contacts.json",
    secure=True,
    headers={"X-DEPOT-TOKEN": credentials["token"], "X-DEPOT-SECRET": credentials["secret"]},
)
print(page.status_code, call.status_code, call.content.decode())
"""


def test_a_deploy_is_migrate_collectstatic_and_start(tmp_path):
    env = _production(tmp_path)
    migrated = _run(env, "manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    _record_collected_static_files(tmp_path / "staticfiles")
    checked = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    issued = _run(env, "manage.py", "apikey", "--name", "Deploy check")
    assert issued.returncode == 0, issued.stderr
    served = _run(env, "-c", SERVE, issued.stdout.strip())
    assert served.returncode == 0, served.stderr
    assert served.stdout.split(" ", 2)[:2] == ["200", "200"], served.stdout + served.stderr
    assert json.loads(served.stdout.split(" ", 2)[2]) == {"error": False, "rows": [], "total": 0}


def test_without_collectstatic_the_server_refuses_to_start(tmp_path):
    env = _production(tmp_path)
    checked = _run(env, "manage.py", "check", "--deploy")
    assert checked.returncode != 0
    assert "static files have not been collected" in checked.stderr
    assert "collectstatic --noinput" in checked.stderr
    started = _run(env, "-c", "import config.wsgi")
    assert started.returncode != 0
    assert "ImproperlyConfigured: The static files have not been collected" in started.stderr


# Started the way gunicorn starts it; then, of what start-up made, is anything still
# in the collector's generations? The URLconf's list of patterns and the API it built
# should not be: they were frozen. What is made after start-up still is.
FROZEN = """
import gc
from config.wsgi import application
from django.urls import get_resolver
from config.api.core import api
patterns = get_resolver().url_patterns
made_after = [object()]
tracked = gc.get_objects()
print(
    gc.get_freeze_count() > 0,
    any(o is patterns for o in tracked),
    any(o is api for o in tracked),
    any(o is made_after for o in tracked),
)
"""


def test_the_server_freezes_what_start_up_made_so_collections_skip_it(tmp_path):
    env = _production(tmp_path)
    _record_collected_static_files(tmp_path / "staticfiles")
    probed = _run(env, "-c", FROZEN)
    assert probed.returncode == 0, probed.stderr
    # Frozen: some; the URL patterns and the API not tracked; a later list tracked.
    assert probed.stdout.split() == ["True", "False", "False", "True"], probed.stdout


def test_static_files_added_since_collectstatic_are_reported(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    _record_collected_static_files(tmp_path)
    assert deploy.static_files_problem() == ""
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    del manifest["paths"]["css/app.css"]
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    problem = deploy.static_files_problem()
    assert "out of date (1 not collected, e.g. css/app.css)" in problem
    assert [error.id for error in deploy.check_static_files()] == ["docket.E001"]
    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert deploy.static_files_problem() == ""


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd can't report a port the OS picked
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.mark.django_db
def test_invitation_is_delivered_over_real_smtp(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    with django_capture_on_commit_callbacks(execute=True):
        services.create_user(email="smtp.starter@studio.test", name="Smtp Starter")
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["smtp.starter@studio.test"]
    body = envelope.content.decode()
    assert "Subject:" in body
    assert "/accounts/invite/" in body


SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps([
    db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"], settings.ROOT_URLCONF,
    bool(settings.DOCKET_RATELIMIT_FILE),
]))
"""


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        # On SQLite the rate-limit buckets have a file of their own, unless in Redis.
        ({"DATABASE_URL": "sqlite:///x.sqlite3"}, [60, True, "config.urls", True]),
        (
            {"DATABASE_URL": "sqlite:///x.sqlite3", "CACHE_URL": "redis://localhost:6379/0"},
            [60, True, "config.urls", False],
        ),
        (
            {"DATABASE_URL": "postgres://docket@db.example.com/docket"},
            [60, True, "config.urls", False],
        ),
        (
            {
                "DATABASE_URL": "postgres://docket@db.example.com/docket",
                "DATABASE_CONN_MAX_AGE": "0",
            },
            [0, True, "config.urls", False],
        ),
        # Only the benchmark's own server adds its reference views.
        (
            {"DATABASE_URL": "sqlite:///x.sqlite3", "DOCKET_BENCHMARK": "1"},
            [60, True, "crm.benchmark.urls", True],
        ),
    ],
)
def test_database_connections_and_url_table_from_the_environment(tmp_path, variables, expected):
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "DATABASE_CONN_MAX_AGE",
            "DOCKET_BENCHMARK",
            "CACHE_URL",
            "DOCKET_RATELIMIT_FILE",
        )
    }
    env = {
        **inherited,
        **variables,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DOCKET_VAR_DIR": str(tmp_path),
    }
    shown = _run(env, "-c", SETTINGS)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == expected


SESSION_OPTIONS = """
from django.conf import settings
options = settings.DATABASES["default"].get("OPTIONS", {})
print(options.get("options", ""), options.get("prepare_threshold"), sep="|")
"""


@pytest.mark.parametrize(
    ("url", "prepared", "expected"),
    [
        # Web queries are short; JIT compiled a 10,000-row sort for longer than it
        # ran. The kept queries are prepared once per connection, with generic plans.
        (
            "postgres://docket@db.example.com/docket",
            None,
            f"-c jit=off -c plan_cache_mode=force_generic_plan|{2**31 - 1}",
        ),
        # Options already in the URL are kept beside it.
        (
            "postgres://docket@db.example.com/docket?options=-c%20statement_timeout%3D5000",
            None,
            "-c statement_timeout=5000 -c jit=off -c plan_cache_mode=force_generic_plan"
            f"|{2**31 - 1}",
        ),
        # Behind a pooler that can't carry prepared statements: none at all (Django's
        # own default), and plans as PostgreSQL chooses them.
        ("postgres://docket@db.example.com/docket", "false", "-c jit=off|None"),
        ("sqlite:///x.sqlite3", None, "|None"),
    ],
)
def test_postgresql_sessions_run_without_jit_and_prepare_the_kept_queries(
    tmp_path, url, prepared, expected
):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DATABASE_PREPARED_STATEMENTS")
        },
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DOCKET_VAR_DIR": str(tmp_path),
    }
    if prepared is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = prepared
    shown = _run(env, "-c", SESSION_OPTIONS)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == expected


def test_a_rate_limit_past_one_token_a_microsecond_is_refused_at_start(tmp_path):
    env = {**_production(tmp_path), "DOCKET_API_RATE_LIMIT": "60000001"}
    started = _run(env, "manage.py", "check")
    assert started.returncode != 0
    assert (
        "DOCKET_API_RATE_LIMIT must be from 0 (off) to 60,000,000 requests a minute, "
        "not 60000001." in started.stderr
    )
