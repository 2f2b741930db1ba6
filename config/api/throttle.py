"""Token buckets (GCRA) that every web worker shares: the API rate limit per
credential here, and the sign-in and reset-email limits (accounts.throttle).

A bucket holds LIMIT tokens and gets them back one by one over WINDOW seconds. It is
one number, the moment it would be full again ("full_at"). A take fits when pushing
that moment one interval (WINDOW / LIMIT) later leaves it no more than a whole window
ahead. The read-check-write is a single atomic step in the store, so a burst of
parallel takes gets exactly LIMIT through, not however many read the bucket before
the first of them wrote it back:

* Redis (when CACHE_URL points the cache there): a Lua script, one round trip;
* on SQLite, a file of their own (DOCKET_RATELIMIT_FILE, `var/ratelimit.sqlite3`):
  one UPSERT, as below. In the main database every take was a write there, and
  each write makes every other connection drop its cache of the database: through
  gunicorn that cost a small API call 0.4 ms of CPU, a third of it;
* otherwise the database: one UPSERT on the `docket_ratelimit` table, which comes
  with `migrate`. (Django's database cache can't do this: its `incr` is a get and
  a set.)

Times are whole microseconds so LIMIT requests fill the window exactly, with no
float rounding letting one more in or keeping one out. Each limit names its buckets
under a prefix of its own ("credential:", "user:", "signin:", "reset:"), up to 100
characters.
"""

import functools
import math
import sqlite3
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router
from django.db.models import BigIntegerField, F
from django.db.models.expressions import RawSQL

from .models import RateLimitBucket

WINDOW_SECONDS = 60
MICROSECONDS = 1_000_000


@dataclass(frozen=True)
class Token:
    """The answer to a take (or, from peek_token, what a take would get now)."""

    allowed: bool
    remaining: int  # tokens left after it
    full_in: int  # seconds until the bucket is full again
    retry_after: int = 0  # when refused: seconds until a take fits


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
    return _request_state(limit, take_token(key, limit, WINDOW_SECONDS, now))


def _request_state(limit: int, token: Token) -> RateLimitState:
    return RateLimitState(
        limit=limit,
        remaining=token.remaining,
        reset_seconds=token.full_in,
        allowed=token.allowed,
        retry_after=token.retry_after,
    )


class RequestTake:
    """The request's take of the API rate limit, made by the statement that reads
    who is calling: one round trip for both, where a separate take was one more on
    every API call. Only where the buckets are the docket_ratelimit table of that
    same PostgreSQL database (`request_take`): the take goes in a data-modifying
    WITH, which SQLite lacks.

    `statement` wraps a select of the caller: `source` selects the bucket's key of
    the one row that may take (e.g. the credential whose token and secret match),
    and the select reads TAKEN as a column, the bucket's new full_at or NULL when
    nothing was taken (no such row, or the bucket is empty). Same UPSERT, same
    semantics as DatabaseBuckets.take."""

    TAKEN_SQL = "(SELECT full_at FROM docket_taken)"
    # True when the statement took a token: what a ReadAhead is read on.
    TOOK_SQL = "EXISTS (SELECT FROM docket_taken)"

    def __init__(self, connection, limit: int):
        self.limit = limit
        self.now, self.interval, self.capacity = _measures(limit, WINDOW_SECONDS, None)
        self.cte = _CTES.get(connection.vendor)
        if self.cte is None:
            # The same text for every connection of a vendor: made once, not per call.
            self.cte = _CTES[connection.vendor] = (
                "WITH docket_taken AS (INSERT INTO {table} ({key}, {full_at}) "
                "SELECT docket_source.bucket, %s FROM ({{source}}) AS docket_source(bucket) "
                "ON CONFLICT ({key}) DO UPDATE SET "
                "{full_at} = {greatest}({table}.{full_at}, %s) + %s "
                "WHERE {greatest}({table}.{full_at}, %s) + %s - %s <= %s "
                "RETURNING {full_at}) "
            ).format(**DatabaseBuckets.names(connection))

    def statement(self, source: str, source_params: list) -> tuple[str, list]:
        """The WITH to put before the caller's select, and its parameters."""
        now, interval, capacity = self.now, self.interval, self.capacity
        return _with_source(self.cte, source), [
            now + interval,
            *source_params,
            now,
            interval,
            now,
            interval,
            now,
            capacity,
        ]

    def state(self, key: str, full_at: int | None) -> RateLimitState:
        """What the take answered, for `key` (the bucket `source` named)."""
        if full_at is not None:
            token = _token(True, full_at - self.now, self.interval, self.capacity)
        else:  # refused: when will it fit
            ahead = max(DATABASE_BUCKETS.full_at(key) or self.now, self.now) - self.now
            token = _token(False, ahead, self.interval, self.capacity)
        return _request_state(self.limit, token)

    def give_back(self, key: str) -> None:
        """Undo the take, for a caller refused after it (an unusable credential)."""
        DATABASE_BUCKETS.give_back(key, self.interval)


