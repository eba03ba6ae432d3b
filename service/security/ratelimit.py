"""In-memory token-bucket rate limiting, one bucket per key (an API key id or a client address)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Allow ``burst`` requests at once, refilled at ``rate_per_minute``; safe across threads.

    Memory stays bounded: a bucket that has been idle long enough to be full again is
    forgotten (a new bucket would be identical), and beyond ``max_keys`` buckets the least
    recently used one is dropped.
    """

    def __init__(
        self,
        rate_per_minute: int,
        burst: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {rate_per_minute}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        self.rate_per_minute = rate_per_minute
        self.burst = burst
        self.max_keys = max_keys
        self._rate_per_second = rate_per_minute / 60.0
        self._seconds_to_fill = burst / self._rate_per_second
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float | None:
        """Take one token for ``key``: None when allowed, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated_at=now)
                self._buckets[key] = bucket
                if len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                elapsed = max(0.0, now - bucket.updated_at)
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self._rate_per_second)
                bucket.updated_at = now
                self._buckets.move_to_end(key)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self._rate_per_second

    def __len__(self) -> int:
        """Number of buckets held in memory."""
        with self._lock:
            return len(self._buckets)

    def _forget_idle(self, now: float) -> None:
        # Buckets are kept in order of last use, so the idle ones are at the front.
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated_at < self._seconds_to_fill:
                return
            self._buckets.popitem(last=False)
