"""The PostgreSQL backend checks a kept connection only after it has been idle
(config/postgresql/base.py): the check was a round trip on every request."""

import pytest
from django.db import connection, connections

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
    real = base.DatabaseWrapper.is_usable

    def counted(self):
        checks.append(self)
        return real(self)

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", counted)
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