_CTES: dict[str, str] = {}


@functools.lru_cache(maxsize=16)
def _with_source(cte: str, source: str) -> str:
    return cte.format(source=source)


# The column a RequestTake's select reads: the bucket's new full_at, or NULL.
TAKEN_COLUMN = RawSQL(RequestTake.TAKEN_SQL, (), output_field=BigIntegerField())


def request_take(using: str) -> RequestTake | None:
    """A RequestTake for a select on the database `using`, or None when the buckets
    are elsewhere (Redis, their SQLite file), limiting is off, or the database can't
    take in a WITH: then `admit` takes the token by itself."""
    limit = settings.DOCKET_API_RATE_LIMIT
    if limit <= 0 or bucket_store() is not DATABASE_BUCKETS:
        return None
    if router.db_for_write(RateLimitBucket) != using:
        return None
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    return RequestTake(connection, limit)


def take_token(key: str, limit: int, window: int, now: float | None = None) -> Token:
    """Take one of LIMIT tokens from `key`'s bucket, which gets them back over WINDOW
    seconds: one atomic round trip when the take fits."""
    now_us, interval, capacity = _measures(limit, window, now)
    store = bucket_store()
    allowed, full_at = store.take(key, now_us, interval, capacity)
    if not allowed and now is None:
        # The clock was read before the take reached the store. A worker that read
        # it later may have taken first (this one lost the CPU, or was connecting),
        # and at this one's earlier instant the bucket looks fuller than it is: the
        # last token of a burst was refused while it was there. A refused take
        # changes nothing, so it is tried once more at a clock read after it, when
        # that fits.
        fresh = now_microseconds()
        if max(full_at, fresh) + interval - fresh <= capacity:
            now_us = fresh
            allowed, full_at = store.take(key, now_us, interval, capacity)
    return _token(allowed, full_at - now_us, interval, capacity)


def peek_token(key: str, limit: int, window: int, now: float | None = None) -> Token:
    """What take_token would answer now, taking nothing."""
    full_at = bucket_store().full_at(key)
    # The clock after the bucket: read before, a take landing in between with a
    # later clock made the bucket look fuller than it was, refusing a token left.
    now_us, interval, capacity = _measures(limit, window, now)
    ahead = 0 if full_at is None else max(0, full_at - now_us)
    allowed = ahead + interval <= capacity
    return _token(allowed, ahead + (interval if allowed else 0), interval, capacity)


def give_token_back(key: str, limit: int, window: int) -> None:
    """Undo one take, e.g. of an attempt that turned out not to count."""
    bucket_store().give_back(key, _interval(limit, window))


def clear_bucket(key: str) -> None:
    """Fill `key`'s bucket again."""
    bucket_store().clear(key)


def delete_full_buckets() -> None:
    """Forget the buckets that are full again: they hold nothing a fresh one doesn't.
    The worker runs this hourly; Redis expires its buckets by itself."""
    bucket_store().delete_full(now_microseconds())


def _interval(limit: int, window: int) -> int:
    return window * MICROSECONDS // limit


def _measures(limit: int, window: int, now: float | None) -> tuple[int, int, int]:
    """Now, the interval between tokens and the bucket's size, in microseconds."""
    now_us = now_microseconds() if now is None else round(now * MICROSECONDS)
    interval = _interval(limit, window)
    return now_us, interval, interval * limit


