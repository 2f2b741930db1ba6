"""Fixtures every test can use: users, API credentials and a Depot API client that
sends bodies the way the official PHP kit does (multipart for POST, PATCH, DELETE)."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.client import encode_multipart
from huey.contrib.djhuey import HUEY

from accounts.services import create_access_token, create_api_credential
from accounts.tests.factories import CollaboratorFactory, RestrictedUserFactory, UserFactory

# Tasks run inline in unit tests; the real consumer is exercised by its own test.
HUEY.immediate = True


def _flush_postgresql_by_deleting():
    """After each test that commits (transactional_db, live_server, the e2e tests),
    Django empties every table. On PostgreSQL it TRUNCATEs all ~70, which makes new
    files for each and took 0.4-1.2 s a test on CI's machine; DELETE FROM them takes
    milliseconds, as the tables hold a test's few rows. This is what Django does on
    SQLite. The foreign keys are all DEFERRABLE INITIALLY DEFERRED, so the order
    doesn't matter within the flush's transaction. The row-count triggers
    (config/api/counts.py) fire on DELETE and not on TRUNCATE, but docket_rowcount is
    emptied too, so a flush leaves the same empty tables either way. A flush that
    resets sequences or cascades still truncates."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush


_flush_postgresql_by_deleting()

BOUNDARY = "DocketTestBoundary"

# A Redis already running on the usual port serves the tests from a database of its own.
LOCAL_TEST_REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCKET_UPLOAD_TMP = tmp_path / "uploads"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Factories set passwords; the production hasher would spend ~0.3 s on each.
    # OAuth client secrets keep their own fast hasher (settings.PASSWORD_HASHERS).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "accounts.hashers.SecretSHA256Hasher",
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Rate-limit buckets in the test database, rolled back with each test; the
    # rate-limit tests try the SQLite file store (and Redis) as well.
    settings.DOCKET_RATELIMIT_FILE = ""


