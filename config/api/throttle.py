"""Per-credential rate limiting: a token bucket kept as one timestamp (GCRA) in the
shared cache, so every web worker sees the same bucket."""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


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


def take_request_token(key: str, now: float | None = None) -> RateLimitState | None:
    """Spend one request from `key`'s bucket. The bucket refills at LIMIT per minute
    and holds at most LIMIT requests (the burst). None when limiting is off."""
    limit = settings.DOCKET_API_RATE_LIMIT
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    interval = WINDOW_SECONDS / limit
    burst_window = WINDOW_SECONDS  # limit * interval
    cache_key = f"ratelimit:{key}"
    theoretical_arrival = max(cache.get(cache_key, now), now)
    new_arrival = theoretical_arrival + interval
    if new_arrival - now > burst_window:
        wait = new_arrival - now - burst_window
        return RateLimitState(
            limit=limit,
            remaining=0,
            reset_seconds=math.ceil(theoretical_arrival - now),
            allowed=False,
            retry_after=max(1, math.ceil(wait)),
        )
    cache.set(cache_key, new_arrival, timeout=WINDOW_SECONDS * 2)
    remaining = int((burst_window - (new_arrival - now)) // interval)
    return RateLimitState(
        limit=limit,
        remaining=max(0, remaining),
        reset_seconds=math.ceil(new_arrival - now),
        allowed=True,
    )
