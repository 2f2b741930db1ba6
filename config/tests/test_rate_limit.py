"""The API rate limit is a limit: a parallel burst gets exactly the bucket's size
through, in the database (PostgreSQL's default), in a SQLite file of its own
(SQLite's default) and in Redis (CACHE_URL=redis://...)."""

from datetime import datetime

import pytest
from django.db import connection

from config.api import throttle
from config.api.models import RateLimitBucket
from config.api.throttle import (
    DatabaseBuckets,
    FileBuckets,
    RedisBuckets,
    bucket_store,
    clear_bucket,
    give_token_back,
    peek_token,
    take_request_token,
    take_token,
)
from conftest import DepotClient, run_in_parallel

NOW = 1_800_000_000.0


@pytest.fixture(params=["database", "file", "redis"])
def store(request, settings, tmp_path):
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    if request.param == "file":
        settings.DOCKET_RATELIMIT_FILE = tmp_path / "ratelimit.sqlite3"
    return request.param


@pytest.fixture
def frozen_clock(monkeypatch):
    """Every request at the same microsecond: nothing refills during the burst, so
    exactly the bucket's size may pass whatever the machine's speed."""
    monkeypatch.setattr(throttle, "now_microseconds", lambda: int(NOW * 1_000_000))


def test_the_store_follows_the_cache(store):
    expected = {"database": DatabaseBuckets, "file": FileBuckets, "redis": RedisBuckets}[store]
    assert isinstance(bucket_store(), expected)


@pytest.mark.django_db
def test_bucket_holds_the_limit_and_refills_at_the_limit_a_minute(store, settings):
    settings.DOCKET_API_RATE_LIMIT = 60  # one a second, burst of 60
    first = take_request_token("k", now=NOW)
    assert (first.allowed, first.remaining, first.reset_seconds) == (True, 59, 1)
    for _ in range(59):
        assert take_request_token("k", now=NOW).allowed
    blocked = take_request_token("k", now=NOW)
    assert (blocked.allowed, blocked.remaining, blocked.retry_after) == (False, 0, 1)
    assert blocked.reset_seconds == 60
    assert take_request_token("k", now=NOW + 1.0).allowed
    assert not take_request_token("k", now=NOW + 1.5).allowed
    later = take_request_token("k", now=NOW + 30.0)
    assert later.allowed and later.remaining == 28
    # Another key has its own bucket.
    assert take_request_token("other", now=NOW).remaining == 59


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [7, 13, 3600])
def test_a_full_burst_is_exactly_the_limit_whatever_it_divides_into(store, settings, limit):
    settings.DOCKET_API_RATE_LIMIT = limit
    admitted = sum(take_request_token("k", now=NOW).allowed for _ in range(limit + 5))
    assert admitted == limit


@pytest.mark.django_db
def test_an_admitted_request_costs_one_statement(settings, django_assert_num_queries):
    # On the path of every API call: the buckets' other uses must not add to it.
    settings.DOCKET_API_RATE_LIMIT = 60
    for _ in range(2):
        with django_assert_num_queries(1):
            assert take_request_token("k", now=NOW).allowed


@pytest.mark.django_db
def test_waiting_retry_after_seconds_is_enough(store, settings):
    settings.DOCKET_API_RATE_LIMIT = 7  # one every 8.57 s
    while take_request_token("k", now=NOW).allowed:
        pass
    blocked = take_request_token("k", now=NOW)
    assert blocked.retry_after == 9
    assert not take_request_token("k", now=NOW + blocked.retry_after - 1).allowed
    assert take_request_token("k", now=NOW + blocked.retry_after).allowed


@pytest.mark.django_db(transaction=True)
def test_parallel_takes_admit_exactly_the_limit(store, settings, frozen_clock):
    settings.DOCKET_API_RATE_LIMIT = 40
    results = run_in_parallel(24, lambda _: [take_request_token("race").allowed for _ in range(5)])
    assert sum(sum(taken) for taken in results) == 40