def _commits(request) -> bool:
    """Whether the test's writes commit (transaction=True, a live server)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return not {"transactional_db", "live_server"}.isdisjoint(request.fixturenames)


@pytest.fixture(autouse=True)
def _no_cache_left_by_commits(request, django_db_blocker):
    """A test whose writes commit (a live server's, e2e) leaves its rows in the cache
    table, which the flush after it doesn't empty (no model owns the table): the
    dashboard it showed remembered billing's tab totals and projects' over-budget list
    under a data version it had committed. A later test of the same worker, whose writes
    roll back and never move that version, then read them: the invoices list showed
    the e2e test's totals and none of its own invoices."""
    yield
    if _commits(request):
        from django.core.cache import cache

        with django_db_blocker.unblock():
            cache.clear()


# --- personas ------------------------------------------------------------------------------
# Who uses Docket, as tests need them: each as a user, a signed-in page client
# (`*_client`) and an API client acting as them through a bearer token (`*_api`).
# An integration is a scoped credential (`contacts_reader`); an outsider has nothing.


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    """An account administrator (superuser): every area, every user."""
    return UserFactory(email="admin@studio.test", name="Alex Admin", is_superuser=True)


@pytest.fixture
def staff_client(admin_user):
    return signed_in_client(admin_user)


@pytest.fixture
def member(db):
    """A standard user with full access, not an administrator."""
    return UserFactory(email="member@studio.test", name="Morgan Member")


@pytest.fixture
def member_client(member):
    return signed_in_client(member)


@pytest.fixture
def restricted_to(db):
    """restricted_to("users", "contacts", **fields) → a standard user restricted to
    those areas."""

    def make(*areas: str, **fields):
        return RestrictedUserFactory(permissions=list(areas), **fields)

    return make


@pytest.fixture
def restricted_user(restricted_to):
    """A standard user restricted to contacts and companies."""
    return restricted_to("contacts", email="rita@studio.test", name="Rita Restricted")


@pytest.fixture
def restricted_client(restricted_user):
    return signed_in_client(restricted_user)


@pytest.fixture
def collaborator(db):
    """A collaborator: no areas, only the jobs they are given."""
    return CollaboratorFactory(email="cole@freelance.test", name="Cole Collaborator")


@pytest.fixture
def collaborator_client(collaborator):
    return signed_in_client(collaborator)


class DepotClient:
    """Calls /api/v1/ with credentials. `fmt` picks the suffix (json, xml or "")."""

    def __init__(self, headers: dict[str, str]):
        self.client = Client()
        self.headers = headers

    def url(self, path: str, fmt: str = "json") -> str:
        path = path.strip("/")
        return f"/api/v1/{path}.{fmt}" if fmt else f"/api/v1/{path}"

    def get(self, path, params=None, fmt="json", **headers):
        return self.client.get(
            self.url(path, fmt), params or {}, headers={**self.headers, **headers}
        )

    def _send(self, method, path, data, fmt, as_json, headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if as_json:
            body, content_type = json.dumps(data or {}), "application/json"
        else:
            body = encode_multipart(BOUNDARY, data or {})
            content_type = f"multipart/form-data; boundary={BOUNDARY}"
        return getattr(self.client, method)(
            self.url(path, fmt), body, content_type=content_type, **kwargs
        )

    def post(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("post", path, data, fmt, as_json, headers)

    def patch(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("patch", path, data, fmt, as_json, headers)

    def delete(self, path, data=None, fmt="json", as_json=False, **headers):
        return self._send("delete", path, data, fmt, as_json, headers)


def as_php_form(row: dict) -> dict:
    """A row read from the API as the PHP kit sends it back in a form body: objects
    and lists JSON-encoded, null as empty text."""

    def sent(value):
        if isinstance(value, dict | list):
            return json.dumps(value)
        return "" if value is None else value

    return {name: sent(value) for name, value in row.items()}


def without_field_detail(response) -> dict:
    """The 400 body without its `fields` grouping, for tests about the sentences;
    the grouping itself has its own tests in config/tests/test_api_framework.py."""
    body = response.json()
    body.pop("fields", None)
    return body


@pytest.fixture
def api_credential(db):
    return create_api_credential("Test integration")


@pytest.fixture
def depot(api_credential):
    """A client with account-wide X-DEPOT-TOKEN / X-DEPOT-SECRET headers."""
    return DepotClient(
        {
            "X-DEPOT-TOKEN": api_credential.credential.token,
            "X-DEPOT-SECRET": api_credential.secret,
        }
    )


def credential_client(scopes: list[str] | None = None, created_by=None) -> DepotClient:
    """A DepotClient with a new integration credential limited to SCOPES
    (every scope when None), made by CREATED_BY (nobody when None)."""
    issued = create_api_credential("Integration", scopes=scopes, created_by=created_by)
    return DepotClient({"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret})


@pytest.fixture
def contacts_reader(db):
    """An integration credential that may only read contacts and companies."""
    return credential_client(["contacts:read"])


@pytest.fixture
def outsider():
    """An API client with no credentials at all."""
    return DepotClient({})


@pytest.fixture
def no_api_rate_limit(settings):
    """For tests that send a credential's requests faster than its rate limit allows
    and are not about the limit."""
    settings.DOCKET_API_RATE_LIMIT = 0


@pytest.fixture
def bearer_for():
    """bearer_for(user) → a client acting as that user through a bearer token."""

    def make(user):
        issued = create_access_token(user, "test")
        return DepotClient({"Authorization": f"Bearer {issued.token}"})

    return make


@pytest.fixture
def admin_api(admin_user, bearer_for):
    return bearer_for(admin_user)


@pytest.fixture
def member_api(member, bearer_for):
    return bearer_for(member)


@pytest.fixture
def restricted_api(restricted_user, bearer_for):
    return bearer_for(restricted_user)


@pytest.fixture
def collaborator_api(collaborator, bearer_for):
    return bearer_for(collaborator)


# --- Redis ---------------------------------------------------------------------------------


def redis_answers(url: str) -> bool:
    try:
        with redis.Redis.from_url(url, socket_timeout=0.5) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_redis_server(directory):
    """A redis-server of our own on a free port, keeping nothing on disk; its URL.
    Another process may take the port between the probe and the start, so a server
    that exits at once is tried again on another port."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "The Redis tests need redis-server: `make install` brings it "
            "(or set DOCKET_TEST_REDIS_URL to a Redis of yours)."
        )
    for _ in range(5):
        port = _free_port()
        url = f"redis://127.0.0.1:{port}/0"
        process = subprocess.Popen(
            [
                executable,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while process.poll() is None and not redis_answers(url):
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"redis-server on port {port} did not answer within 10 s.")
            time.sleep(0.05)
        if process.poll() is None:
            break
    else:
        pytest.fail("redis-server would not start on a free port (tried five).")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis for the tests that need one, so they run on any machine: the one
    DOCKET_TEST_REDIS_URL names, else one already answering on 127.0.0.1:6379, else a
    throwaway redis-server for this test session (each pytest-xdist worker has its
    own session, so its own server)."""
    configured = os.environ.get("DOCKET_TEST_REDIS_URL")
    if configured:
        yield configured
    elif redis_answers(LOCAL_TEST_REDIS_URL):
        yield LOCAL_TEST_REDIS_URL
    else:
        with throwaway_redis_server(tmp_path_factory.mktemp("redis")) as url:
            yield url


@pytest.fixture
def redis_cache(settings, redis_url):
    """Django's default cache on the test Redis, as CACHE_URL=redis://... makes it,
    under a key prefix of this test's own; its keys are deleted afterwards, as
    Redis, unlike the database, keeps them past the test's transaction."""
    prefix = f"docket-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    from django.core.cache import cache

    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


# --- races -------------------------------------------------------------------------------


def run_in_parallel(count: int, work) -> list:
    """work(index) in COUNT threads let go at once; their results in order. Each thread
    has its own database connection (needs django_db(transaction=True))."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
