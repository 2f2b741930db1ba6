"""The API rate limit is a limit: a parallel burst gets exactly the bucket's size
through, in the database (the default) and in Redis (CACHE_URL=redis://...)."""

import threading

import pytest
from django.db import connection

from config.api import throttle
from config.api.models import RateLimitBucket
from config.api.throttle import DatabaseBuckets, RedisBuckets, bucket_store, take_request_token
from conftest import DepotClient

NOW = 1_800_000_000.0


@pytest.fixture(params=["database", "redis"])
def store(request):
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return request.param


@pytest.fixture
def frozen_clock(monkeypatch):
    """Every request at the same microsecond: nothing refills during the burst, so
    exactly the bucket's size may pass whatever the machine's speed."""
    monkeypatch.setattr(throttle, "now_microseconds", lambda: int(NOW * 1_000_000))


def run_in_parallel(count: int, work) -> list:
    results = [None] * count
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            results[index] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_store_follows_the_cache(store):
    expected = RedisBuckets if store == "redis" else DatabaseBuckets
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
    results = run_in_parallel(24, lambda: [take_request_token("race").allowed for _ in range(5)])
    assert sum(sum(taken) for taken in results) == 40


@pytest.mark.django_db(transaction=True)
def test_parallel_api_requests_get_exactly_the_limit_through(store, settings, frozen_clock):
    from accounts.services import create_api_credential

    issued = create_api_credential("Burst")
    headers = {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    settings.DOCKET_API_RATE_LIMIT = 10

    responses = run_in_parallel(30, lambda: DepotClient(headers).get("me"))

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
def test_redis_bucket_expires_once_full_again(settings, redis_cache):
    settings.DOCKET_API_RATE_LIMIT = 6  # one every 10 s
    take_request_token("k")
    take_request_token("k")
    key = redis_cache.make_and_validate_key("ratelimit:k")
    client = redis_cache._cache.get_client(key, write=True)
    # Full again 20 s from now; kept a second longer, then gone.
    assert 20_000 < client.pttl(key) <= 21_000
