"""Per-credential rate limiting: a token bucket (GCRA) that every web worker shares.

A bucket is one number, the moment it would be full again ("full_at"). A request
fits when pushing that moment one interval later leaves it no more than a whole
window ahead; the bucket then holds LIMIT requests (the burst) and refills at LIMIT
a minute. The read-check-write is a single atomic step in the store, so a burst of
parallel requests gets exactly LIMIT through, not however many read the bucket
before the first of them wrote it back:

* Redis (when CACHE_URL points the cache there): a Lua script, one round trip;
* otherwise the database: one UPSERT on the `docket_ratelimit` table, which comes
  with `migrate`. (Django's database cache can't do this: its `incr` is a get and
  a set.)

Times are whole microseconds so LIMIT requests fill the window exactly, with no
float rounding letting one more in or keeping one out.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router

from .models import RateLimitBucket

WINDOW_SECONDS = 60
MICROSECONDS = 1_000_000


@dataclass
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int
    allowed: bool
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def now_microseconds() -> int:
    return time.time_ns() // 1000


def take_request_token(key: str, now: float | None = None) -> RateLimitState | None:
    """Spend one request from `key`'s bucket. The bucket refills at LIMIT per minute
    and holds at most LIMIT requests (the burst). None when limiting is off."""
    limit = settings.DOCKET_API_RATE_LIMIT
    if limit <= 0:
        return None
    now_us = now_microseconds() if now is None else round(now * MICROSECONDS)
    interval = WINDOW_SECONDS * MICROSECONDS // limit
    capacity = interval * limit
    allowed, full_at = bucket_store().take(key, now_us, interval, capacity)
    ahead = full_at - now_us  # how far the bucket is from full, after this request
    if not allowed:
        return RateLimitState(
            limit=limit,
            remaining=0,
            reset_seconds=_seconds(ahead),
            allowed=False,
            retry_after=max(1, _seconds(ahead + interval - capacity)),
        )
    return RateLimitState(
        limit=limit,
        remaining=max(0, (capacity - ahead) // interval),
        reset_seconds=_seconds(ahead),
        allowed=True,
    )


def _seconds(microseconds: int) -> int:
    return max(0, math.ceil(microseconds / MICROSECONDS))


def bucket_store():
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return RedisBuckets(cache)
    return DATABASE_BUCKETS


class DatabaseBuckets:
    """Buckets as rows of `docket_ratelimit`. The UPSERT takes the row lock, checks
    and moves `full_at` in one statement; when the WHERE refuses (bucket empty) no
    row comes back and a plain read says when to retry. One statement per admitted
    request, on PostgreSQL and SQLite alike (both have ON CONFLICT ... RETURNING)."""

    UPSERT = (
        "INSERT INTO {table} ({key}, {full_at}) VALUES (%s, %s) "
        "ON CONFLICT ({key}) DO UPDATE SET {full_at} = {greatest}({table}.{full_at}, %s) + %s "
        "WHERE {greatest}({table}.{full_at}, %s) + %s - %s <= %s "
        "RETURNING {full_at}"
    )
    SELECT = "SELECT {full_at} FROM {table} WHERE {key} = %s"

    def take(self, key: str, now: int, interval: int, capacity: int) -> tuple[bool, int]:
        connection = connections[router.db_for_write(RateLimitBucket)]
        names = {
            "table": connection.ops.quote_name(RateLimitBucket._meta.db_table),
            "key": connection.ops.quote_name("key"),
            "full_at": connection.ops.quote_name("full_at"),
            "greatest": "MAX" if connection.vendor == "sqlite" else "GREATEST",
        }
        # In autocommit the row lock lasts for this statement, not for the request.
        with connection.cursor() as cursor:
            cursor.execute(
                self.UPSERT.format(**names),
                [key, now + interval, now, interval, now, interval, now, capacity],
            )
            row = cursor.fetchone()
            if row is not None:
                return True, row[0]
            cursor.execute(self.SELECT.format(**names), [key])
            return False, max(cursor.fetchone()[0], now)


DATABASE_BUCKETS = DatabaseBuckets()


# KEYS[1] the bucket; ARGV now, interval, capacity (microseconds). Numbers are Lua
# doubles, exact for whole microseconds since 1970 (< 2**53); %.0f writes them
# back without the exponent Lua's tostring would use.
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local full_at = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if full_at < now then full_at = now end
local next_full = full_at + interval
if next_full - now > capacity then
  return {0, string.format('%.0f', full_at)}
end
local expire_ms = math.ceil((next_full - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', next_full), 'PX', string.format('%.0f', expire_ms))
return {1, string.format('%.0f', next_full)}
"""


class RedisBuckets:
    """Buckets as Redis strings, moved by GCRA_SCRIPT: EVALSHA, one round trip,
    atomic because Redis runs a script alone. A key expires once its bucket is full."""

    script = None

    def __init__(self, cache: RedisCache):
        self.cache = cache

    def take(self, key: str, now: int, interval: int, capacity: int) -> tuple[bool, int]:
        cache_key = self.cache.make_and_validate_key(f"ratelimit:{key}")
        client = self.cache._cache.get_client(cache_key, write=True)
        if RedisBuckets.script is None:
            RedisBuckets.script = client.register_script(GCRA_SCRIPT)
        allowed, full_at = RedisBuckets.script(
            keys=[cache_key], args=[now, interval, capacity], client=client
        )
        return bool(allowed), int(full_at)