def _token(allowed: bool, ahead: int, interval: int, capacity: int) -> Token:
    """`ahead`: how far the bucket is from full, after the take if it was allowed."""
    if not allowed:
        return Token(
            allowed=False,
            remaining=0,
            full_in=_seconds(ahead),
            retry_after=max(1, _seconds(ahead + interval - capacity)),
        )
    return Token(
        allowed=True,
        remaining=max(0, (capacity - ahead) // interval),
        full_in=_seconds(ahead),
    )


def _seconds(microseconds: int) -> int:
    return max(0, math.ceil(microseconds / MICROSECONDS))


def bucket_store():
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return RedisBuckets(cache)
    if settings.DOCKET_RATELIMIT_FILE:
        return FileBuckets(str(settings.DOCKET_RATELIMIT_FILE))
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

    @staticmethod
    def names(connection) -> dict[str, str]:
        return {
            "table": connection.ops.quote_name(RateLimitBucket._meta.db_table),
            "key": connection.ops.quote_name("key"),
            "full_at": connection.ops.quote_name("full_at"),
            "greatest": "MAX" if connection.vendor == "sqlite" else "GREATEST",
        }

    def take(self, key: str, now: int, interval: int, capacity: int) -> tuple[bool, int]:
        connection = connections[router.db_for_write(RateLimitBucket)]
        names = self.names(connection)
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

    def full_at(self, key: str) -> int | None:
        return RateLimitBucket.objects.filter(key=key).values_list("full_at", flat=True).first()

    def give_back(self, key: str, interval: int) -> None:
        # Below now it means full, as a missing row does: take starts from now.
        RateLimitBucket.objects.filter(key=key).update(full_at=F("full_at") - interval)

    def clear(self, key: str) -> None:
        RateLimitBucket.objects.filter(key=key).delete()

    def delete_full(self, now: int) -> None:
        RateLimitBucket.objects.filter(full_at__lte=now).delete()


DATABASE_BUCKETS = DatabaseBuckets()


def _use_wal(connection: sqlite3.Connection) -> None:
    """The file in WAL mode, which it keeps once set. Switching needs the file to
    itself, and SQLite answers "database is locked" at once, without waiting out the
    timeout, when waiting could deadlock: as when the workers' first connections to a
    new file all switch it together (a 500 on a first request). So the mode is read
    first, and a refused switch tried again while another connection finishes it."""
    for attempt in range(WAL_SWITCH_TRIES):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_SWITCH_TRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


WAL_SWITCH_TRIES = 20


class FileBuckets:
    """Buckets as rows of a SQLite file of their own, taken with the same UPSERT as
    DatabaseBuckets. Each thread keeps one connection to it, in autocommit: a take is
    one statement, atomic under the file's write lock. Nothing is synced to disk
    (`synchronous=OFF`): after a crash a bucket is at worst fuller than it was, as
    PostgreSQL's unlogged table would have it."""

    UPSERT = (
        "INSERT INTO ratelimit (key, full_at) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET full_at = MAX(ratelimit.full_at, ?) + ? "
        "WHERE MAX(ratelimit.full_at, ?) + ? - ? <= ? RETURNING full_at"
    )
    _local = threading.local()

    def __init__(self, path: str):
        self.path = path

    def _connection(self) -> sqlite3.Connection:
        kept = getattr(self._local, "kept", None)
        if kept is not None and kept[0] == self.path:
            return kept[1]
        if kept is not None:
            kept[1].close()
        connection = sqlite3.connect(self.path, timeout=20, isolation_level=None)
        _use_wal(connection)
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS ratelimit (key TEXT PRIMARY KEY, full_at INTEGER NOT NULL)"
        )
        self._local.kept = (self.path, connection)
        return connection

    def take(self, key: str, now: int, interval: int, capacity: int) -> tuple[bool, int]:
        connection = self._connection()
        row = connection.execute(
            self.UPSERT, [key, now + interval, now, interval, now, interval, now, capacity]
        ).fetchone()
        if row is not None:
            return True, row[0]
        return False, max(self.full_at(key) or now, now)

    def full_at(self, key: str) -> int | None:
        row = (
            self._connection()
            .execute("SELECT full_at FROM ratelimit WHERE key = ?", [key])
            .fetchone()
        )
        return None if row is None else row[0]

    def give_back(self, key: str, interval: int) -> None:
        self._connection().execute(
            "UPDATE ratelimit SET full_at = full_at - ? WHERE key = ?", [interval, key]
        )

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM ratelimit WHERE key = ?", [key])

    def delete_full(self, now: int) -> None:
        self._connection().execute("DELETE FROM ratelimit WHERE full_at <= ?", [now])


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


# Only a bucket that is there: one created now would never expire.
GIVE_BACK_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
end
return 0
"""


class RedisBuckets:
    """Buckets as Redis strings, moved by GCRA_SCRIPT: EVALSHA, one round trip,
    atomic because Redis runs a script alone. A key expires once its bucket is full."""

    script = None
    give_back_script = None

    def __init__(self, cache: RedisCache):
        self.cache = cache

    def _client(self, key: str):
        cache_key = self.cache.make_and_validate_key(f"ratelimit:{key}")
        return cache_key, self.cache._cache.get_client(cache_key, write=True)

    def take(self, key: str, now: int, interval: int, capacity: int) -> tuple[bool, int]:
        cache_key, client = self._client(key)
        if RedisBuckets.script is None:
            RedisBuckets.script = client.register_script(GCRA_SCRIPT)
        allowed, full_at = RedisBuckets.script(
            keys=[cache_key], args=[now, interval, capacity], client=client
        )
        return bool(allowed), int(full_at)

    def full_at(self, key: str) -> int | None:
        cache_key, client = self._client(key)
        full_at = client.get(cache_key)
        return None if full_at is None else int(full_at)

    def give_back(self, key: str, interval: int) -> None:
        cache_key, client = self._client(key)
        if RedisBuckets.give_back_script is None:
            RedisBuckets.give_back_script = client.register_script(GIVE_BACK_SCRIPT)
        RedisBuckets.give_back_script(keys=[cache_key], args=[interval], client=client)

    def clear(self, key: str) -> None:
        cache_key, client = self._client(key)
        client.delete(cache_key)

    def delete_full(self, now: int) -> None:
        """Nothing to do: each key expires when its bucket is full."""
