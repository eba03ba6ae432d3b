"""Token-bucket limiter, driven by a fake clock."""

from __future__ import annotations

import threading

import pytest

from service.security.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_burst_is_allowed_then_the_next_request_must_wait(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=3, clock=clock)

    assert [limiter.check("10.0.0.1") for _ in range(3)] == [None, None, None]
    assert limiter.check("10.0.0.1") == pytest.approx(1.0)


def test_the_wait_shrinks_as_time_passes_and_then_a_request_is_allowed(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=30, burst=1, clock=clock)  # one token per 2 s
    assert limiter.check("k") is None

    clock.advance(0.5)
    assert limiter.check("k") == pytest.approx(1.5)
    clock.advance(1.5)
    assert limiter.check("k") is None


def test_refused_requests_do_not_use_up_tokens(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=1, clock=clock)
    limiter.check("k")
    for _ in range(10):
        limiter.check("k")

    clock.advance(1.0)
    assert limiter.check("k") is None


def test_tokens_never_exceed_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=2, clock=clock)
    limiter.check("k")
    clock.advance(3600)

    results = [limiter.check("k") for _ in range(3)]

    assert results[:2] == [None, None]
    assert results[2] is not None


def test_keys_have_separate_buckets(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=1, clock=clock)

    assert limiter.check("key:a") is None
    assert limiter.check("key:a") is not None
    assert limiter.check("key:b") is None


def test_idle_buckets_are_forgotten(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=5, clock=clock)  # full again after 5 s
    for n in range(100):
        limiter.check(f"client-{n}")
    assert len(limiter) == 100

    clock.advance(5.0)
    limiter.check("new")

    assert len(limiter) == 1


def test_memory_stays_bounded_under_many_distinct_keys(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=1, max_keys=50, clock=clock)

    for n in range(1000):
        limiter.check(f"client-{n}")

    assert len(limiter) == 50


def test_a_busy_client_is_kept_when_others_are_evicted(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=1, max_keys=3, clock=clock)
    limiter.check("busy")
    for n in range(10):
        limiter.check(f"other-{n}")
        assert limiter.check("busy") is not None  # still limited: its bucket survived


def test_a_clock_going_backwards_does_not_add_tokens(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=1, clock=clock)
    limiter.check("k")
    clock.advance(-100)

    assert limiter.check("k") is not None


def test_concurrent_checks_never_allow_more_than_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=25, clock=clock)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            result = limiter.check("shared") is None
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(allowed) == 25


@pytest.mark.parametrize(
    ("rate", "burst", "max_keys"), [(0, 1, 10), (-5, 1, 10), (60, 0, 10), (60, 1, 0)]
)
def test_nonsense_limits_are_refused(rate: int, burst: int, max_keys: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        RateLimiter(rate_per_minute=rate, burst=burst, max_keys=max_keys)