@pytest.mark.django_db(transaction=True)
def test_parallel_api_requests_get_exactly_the_limit_through(store, settings, frozen_clock):
    from accounts.services import create_api_credential

    issued = create_api_credential("Burst")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    settings.DOCKET_API_RATE_LIMIT = 10

    responses = run_in_parallel(30, lambda _: DepotClient(headers).get("me"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 10 + [429] * 20
    for response in responses:
        assert response["X-RateLimit-Limit"] == "10"
        if response.status_code == 429:
            assert response["X-RateLimit-Remaining"] == "0"
            assert response["Retry-After"] == "6"
            assert response.json() == {
                "error": True,
                "msg": "Request was throttled. Expected available in 6 seconds.",
            }
    remaining = sorted(int(r["X-RateLimit-Remaining"]) for r in responses if r.status_code == 200)
    assert remaining == list(range(10))


@pytest.mark.django_db
def test_database_buckets_come_with_migrate_and_stay_one_row_per_client(settings):
    settings.DOCKET_API_RATE_LIMIT = 5
    for _ in range(8):
        take_request_token("credential:1", now=NOW)
    take_request_token("user:2", now=NOW)
    rows = dict(RateLimitBucket.objects.values_list("key", "full_at"))
    assert rows == {
        "credential:1": int((NOW + 60) * 1_000_000),
        "user:2": int((NOW + 12) * 1_000_000),
    }


@pytest.mark.django_db
def test_database_buckets_are_kept_out_of_postgresqls_write_ahead_log():
    """Every API call takes a token: on PostgreSQL the buckets' table is unlogged, so
    a take neither writes the WAL nor waits for the disk (migration api 0004). SQLite
    has no such table kind; there the table is as created."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpersistence FROM pg_class WHERE oid = 'docket_ratelimit'::regclass"
            )
            assert cursor.fetchone() == ("u",)
    else:
        assert "docket_ratelimit" in connection.introspection.table_names()
    take_request_token("credential:1", now=NOW)
    assert RateLimitBucket.objects.filter(key="credential:1").exists()


@pytest.mark.django_db
def test_redis_bucket_expires_once_full_again(settings, redis_cache):
    settings.DOCKET_API_RATE_LIMIT = 6  # one every 10 s
    take_request_token("k")
    take_request_token("k")
    key = redis_cache.make_and_validate_key("ratelimit:k")
    client = redis_cache._cache.get_client(key, write=True)
    # Full again 20 s from now; kept a second longer, then gone.
    assert 20_000 < client.pttl(key) <= 21_000


# --- buckets of any size, as the sign-in and reset-email limits use them ------------------


@pytest.mark.django_db
def test_a_bucket_of_any_size_and_window(store):
    # 3 tokens over 90 s: one back every 30 s.
    assert [take_token("b", 3, 90, now=NOW).remaining for _ in range(3)] == [2, 1, 0]
    refused = take_token("b", 3, 90, now=NOW)
    assert (refused.allowed, refused.retry_after, refused.full_in) == (False, 30, 90)
    assert not take_token("b", 3, 90, now=NOW + 29).allowed
    assert take_token("b", 3, 90, now=NOW + 30).allowed


@pytest.mark.django_db
def test_peek_answers_what_a_take_would_without_taking(store):
    assert peek_token("b", 3, 90, now=NOW) == take_token("b", 3, 90, now=NOW)
    take_token("b", 3, 90, now=NOW)
    take_token("b", 3, 90, now=NOW)
    for _ in range(2):
        peeked = peek_token("b", 3, 90, now=NOW + 10)
        assert (peeked.allowed, peeked.retry_after) == (False, 20)
    assert peek_token("b", 3, 90, now=NOW + 30).allowed
    assert take_token("b", 3, 90, now=NOW + 30).allowed


@pytest.mark.django_db
def test_a_token_given_back_can_be_taken_again(store):
    for _ in range(3):
        take_token("b", 3, 90, now=NOW)
    give_token_back("b", 3, 90)
    assert take_token("b", 3, 90, now=NOW).allowed
    assert not take_token("b", 3, 90, now=NOW).allowed


@pytest.mark.django_db
def test_giving_back_to_a_full_bucket_does_not_overfill_it(store):
    give_token_back("b", 3, 90)  # no bucket yet
    take_token("b", 3, 90, now=NOW)
    give_token_back("b", 3, 90)
    give_token_back("b", 3, 90)
    assert sum(take_token("b", 3, 90, now=NOW).allowed for _ in range(5)) == 3


@pytest.mark.django_db
def test_clearing_fills_the_bucket_again(store):
    for _ in range(3):
        take_token("b", 3, 90, now=NOW)
    take_token("other", 3, 90, now=NOW)
    clear_bucket("b")
    assert take_token("b", 3, 90, now=NOW).remaining == 2
    assert take_token("other", 3, 90, now=NOW).remaining == 1


@pytest.mark.django_db
def test_the_worker_forgets_full_buckets_hourly(settings, monkeypatch):
    from huey.contrib.djhuey import HUEY

    from config.api.tasks import delete_full_rate_limit_buckets

    settings.DOCKET_API_RATE_LIMIT = 6  # one every 10 s
    take_token("signin:account:old", 5, 900, now=NOW - 1000)
    take_token("signin:account:recent", 5, 900, now=NOW - 10)
    take_request_token("credential:1", now=NOW - 15)
    take_request_token("credential:1", now=NOW - 15)  # full again in 5 s
    monkeypatch.setattr(throttle, "now_microseconds", lambda: int(NOW * 1_000_000))
    due = [task.name for task in HUEY.read_periodic(datetime(2030, 1, 1, 10, 47))]
    assert "delete_full_rate_limit_buckets" in due
    delete_full_rate_limit_buckets.call_local()
    assert set(RateLimitBucket.objects.values_list("key", flat=True)) == {
        "signin:account:recent",
        "credential:1",
    }


@pytest.mark.django_db
def test_the_file_store_forgets_full_buckets_too(settings, tmp_path):
    settings.DOCKET_RATELIMIT_FILE = tmp_path / "ratelimit.sqlite3"
    take_token("signin:account:old", 5, 900, now=NOW - 1000)
    take_token("signin:account:recent", 5, 900, now=NOW - 10)
    store = bucket_store()
    store.delete_full(int(NOW * 1_000_000))
    assert store.full_at("signin:account:old") is None
    assert store.full_at("signin:account:recent") is not None


def _remaining(response) -> int:
    assert response.status_code == 200, response.content
    return int(response["X-RateLimit-Remaining"])


@pytest.mark.django_db
def test_only_a_credential_that_gets_in_spends_a_token(store, settings, frozen_clock):
    # On PostgreSQL the token is taken in the statement that reads the credential
    # (throttle.RequestTake): a wrong secret must take nothing, and a revoked
    # credential with the right one must give back what the statement took.
    from accounts.services import create_access_token, create_api_credential, revoke_api_credential
    from accounts.tests.factories import UserFactory

    # Two a minute: Redis expires a bucket in real time once it is full again (30 s
    # here), whatever the frozen clock says.
    settings.DOCKET_API_RATE_LIMIT = 2
    issued = create_api_credential("Counted")
    good = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    assert _remaining(DepotClient(good).get("me")) == 1
    wrong = {**good, "X-DEPOT-SECRET": "not-the-secret"}
    for _ in range(3):
        refused = DepotClient(wrong).get("me")
        assert refused.status_code == 403 and "X-RateLimit-Remaining" not in refused
    assert _remaining(DepotClient(good).get("me")) == 0

    other = create_api_credential("Revoked")
    revoked = {"X-DEPOT-TOKEN": other.credential.token, "X-DEPOT-SECRET": other.secret}
    assert _remaining(DepotClient(revoked).get("me")) == 1
    revoke_api_credential(other.credential)
    assert DepotClient(revoked).get("me").status_code == 403
    # One spent (the first call), none since: a take would still fit.
    assert peek_token(f"credential:{other.credential.pk}", 2, 60).allowed

    user = UserFactory()
    bearer = {"Authorization": f"Bearer {create_access_token(user, 'Phone').token}"}
    assert _remaining(DepotClient(bearer).get("me")) == 1
    assert DepotClient({"Authorization": "Bearer nope"}).get("me").status_code == 403
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert DepotClient(bearer).get("me").status_code == 403
    assert peek_token(f"user:{user.pk}", 2, 60).allowed


@pytest.mark.django_db
def test_a_credential_is_read_and_its_token_taken_in_one_statement(settings, frozen_clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import create_api_credential

    if connection.vendor != "postgresql" or bucket_store() is not throttle.DATABASE_BUCKETS:
        pytest.skip("one statement where the buckets are PostgreSQL's own table")
    settings.DOCKET_API_RATE_LIMIT = 3
    issued = create_api_credential("Counted")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    for remaining in (2, 1, 0):
        with CaptureQueriesContext(connection) as captured:
            response = DepotClient(headers).get("me")
        assert _remaining(response) == remaining
        buckets = [q["sql"] for q in captured.captured_queries if "docket_ratelimit" in q["sql"]]
        assert len(buckets) == 1 and "accounts_apicredential" in buckets[0]
    throttled = DepotClient(headers).get("me")
    assert throttled.status_code == 429 and throttled["Retry-After"] == "20"
    assert throttled["X-RateLimit-Remaining"] == "0"


@pytest.mark.django_db
def test_with_the_bucket_file_the_credential_is_read_alone_and_its_token_taken_from_it(
    settings, tmp_path, frozen_clock
):
    # SQLite's store (and any database's, when DOCKET_RATELIMIT_FILE is set): the
    # credential is read alone, and only a credential that gets in takes its token,
    # in a step of its own from the bucket file, never from the main database's
    # table (config/api/throttle.py).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import create_api_credential

    settings.DOCKET_RATELIMIT_FILE = tmp_path / "ratelimit.sqlite3"  # as SQLite deploys
    settings.DOCKET_API_RATE_LIMIT = 3
    issued = create_api_credential("Counted")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    wrong = {**headers, "X-DEPOT-SECRET": "not-the-secret"}
    bucket = FileBuckets(str(settings.DOCKET_RATELIMIT_FILE))
    key = f"credential:{issued.credential.pk}"
    interval = 20_000_000  # a minute over 3, in microseconds
    for taken, remaining in enumerate((2, 1, 0), start=1):
        refused = DepotClient(wrong).get("me")
        assert refused.status_code == 403 and "X-RateLimit-Remaining" not in refused
        with CaptureQueriesContext(connection) as captured:
            response = DepotClient(headers).get("me")
        assert _remaining(response) == remaining
        assert bucket.full_at(key) == int(NOW * 1_000_000) + taken * interval
        assert not [q["sql"] for q in captured.captured_queries if "ratelimit" in q["sql"]]
    throttled = DepotClient(headers).get("me")
    assert throttled.status_code == 429 and throttled["Retry-After"] == "20"
    assert not RateLimitBucket.objects.exists()
