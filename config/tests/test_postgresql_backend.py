"""The PostgreSQL backend checks a kept connection only after it has been idle
(config/postgresql/base.py): the check was a round trip on every request. On SQLite,
Django's own backend: the connection is kept just the same, and checking it costs
nothing (config/settings.py)."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3 import base as sqlite_base

from config.postgresql import base

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, base.DatabaseWrapper)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _checks(monkeypatch, wrapper) -> list:
    checks = []
    engine = type(wrapper)
    real = engine.is_usable

    def counted(self):
        checks.append(self)
        return real(self)

    monkeypatch.setattr(engine, "is_usable", counted)
    return checks


def test_a_connection_used_a_moment_ago_is_not_checked(fresh, monkeypatch):
    checks = _checks(monkeypatch, fresh)
    clock = [1000.0]
    monkeypatch.setattr(base.time, "monotonic", lambda: clock[0])
    fresh.close_if_unusable_or_obsolete()  # a request starts
    fresh.close_if_health_check_failed()  # its first query: checked (never used)
    assert len(checks) == 1
    fresh.close_if_unusable_or_obsolete()  # it finishes
    clock[0] += 0.2
    fresh.close_if_unusable_or_obsolete()  # the next starts at once
    fresh.close_if_health_check_failed()
    assert len(checks) == 1
    fresh.close_if_unusable_or_obsolete()
    clock[0] += base.IDLE_BEFORE_CHECK + 0.5  # idle: checked again
    fresh.close_if_unusable_or_obsolete()
    fresh.close_if_health_check_failed()
    assert len(checks) == 2
    assert fresh.connection is not None


def test_a_connection_that_failed_is_checked_whatever_its_age(fresh, monkeypatch):
    checks = _checks(monkeypatch, fresh)
    fresh.close_if_unusable_or_obsolete()
    fresh.close_if_unusable_or_obsolete()
    fresh.errors_occurred = True
    fresh.close_if_unusable_or_obsolete()
    assert len(checks) == 1 and not fresh.errors_occurred
    # A connection that died is closed, and the next query opens a new one.
    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", lambda self: False)
    fresh.errors_occurred = True
    fresh.close_if_unusable_or_obsolete()
    assert fresh.connection is None
    with fresh.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.fixture
def fresh_kept():
    """A new connection of the suite's database, with Docket's engine for it."""
    wrapper = connections.create_connection("default")
    # Only PostgreSQL's engine is swapped for Docket's: SQLite has nothing to save.
    engine = base.DatabaseWrapper if wrapper.vendor == "postgresql" else sqlite_base.DatabaseWrapper
    assert type(wrapper) is engine
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _request(wrapper) -> None:
    """What each request does with its thread's connection, as Django's signals do."""
    wrapper.close_if_unusable_or_obsolete()  # it starts
    wrapper.close_if_health_check_failed()  # its first query
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_user")
    wrapper.close_if_unusable_or_obsolete()  # it finishes


def test_a_connection_is_kept_for_a_minute_and_checked_only_when_idle_or_failed(
    fresh_kept, monkeypatch
):
    # Opening one costs a worker more than the small API call it serves: on SQLite a
    # connection per request took 9 ms in-process, a kept one 1.4 ms.
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    checks = _checks(monkeypatch, fresh_kept)
    fresh_kept.close()
    fresh_kept.ensure_connection()  # opened at 1000 s
    kept = fresh_kept.connection
    statements = []
    if fresh_kept.vendor == "sqlite":
        kept.set_trace_callback(statements.append)
    for _ in range(3):
        _request(fresh_kept)
        clock[0] += 19.0  # idle for longer than a second: checked at the next one
    # A request that failed has its connection checked: it stays while usable.
    fresh_kept.errors_occurred = True
    _request(fresh_kept)
    assert fresh_kept.connection is kept
    assert len(checks) == 4
    if fresh_kept.vendor == "sqlite":
        # Checking costs SQLite nothing: only the requests' own queries reached it.
        assert statements == ["SELECT COUNT(*) FROM accounts_user"] * 4
    clock[0] += 4.0  # 61 s after it was opened: the next request gets a new one
    _request(fresh_kept)
    assert fresh_kept.connection is not None and fresh_kept.connection is not kept
